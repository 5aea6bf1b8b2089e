"""Stored training plans: every read and write is scoped to the acting user.

A plan belongs to its athlete. The athlete and their coaches may read it and write a new
version (a coach plans for their athlete, who then sees it); nobody else learns it exists. Each
change is a new row, so the newest row is the current plan and the versions before it stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.access import require_access
from storage.models import TrainingPlan, User

#: The longest change note kept.
MAX_CHANGE = 200


def save_plan(
    session: Session,
    actor: User,
    athlete_id: int,
    plan: dict[str, Any],
    *,
    start: str,
    end: str,
    change: str = "",
) -> TrainingPlan:
    """Store ``plan`` (a plan's JSON-ready dict) as ``athlete_id``'s current plan."""
    require_access(session, actor, athlete_id)
    row = TrainingPlan(
        user_id=athlete_id,
        author_id=actor.id,
        start=start,
        end=end,
        change=change[:MAX_CHANGE],
        plan=plan,
    )
    session.add(row)
    session.flush()
    return row


def current_plan(session: Session, actor: User, athlete_id: int) -> TrainingPlan | None:
    """``athlete_id``'s newest stored plan, or None."""
    newest = plan_versions(session, actor, athlete_id, limit=1)
    return newest[0] if newest else None


def plan_versions(
    session: Session, actor: User, athlete_id: int, limit: int = 20
) -> list[TrainingPlan]:
    """``athlete_id``'s stored plans, newest first."""
    require_access(session, actor, athlete_id)
    query = (
        select(TrainingPlan)
        .where(TrainingPlan.user_id == athlete_id)
        .order_by(TrainingPlan.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def author_name(session: Session, row: TrainingPlan) -> str:
    """Who made this version: their display name or login name ("" when they are gone)."""
    if row.author_id is None:
        return ""
    author = session.get(User, row.author_id)
    return (author.display_name or author.name) if author is not None else ""
