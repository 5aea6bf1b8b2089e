"""Weekly check-ins (wellness entries): every read and write is scoped to the acting user.

An athlete reads and writes their own; a coach reads their athletes' finished ones only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.access import AccessDenied, require_access
from storage.models import User, WellnessEntry


def get_entry(session: Session, actor: User, athlete_id: int, week: str) -> WellnessEntry | None:
    """``athlete_id``'s check-in of the week starting ``week`` (a coach sees only done ones)."""
    require_access(session, actor, athlete_id)
    entry = session.scalar(
        select(WellnessEntry).where(WellnessEntry.user_id == athlete_id, WellnessEntry.week == week)
    )
    if entry is not None and actor.id != athlete_id and entry.status != "done":
        return None
    return entry


def save_entry(
    session: Session,
    actor: User,
    athlete_id: int,
    week: str,
    *,
    answers: dict[str, Any],
    status: str = "open",
    summary: dict[str, Any] | None = None,
) -> WellnessEntry:
    """Create or update the athlete's check-in of ``week``. Only the athlete writes their own."""
    require_access(session, actor, athlete_id)
    if actor.id != athlete_id:
        raise AccessDenied("A check-in is the athlete's own; their coach reads finished ones.")
    entry = session.scalar(
        select(WellnessEntry).where(WellnessEntry.user_id == athlete_id, WellnessEntry.week == week)
    )
    if entry is None:
        entry = WellnessEntry(user_id=athlete_id, week=week, answers={}, summary={})
        session.add(entry)
    entry.answers = dict(answers)
    entry.status = status
    if summary is not None:
        entry.summary = dict(summary)
    session.flush()
    return entry


def finished_entries(
    session: Session, actor: User, athlete_id: int, limit: int = 8
) -> list[WellnessEntry]:
    """The athlete's finished check-ins, newest first."""
    require_access(session, actor, athlete_id)
    query = (
        select(WellnessEntry)
        .where(WellnessEntry.user_id == athlete_id, WellnessEntry.status == "done")
        .order_by(WellnessEntry.week.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
