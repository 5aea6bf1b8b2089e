"""An athlete's Strava tokens during a sync: loaded from storage, refreshed before they expire,
and the refreshed pair stored at once (Strava rotates refresh tokens, so losing the new one
would lock the athlete out).

Tokens live in this object's private fields and in stravalib's protocol only; nothing here logs,
prints or puts them in an exception.
"""

from __future__ import annotations

import logging
import time

from stravalib import exc

from storage.models import User
from storage.strava_tokens import get_token, save_token
from tools.context import ToolContext
from tools.strava.client import StravaClient

log = logging.getLogger(__name__)

# Refresh this long before the stored expiry, so a request never races the deadline.
REFRESH_MARGIN_S = 120

NOT_CONNECTED = "Strava is not connected yet. Run `coachg strava connect` to connect it."
RECONNECT = (
    "Strava no longer accepts Coach G's authorization (it was revoked on strava.com or has "
    "lapsed). Run `coachg strava connect` to connect again; everything already synced is kept."
)


class StravaAuthError(Exception):
    """Strava refuses the stored authorization; the message tells the user to reconnect."""


class TokenKeeper:
    """Keeps ``client`` holding a valid access token for ``ctx.athlete_id``."""

    def __init__(
        self, ctx: ToolContext, client: StravaClient, client_id: int, client_secret: str
    ) -> None:
        self._ctx = ctx
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = ""
        self.expires_at = 0
        self.refreshed = 0

    def __repr__(self) -> str:
        return f"TokenKeeper(athlete_id={self._ctx.athlete_id}, expires_at={self.expires_at})"

    def load(self) -> None:
        """Read the stored tokens; :class:`StravaAuthError` if the athlete never connected."""
        with self._ctx.session() as session:
            row = get_token(session, self._ctx.actor, self._ctx.athlete_id)
            if row is None:
                raise StravaAuthError(NOT_CONNECTED)
            self._client.access_token = row.access_token
            self._refresh_token = row.refresh_token
            self.expires_at = int(row.expires_at)

    def ensure_fresh(self) -> None:
        """Refresh the access token if it expires within :data:`REFRESH_MARGIN_S`."""
        if self.expires_at - REFRESH_MARGIN_S <= time.time():
            self.refresh()

    def refresh(self) -> None:
        """Trade the refresh token for a new pair and store it before anything else happens."""
        log.info("refreshing the Strava access token of athlete %s", self._ctx.athlete_id)
        try:
            info = self._client.refresh_access_token(
                client_id=self._client_id,
                client_secret=self._client_secret,
                refresh_token=self._refresh_token,
            )
        except exc.Fault as error:
            status = error.response.status_code if error.response is not None else "?"
            log.warning("Strava refused the token refresh (HTTP %s)", status)
            raise StravaAuthError(RECONNECT) from None
        self._refresh_token = info["refresh_token"]
        self.expires_at = int(info["expires_at"])
        self.refreshed += 1
        with self._ctx.session() as session:
            # get_token checked that the actor may act for this athlete; the tokens are the
            # athlete's own, so they are saved as theirs (a coach may sync a linked athlete).
            get_token(session, self._ctx.actor, self._ctx.athlete_id)
            owner = session.get(User, self._ctx.athlete_id)
            assert owner is not None
            save_token(
                session,
                owner,
                access_token=info["access_token"],
                refresh_token=info["refresh_token"],
                expires_at=self.expires_at,
            )
