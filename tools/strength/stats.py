"""The numbers of strength history, from plain set rows: volume, the estimated one-rep max
(Epley), personal records and sessions per week. One definition of each, used by the chat tool,
the Strength tab and the command line.

- A *working set* is every set that is not a warm-up.
- *Sessions per week* is sessions divided by the weeks of the period (at least one week); the
  period is the one asked for, else first to last session.
- *Volume* is the sum of weight × reps over working sets with a weight (kg).
- The *heaviest set* of an exercise is its heaviest working set with a weight; of sets at that
  weight, the one with the most reps (the first such day when it was repeated).
- *Recent sessions per week* (:func:`recent_rate`) are the sessions of the last
  :data:`RECENT_WEEKS` weeks of the log (ending at its latest session) divided by those weeks, or
  by the weeks logged when the log is shorter (at least one).
- The *estimated 1RM* of a set is Epley's weight × (1 + reps / 30) (Epley 1985), for working
  sets of 1 to :data:`E1RM_MAX_REPS` reps with a weight; a single is its own weight. It is an
  estimate: the formula drifts the more reps a set has.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

#: Sets with more reps than this give no estimated 1RM (the formula is poor beyond it).
E1RM_MAX_REPS = 12
EPLEY = "Epley: weight × (1 + reps / 30)"
#: The weeks "how often do I lift" is counted over, back from the latest session.
RECENT_WEEKS = 8


@dataclass(frozen=True)
class SetRow:
    """One stored set, flattened with its session and exercise."""

    set_id: int
    session_id: int
    day: date
    exercise: str  # the library (or own) name, else the name as written
    mapped: bool
    muscles: tuple[str, ...]
    groups: tuple[str, ...]
    set_type: str
    reps: int | None
    weight_kg: float | None
    seconds: float | None
    rpe: float | None
    position: int = 0

    @property
    def working(self) -> bool:
        return self.set_type != "warmup"

    @property
    def volume(self) -> float:
        if not self.working or not self.weight_kg or not self.reps:
            return 0.0
        return self.weight_kg * self.reps


def epley(weight_kg: float, reps: int) -> float:
    """Epley's estimated one-rep max of ``reps`` at ``weight_kg`` (a single is itself)."""
    return weight_kg if reps == 1 else weight_kg * (1 + reps / 30)


def e1rm(row: SetRow) -> float | None:
    """The set's estimated one-rep max, or None when it gives none."""
    if not row.working or not row.weight_kg or not row.reps or row.reps > E1RM_MAX_REPS:
        return None
    return epley(row.weight_kg, row.reps)


@dataclass
class ExerciseStats:
    name: str
    mapped: bool
    sessions: int = 0
    sets: int = 0
    reps: int = 0
    volume_kg: float = 0.0
    best_e1rm: float | None = None
    best_e1rm_day: date | None = None
    best_e1rm_set: tuple[float, int] | None = None
    heaviest_kg: float | None = None
    heaviest_day: date | None = None  # the first day at the heaviest weight
    #: Reps of the heaviest set (the most done at the heaviest weight) and its day.
    heaviest_reps: int | None = None
    heaviest_reps_day: date | None = None
    last_day: date | None = None
    #: (day, best e1RM that day) in day order.
    e1rm_by_day: list[tuple[date, float]] = field(default_factory=list)
    #: Days a new best e1RM was set (the first day counts as the first record).
    record_days: list[date] = field(default_factory=list)


@dataclass
class History:
    """Everything the history shows, over a period."""

    start: date | None
    end: date | None
    sessions: int
    sets: int
    working_sets: int
    volume_kg: float
    exercises: dict[str, ExerciseStats]
    muscles: dict[str, dict[str, float]]  # muscle -> {"sets": n, "volume_kg": v}
    groups: dict[str, dict[str, float]]
    weeks: list[dict[str, Any]]  # {"week": monday, "sessions", "sets", "volume_kg"}
    per_week: float
    unmapped: list[str]


def history_of(rows: list[SetRow], start: date | None = None, end: date | None = None) -> History:
    """The history of ``rows`` (the sets of the period, any order)."""
    rows = sorted(rows, key=lambda r: (r.day, r.session_id, r.position, r.set_id))
    sessions = {r.session_id for r in rows}
    working = [r for r in rows if r.working]
    by_exercise: dict[str, ExerciseStats] = {}
    exercise_sessions: dict[str, set[int]] = defaultdict(set)
    for row in working:
        stats = by_exercise.setdefault(row.exercise, ExerciseStats(row.exercise, row.mapped))
        stats.sets += 1
        stats.reps += row.reps or 0
        stats.volume_kg += row.volume
        stats.last_day = row.day
        exercise_sessions[row.exercise].add(row.session_id)
        if row.weight_kg and row.reps:
            if stats.heaviest_kg is None or row.weight_kg > stats.heaviest_kg:
                stats.heaviest_kg, stats.heaviest_day = row.weight_kg, row.day
                stats.heaviest_reps, stats.heaviest_reps_day = row.reps, row.day
            elif row.weight_kg == stats.heaviest_kg and row.reps > (stats.heaviest_reps or 0):
                stats.heaviest_reps, stats.heaviest_reps_day = row.reps, row.day
        estimate = e1rm(row)
        if estimate is None:
            continue
        if stats.e1rm_by_day and stats.e1rm_by_day[-1][0] == row.day:
            if estimate > stats.e1rm_by_day[-1][1]:
                stats.e1rm_by_day[-1] = (row.day, estimate)
        else:
            stats.e1rm_by_day.append((row.day, estimate))
        if stats.best_e1rm is None or estimate > stats.best_e1rm:
            if not stats.record_days or stats.record_days[-1] != row.day:
                stats.record_days.append(row.day)
            stats.best_e1rm, stats.best_e1rm_day = estimate, row.day
            stats.best_e1rm_set = (row.weight_kg or 0.0, row.reps or 0)
    for name, ids in exercise_sessions.items():
        by_exercise[name].sessions = len(ids)
    muscles: dict[str, dict[str, float]] = defaultdict(lambda: {"sets": 0, "volume_kg": 0.0})
    groups: dict[str, dict[str, float]] = defaultdict(lambda: {"sets": 0, "volume_kg": 0.0})
    for row in working:
        for muscle in row.muscles:
            muscles[muscle]["sets"] += 1
            muscles[muscle]["volume_kg"] += row.volume
        for group in row.groups:
            groups[group]["sets"] += 1
            groups[group]["volume_kg"] += row.volume
    weeks: dict[date, dict[str, Any]] = {}
    week_sessions: dict[date, set[int]] = defaultdict(set)
    for row in rows:
        monday = row.day - timedelta(days=row.day.weekday())
        week = weeks.setdefault(
            monday, {"week": monday.isoformat(), "sessions": 0, "sets": 0, "volume_kg": 0.0}
        )
        week_sessions[monday].add(row.session_id)
        if row.working:
            week["sets"] += 1
            week["volume_kg"] += row.volume
    for monday, ids in week_sessions.items():
        weeks[monday]["sessions"] = len(ids)
    first = start or (rows[0].day if rows else None)
    last = end or (rows[-1].day if rows else None)
    span_days = (last - first).days + 1 if first and last else 0
    # Over at least a week, so two sessions on two days are not "7 a week".
    per_week = len(sessions) / max(span_days / 7, 1.0) if span_days else 0.0
    return History(
        start=first,
        end=last,
        sessions=len(sessions),
        sets=len(rows),
        working_sets=len(working),
        volume_kg=sum(r.volume for r in working),
        exercises=by_exercise,
        muscles=dict(muscles),
        groups=dict(groups),
        weeks=[weeks[k] for k in sorted(weeks)],
        per_week=per_week,
        unmapped=sorted({r.exercise for r in rows if not r.mapped}),
    )


def top_set(rows: Iterable[SetRow]) -> SetRow | None:
    """The top working set of ``rows`` (one exercise): the heaviest, then the most reps, then
    the longest hold; the first of equals."""
    best: SetRow | None = None
    for row in rows:
        if not row.working:
            continue
        if best is None or _set_key(row) > _set_key(best):
            best = row
    return best


def _set_key(row: SetRow) -> tuple[float, int, float]:
    return (row.weight_kg or 0.0, row.reps or 0, row.seconds or 0.0)


@dataclass(frozen=True)
class Rate:
    """Sessions per week over the last weeks of a log."""

    sessions: int
    weeks: float  # the weeks counted: RECENT_WEEKS, or fewer when the log is shorter
    start: date
    end: date

    @property
    def per_week(self) -> float:
        return self.sessions / self.weeks if self.weeks else 0.0


def recent_rate(session_days: Iterable[date], weeks: int = RECENT_WEEKS) -> Rate | None:
    """Sessions per week over the last ``weeks`` weeks of the log (the days of its sessions,
    one per session), ending at its latest session; None for an empty log."""
    days = sorted(session_days)
    if not days:
        return None
    end = days[-1]
    start = max(end - timedelta(days=7 * weeks - 1), days[0])
    counted = sum(start <= d <= end for d in days)
    span = ((end - start).days + 1) / 7
    return Rate(sessions=counted, weeks=max(min(span, float(weeks)), 1.0), start=start, end=end)
