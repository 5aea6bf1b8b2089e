"""The athlete's current plan in the database: stored when it is made or changed, read back as a
:class:`~tools.plans.model.Plan` with who made it and what the last change was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.plans import author_name, current_plan, save_plan
from tools.context import ToolContext
from tools.plans.model import Plan, plan_from_data

MADE = "made in chat"


@dataclass
class StoredPlan:
    """A stored version of a plan: the plan, its row id, what made it and who."""

    id: int
    plan: Plan
    change: str
    author: str
    by_coach: bool
    created_at: datetime

    def covers(self, day: date) -> bool:
        return self.plan.start <= day <= self.plan.end


def store_plan(ctx: ToolContext, plan: Plan, change: str = MADE) -> int:
    """Keep ``plan`` as the athlete's current plan; its row id."""
    with ctx.session() as session:
        row = save_plan(
            session,
            ctx.actor,
            ctx.athlete_id,
            plan.to_json(),
            start=plan.start.isoformat(),
            end=plan.end.isoformat(),
            change=change,
        )
        return row.id


def stored_plan(ctx: ToolContext) -> StoredPlan | None:
    """The athlete's current (newest) plan, or None."""
    with ctx.session() as session:
        row = current_plan(session, ctx.actor, ctx.athlete_id)
        if row is None:
            return None
        return StoredPlan(
            id=row.id,
            plan=plan_from_data(row.plan),
            change=row.change,
            author=author_name(session, row),
            by_coach=row.author_id is not None and row.author_id != row.user_id,
            created_at=row.created_at,
        )
