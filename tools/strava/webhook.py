"""Strava's webhook events that Coach G acts on: an athlete deauthorizing the application.

Strava posts ``{"object_type": "athlete", "aspect_type": "update", "object_id": <athlete id>,
"updates": {"authorized": "false"}, ...}`` when an athlete revokes access on strava.com; Coach G
then forgets that athlete's tokens. The web endpoint that receives the events lives in ``ui``.
"""

from __future__ import annotations

import logging
from typing import Any

from storage.db import Database
from storage.strava_tokens import delete_tokens_for_strava_athlete

log = logging.getLogger(__name__)


def is_deauthorization(event: Any) -> bool:
    """Whether ``event`` is Strava's "athlete revoked access" event."""
    if not isinstance(event, dict):
        return False
    updates = event.get("updates")
    return (
        event.get("object_type") == "athlete"
        and event.get("aspect_type") == "update"
        and isinstance(updates, dict)
        and str(updates.get("authorized", "")).lower() == "false"
        and str(event.get("object_id", "")).isdigit()
    )


def handle_deauthorization(db: Database, event: dict[str, Any]) -> int:
    """Delete the tokens of the Strava athlete ``event`` says revoked access.

    Returns how many token records were deleted (0 for any other event, or an unknown athlete).
    Activities already synced stay: they are the athlete's own history in Coach G.
    """
    if not is_deauthorization(event):
        return 0
    strava_athlete_id = int(event["object_id"])
    with db.session() as session:
        deleted = delete_tokens_for_strava_athlete(session, strava_athlete_id)
    log.info(
        "Strava athlete %s deauthorized Coach G: %s token record(s) deleted",
        strava_athlete_id,
        deleted,
    )
    return deleted
