"""Planned against done: each planned session of a week beside what was done, matched by day and
type, and the week's compliance so far.

A planned run is done by a run on its day (or, when that day has none, by an unmatched run the
day before or after: moved); planned strength by a strength session on its day; a rest day is
kept when nothing was done. Each day's session comes from the newest stored plan version that
holds that day, so a plan made mid-week keeps the days of the one before it. Days after
``today`` are still to come and not counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from storage.plans import plan_versions
from tools.context import ToolContext
from tools.plans.model import Plan, Session, plan_from_data
from tools.strength.sessions import strength_sessions_between
from tools.trends.history import history

DONE, MOVED, MISSED, KEPT, EXTRA, TO_COME = "done", "moved", "missed", "kept", "extra", "to come"
#: A rest day that took a planned run moved to it.
TOOK = "took the moved run"
#: A run this much shorter or longer than planned is said to be.
OFF_BY = 0.2
#: Stored versions read to find the plan of each day.
VERSIONS = 12


@dataclass
class Match:
    """One planned session (or an unplanned run: ``extra``) and what was done."""

    day: date
    planned: str  # easy, long, tempo, intervals, strength, rest, race; "" for an extra run
    planned_km: float
    status: str
    done_km: float = 0.0
    done_day: date | None = None

    def words(self) -> str:
        what = (
            f"{self.planned} run {self.planned_km:.1f} km"
            if self.planned_km
            else (self.planned or "unplanned")
        )
        if self.status == DONE:
            did = f"done, {self.done_km:.1f} km{self._size()}" if self.done_km else "done"
        elif self.status == MOVED and self.done_day is not None:
            did = f"done on {self.done_day:%a}, {self.done_km:.1f} km{self._size()}"
        elif self.status == EXTRA:
            what, did = "no session planned", f"ran {self.done_km:.1f} km"
        elif self.status == KEPT:
            did = "rest kept"
        elif self.status == TOOK:
            did = f"ran {self.done_km:.1f} km, the moved run"
        else:
            did = self.status
        return f"{self.day:%a %d %b}: {what} — {did}"

    def _size(self) -> str:
        """ " (shorter than planned)" or " (longer than planned)" past :data:`OFF_BY`."""
        if not self.planned_km or not self.done_km:
            return ""
        if self.done_km < (1 - OFF_BY) * self.planned_km:
            return " (shorter than planned)"
        if self.done_km > (1 + OFF_BY) * self.planned_km:
            return " (longer than planned)"
        return ""


@dataclass
class WeekAgainstPlan:
    """A week's planned sessions beside what was done, and the compliance to ``today``."""

    start: date
    today: date
    matches: list[Match] = field(default_factory=list)

    def _due(self) -> list[Match]:
        return [m for m in self.matches if m.planned not in ("", "rest") and m.status != TO_COME]

    @property
    def sessions_due(self) -> int:
        return len(self._due())

    @property
    def sessions_done(self) -> int:
        return sum(1 for m in self._due() if m.status in (DONE, MOVED))

    @property
    def km_due(self) -> float:
        return round(sum(m.planned_km for m in self._due()), 1)

    @property
    def km_done(self) -> float:
        return round(sum(m.done_km for m in self._due() if m.status in (DONE, MOVED)), 1)

    @property
    def compliance_pct(self) -> float | None:
        """Planned sessions done so far, in %; None before any is due."""
        due = self.sessions_due
        return round(100 * self.sessions_done / due) if due else None

    def facts(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {
            "plan_sessions_due": self.sessions_due,
            "plan_sessions_done": self.sessions_done,
            "plan_km_due": self.km_due,
            "plan_km_done": self.km_done,
        }
        if self.compliance_pct is not None:
            out["plan_compliance_pct"] = self.compliance_pct
        return out

    def lines(self) -> list[str]:
        """The week as lines: a heading with the compliance, then a line a session."""
        pct = self.compliance_pct
        head = (
            f"Plan against done, week from {self.start}: {self.sessions_done} of "
            f"{self.sessions_due} planned sessions so far ({pct} %), {self.km_done:.1f} of "
            f"{self.km_due:.1f} planned km"
            if pct is not None
            else f"Plan against done, week from {self.start}: no planned session due yet"
        )
        shown = [m for m in self.matches if not (m.planned == "rest" and m.status == TO_COME)]
        return [head, *(m.words() for m in shown)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "lines": self.lines(),
            "facts": self.facts(),
            "matches": [asdict(m) | {"day": m.day.isoformat()} for m in self.matches],
        }


def planned_days(ctx: ToolContext, first: date, last: date) -> dict[date, list[Session]]:
    """Each day's planned sessions from the newest stored version that holds the day."""
    with ctx.session() as session:
        rows = [
            (row.start, row.end, row.plan)
            for row in plan_versions(session, ctx.actor, ctx.athlete_id, limit=VERSIONS)
        ]
    out: dict[date, list[Session]] = {}
    plans: list[Plan] = []
    for start, end, data in rows:  # newest first
        if end < first.isoformat() or start > last.isoformat():
            continue
        plans.append(plan_from_data(data))
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        plan = next((p for p in plans if p.start <= day <= p.end), None)
        if plan is not None:
            out[day] = [s for s in plan.sessions if s.day == day]
    return out


def week_against_plan(ctx: ToolContext, week: date, today: date) -> WeekAgainstPlan | None:
    """The week starting ``week`` (a Monday) against its plan, to ``today``; None when no stored
    plan holds any of its days."""
    import pandas as pd

    last = week + timedelta(days=6)
    planned = planned_days(ctx, week, last)
    if not planned:
        return None
    frame = history(ctx)
    frame = frame[
        (frame["sport"] == "run")
        & (frame["date"] >= pd.Timestamp(week - timedelta(days=1)))
        & (frame["date"] < pd.Timestamp(last + timedelta(days=2)))
    ]
    runs: dict[date, float] = {}
    for ts, km in zip(frame["date"], frame["distance_km"].fillna(0.0), strict=True):
        runs[ts.date()] = runs.get(ts.date(), 0.0) + float(km)
    lifted = {s.day for s in strength_sessions_between(ctx, week, last)}
    out = WeekAgainstPlan(week, today)
    used: set[date] = set()
    pending: list[Match] = []
    for day in sorted(planned):
        for s in planned[day]:
            m = Match(day, s.type, s.km if s.is_run or s.type == "race" else 0.0, MISSED)
            if day > today:
                m.status = TO_COME
            elif s.type == "rest":
                m.status = EXTRA if day in runs else KEPT
                if day in runs:
                    m.done_km = round(runs[day], 1)
            elif s.type == "strength":
                m.status = DONE if day in lifted else MISSED
            elif day in runs:
                m.status, m.done_km, m.done_day = DONE, round(runs[day], 1), day
                used.add(day)
            else:
                pending.append(m)
            out.matches.append(m)
    for m in pending:  # a run the day before or after, on a plan day with no run planned
        for near in (m.day - timedelta(days=1), m.day + timedelta(days=1)):
            free = near in runs and near not in used and near <= today and near in planned
            rest_day = all(s.type in ("rest", "strength") for s in planned.get(near, []))
            if free and rest_day:
                m.status, m.done_km, m.done_day = MOVED, round(runs[near], 1), near
                used.add(near)
                break
    for m in out.matches:  # a run on a rest day that counted as a moved session is no extra
        if m.status == EXTRA and m.day in used:
            m.status = TOOK
    return out


def this_week_against_plan(ctx: ToolContext, day: date) -> WeekAgainstPlan | None:
    """The week (Monday to Sunday) that holds ``day``, against its plan, to ``day``."""
    return week_against_plan(ctx, day - timedelta(days=day.weekday()), day)
