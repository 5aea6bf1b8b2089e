"""Strava OAuth tokens and sync progress, per athlete. Tokens never leave this module in text.

The tokens are stored encrypted (:mod:`storage.secret_box`, same columns as before); a token
stored in clear by an older version is still read, and encrypted when it is next written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.access import require_access
from storage.models import StravaToken, SyncState, User
from storage.secret_box import seal, unseal


@dataclass(frozen=True)
class StravaTokens:
    """An athlete's Strava tokens, decrypted, detached from the database (changing them
    changes nothing stored: :func:`save_token` does). ``repr`` leaves the secrets out."""

    user_id: int
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: int
    strava_athlete_id: int | None = None
    scope: str = ""


def save_token(
    session: Session,
    actor: User,
    *,
    access_token: str,
    refresh_token: str,
    expires_at: int,
    strava_athlete_id: int | None = None,
    scope: str = "",
) -> None:
    """Store (or replace) ``actor``'s own Strava tokens."""
    row = session.scalar(select(StravaToken).where(StravaToken.user_id == actor.id))
    if row is None:
        row = StravaToken(user_id=actor.id, access_token="", refresh_token="", expires_at=0)
        session.add(row)
    row.access_token = seal(access_token)
    row.refresh_token = seal(refresh_token)
    row.expires_at = int(expires_at)
    if strava_athlete_id is not None:
        row.strava_athlete_id = strava_athlete_id
    if scope:
        row.scope = scope
    session.flush()


def get_token(session: Session, actor: User, athlete_id: int) -> StravaTokens | None:
    """``athlete_id``'s tokens, decrypted (an athlete's own; a coach may sync for a linked
    athlete), or None if they never connected."""
    require_access(session, actor, athlete_id)
    row = session.scalar(select(StravaToken).where(StravaToken.user_id == athlete_id))
    if row is None:
        return None
    return StravaTokens(
        user_id=row.user_id,
        access_token=unseal(row.access_token),
        refresh_token=unseal(row.refresh_token),
        expires_at=int(row.expires_at),
        strava_athlete_id=row.strava_athlete_id,
        scope=row.scope or "",
    )


def delete_tokens_for_strava_athlete(session: Session, strava_athlete_id: int) -> int:
    """Forget the tokens of a Strava athlete who deauthorized Coach G (from Strava's webhook).

    Strava itself is the caller here, so there is no acting user."""
    result = session.execute(
        delete(StravaToken).where(StravaToken.strava_athlete_id == strava_athlete_id)
    )
    return result.rowcount or 0


def delete_token(session: Session, actor: User) -> bool:
    """Forget ``actor``'s own Strava tokens (disconnect)."""
    result = session.execute(delete(StravaToken).where(StravaToken.user_id == actor.id))
    return bool(result.rowcount)


def get_sync_state(session: Session, actor: User, athlete_id: int, source: str) -> dict[str, Any]:
    """Where ``athlete_id``'s last sync from ``source`` stopped (empty if never)."""
    require_access(session, actor, athlete_id)
    row = session.scalar(
        select(SyncState).where(SyncState.user_id == athlete_id, SyncState.source == source)
    )
    return dict(row.state) if row else {}


def set_sync_state(
    session: Session, actor: User, athlete_id: int, source: str, state: dict[str, Any]
) -> None:
    """Record where ``athlete_id``'s sync from ``source`` stands."""
    require_access(session, actor, athlete_id)
    row = session.scalar(
        select(SyncState).where(SyncState.user_id == athlete_id, SyncState.source == source)
    )
    if row is None:
        row = SyncState(user_id=athlete_id, source=source, state={})
        session.add(row)
    row.state = dict(state)
    session.flush()
