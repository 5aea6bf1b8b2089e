"""Heavy work (video analysis, imports, Strava syncs) as jobs on a Huey queue: one job at a time
per user, progress streamed back, and never in the way of another user's chat."""
