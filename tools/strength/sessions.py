"""Reading and writing an athlete's strength sessions through :mod:`storage.strength`, and the
one function other parts of Coach G (the weekly check-in, training load) call to see them:
:func:`strength_sessions_between`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import fmean
from typing import Any

from storage.models import Exercise
from storage.strength import exercises_for, own_exercises, set_table
from tools.context import ToolContext
from tools.strength.library import ensure_library
from tools.strength.stats import SetRow


@dataclass(frozen=True)
class SessionSummary:
    """One strength session, in numbers: what the check-in and training load need."""

    session_id: int
    day: date
    name: str
    source: str
    exercises: tuple[str, ...]
    sets: int
    working_sets: int
    volume_kg: float
    duration_min: float | None
    mean_rpe: float | None
    set_ids: tuple[int, ...] = field(default=(), repr=False)


def _exercise_index(ctx: ToolContext) -> dict[int, Exercise]:
    """The exercises the athlete may use, by id (the library's read once per database)."""
    ensure_library(ctx)
    library = _LIBRARY_INDEX.get(ctx.db.url)
    with ctx.session() as session:
        if library is None:
            library = _LIBRARY_INDEX[ctx.db.url] = {
                e.id: e
                for e in exercises_for(session, ctx.actor, ctx.athlete_id)
                if e.owner_id is None
            }
        own = {e.id: e for e in own_exercises(session, ctx.actor, ctx.athlete_id)}
    return library | own


#: The shared library by id, per database.
_LIBRARY_INDEX: dict[str, dict[int, Exercise]] = {}


def set_rows(
    ctx: ToolContext, start: date | None = None, end: date | None = None
) -> tuple[list[SetRow], list[SessionSummary]]:
    """The context's athlete's sets from ``start`` to ``end`` (days included) as flat rows,
    and their sessions summed up."""
    with ctx.session() as session:
        table = set_table(
            session,
            ctx.actor,
            ctx.athlete_id,
            start.isoformat() if start else None,
            end.isoformat() if end else None,
        )
    if not table:  # nothing logged: the library is not loaded just to say so
        return [], []
    exercises = _exercise_index(ctx)
    rows: list[SetRow] = []
    by_session: dict[int, list[SetRow]] = {}
    heads: dict[int, Any] = {}
    for t in table:
        exercise = exercises.get(t.exercise_id) if t.exercise_id else None
        row = SetRow(
            set_id=t.set_id,
            session_id=t.session_id,
            day=date.fromisoformat(t.day),
            exercise=exercise.name if exercise else t.exercise_name,
            mapped=exercise is not None,
            muscles=tuple(exercise.primary_muscles) if exercise else (),
            groups=tuple(exercise.groups) if exercise else (),
            set_type=t.set_type,
            reps=t.reps,
            weight_kg=t.weight_kg,
            seconds=t.seconds,
            rpe=t.rpe,
            position=t.position,
        )
        rows.append(row)
        by_session.setdefault(t.session_id, []).append(row)
        heads.setdefault(t.session_id, t)
    summaries = []
    for session_id, session_rows in by_session.items():
        head = heads[session_id]
        rpes = [r.rpe for r in session_rows if r.rpe is not None]
        summaries.append(
            SessionSummary(
                session_id=session_id,
                day=session_rows[0].day,
                name=head.name,
                source=head.source,
                exercises=tuple(dict.fromkeys(r.exercise for r in session_rows)),
                sets=len(session_rows),
                working_sets=sum(r.working for r in session_rows),
                volume_kg=round(sum(r.volume for r in session_rows), 1),
                duration_min=round(head.duration_s / 60, 1) if head.duration_s else None,
                mean_rpe=round(fmean(rpes), 1) if rpes else None,
                set_ids=tuple(r.set_id for r in session_rows),
            )
        )
    return rows, summaries


def strength_sessions_between(ctx: ToolContext, start: date, end: date) -> list[SessionSummary]:
    """The strength sessions of the context's athlete from ``start`` to ``end`` (both days
    included), oldest first: day, name, exercises, sets (working sets leave warm-ups out),
    volume in kg, duration and mean RPE where known. Access is checked as for every tool: a
    coach sees their linked athletes', nobody else's."""
    return set_rows(ctx, start, end)[1]


def sets_text(
    reps: list[int | None], weights: list[float | None], seconds: list[float | None]
) -> str:
    """Sets in words: "3 × 8 at 60 kg", "8, 6, 4 reps at 60, 70, 80 kg", "3 × 45 s"."""
    count = len(reps)
    if all(s for s in seconds) and not any(reps):
        if len(set(seconds)) == 1:
            return f"{count} × {seconds[0]:g} s" + _weight_words(weights)
        return ", ".join(f"{s:g}" for s in seconds if s) + " s" + _weight_words(weights)
    if len(set(reps)) == 1:
        head = f"{count} × {reps[0]}" if count > 1 else f"{reps[0]} reps"
    else:
        head = ", ".join(str(r) for r in reps) + " reps"
    return head + _weight_words(weights)


def _weight_words(weights: list[float | None]) -> str:
    if not any(w is not None for w in weights):
        return " (bodyweight)"
    if len(set(weights)) == 1:
        return f" at {weights[0]:g} kg"
    return " at " + ", ".join("bodyweight" if w is None else f"{w:g}" for w in weights) + " kg"
