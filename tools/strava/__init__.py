"""Strava: connect by OAuth (stravalib), sync activities, and forget an athlete on request.

``COACHG_STRAVA_BASE_URL`` points everything (OAuth and API) at any Strava-compatible server,
which is how the tests run it against a loopback fake serving real recorded responses.
"""
