"""Reading and writing an athlete's strength sessions through :mod:`storage.strength`, and the
one function other parts of Coach G (the weekly check-in, training load) call to see them:
:func:`strength_sessions_between`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import fmean

from storage.models import Exercise
from storage.strength import exercises_for, sessions_between
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
    ensure_library(ctx)
    with ctx.session() as session:
        return {e.id: e for e in exercises_for(session, ctx.actor, ctx.athlete_id)}


def set_rows(
    ctx: ToolContext, start: date | None = None, end: date | None = None
) -> tuple[list[SetRow], list[SessionSummary]]:
    """The context's athlete's sets from ``start`` to ``end`` (days included) as flat rows,
    and their sessions summed up."""
    exercises = _exercise_index(ctx)
    rows: list[SetRow] = []
    summaries: list[SessionSummary] = []
    with ctx.session() as session:
        held = sessions_between(
            session,
            ctx.actor,
            ctx.athlete_id,
            start.isoformat() if start else None,
            end.isoformat() if end else None,
        )
        for item in held:
            day = date.fromisoformat(item.day)
            session_rows = []
            for s in item.sets:
                exercise = exercises.get(s.exercise_id) if s.exercise_id else None
                session_rows.append(
                    SetRow(
                        set_id=s.id,
                        session_id=item.id,
                        day=day,
                        exercise=exercise.name if exercise else s.exercise_name,
                        mapped=exercise is not None,
                        muscles=tuple(exercise.primary_muscles) if exercise else (),
                        groups=tuple(exercise.groups) if exercise else (),
                        set_type=s.set_type,
                        reps=s.reps,
                        weight_kg=s.weight_kg,
                        seconds=s.seconds,
                        rpe=s.rpe,
                        position=s.position,
                    )
                )
            rows += session_rows
            rpes = [r.rpe for r in session_rows if r.rpe is not None]
            summaries.append(
                SessionSummary(
                    session_id=item.id,
                    day=day,
                    name=item.name,
                    source=item.source,
                    exercises=tuple(dict.fromkeys(r.exercise for r in session_rows)),
                    sets=len(session_rows),
                    working_sets=sum(r.working for r in session_rows),
                    volume_kg=round(sum(r.volume for r in session_rows), 1),
                    duration_min=round(item.duration_s / 60, 1) if item.duration_s else None,
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
