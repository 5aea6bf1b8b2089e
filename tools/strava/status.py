"""Where an athlete's Strava connection and sync stand (no token ever appears here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from storage.activities import source_ids
from storage.strava_tokens import get_sync_state, get_token
from tools.context import ToolContext
from tools.strava.convert import SOURCE


@dataclass(frozen=True)
class StravaStatus:
    configured: bool
    connected: bool
    strava_athlete_id: int | None
    scope: str
    token_expires_at: int | None
    activities: int
    newest_synced: datetime | None
    streams_pending: int
    sync_in_progress: bool
    last_sync: str
    last_stop: str
    resume_at: str

    def lines(self) -> list[str]:
        """What ``coachg strava status`` prints."""
        if not self.configured:
            out = [
                "Strava: not set up (set COACHG_STRAVA_CLIENT_ID and COACHG_STRAVA_CLIENT_SECRET)"
            ]
        elif not self.connected:
            out = ["Strava: not connected (run `coachg strava connect`)"]
        else:
            who = f" as Strava athlete {self.strava_athlete_id}" if self.strava_athlete_id else ""
            out = [f"Strava: connected{who}, scope {self.scope or '?'}"]
        out.append(f"Activities from Strava: {self.activities}")
        if self.newest_synced:
            out.append(f"Newest synced start: {self.newest_synced:%Y-%m-%d %H:%M} UTC")
        if self.last_sync:
            out.append(
                f"Last sync: {self.last_sync}"
                + (f" (stopped: {self.last_stop})" if self.last_stop else "")
            )
        if self.sync_in_progress:
            out.append("An interrupted sync will resume where it stopped.")
        if self.resume_at:
            out.append(f"Rate limit resets at {self.resume_at}")
        if self.streams_pending:
            out.append(f"Runs waiting for streams: {self.streams_pending}")
        return out


def strava_status(ctx: ToolContext) -> StravaStatus:
    """The connection and sync state of ``ctx.athlete_id``."""
    with ctx.session() as session:
        token = get_token(session, ctx.actor, ctx.athlete_id)
        state = get_sync_state(session, ctx.actor, ctx.athlete_id, SOURCE)
        held = len(source_ids(session, ctx.actor, ctx.athlete_id, SOURCE))
        high_water = state.get("high_water")
        return StravaStatus(
            configured=bool(ctx.settings.strava_client_id and ctx.settings.strava_client_secret),
            connected=token is not None,
            strava_athlete_id=token.strava_athlete_id if token else None,
            scope=token.scope if token else "",
            token_expires_at=token.expires_at if token else None,
            activities=held,
            newest_synced=datetime.fromtimestamp(high_water, tz=UTC) if high_water else None,
            streams_pending=len(state.get("streams_pending") or []),
            sync_in_progress=bool(state.get("window")),
            last_sync=state.get("last_sync") or "",
            last_stop=state.get("last_stop") or "",
            resume_at=state.get("resume_at") or "",
        )
