"""Strength training records: the exercise library, each athlete's own exercises, sessions with
their sets, and routines. Every function takes the acting user and asks :mod:`storage.access`
first, so nobody reaches an athlete they may not see; library exercises are everyone's, an
exercise a user added is seen only by its owner and the owner's coaches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from storage.access import require_access
from storage.models import Exercise, Routine, StrengthSession, StrengthSet, User

# -- the exercise library ---------------------------------------------------------------------


def library_size(session: Session) -> int:
    """How many shared library exercises are stored."""
    return int(session.scalar(select(func.count()).where(Exercise.owner_id.is_(None))) or 0)


def seed_library(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Store the shared library's exercises that are not stored yet (by ``source_id``); how
    many were added. Safe to call on every start and from two processes at once."""
    held = set(session.scalars(select(Exercise.source_id).where(Exercise.owner_id.is_(None))))
    new = [{"owner_id": None, **row} for row in rows if row["source_id"] not in held]
    if not new:
        return 0
    try:
        with session.begin_nested():
            session.execute(insert(Exercise), new)
    except IntegrityError:  # another process seeded it meanwhile
        return 0
    return len(new)


def exercises_for(session: Session, actor: User, athlete_id: int) -> list[Exercise]:
    """The library and ``athlete_id``'s own exercises."""
    require_access(session, actor, athlete_id)
    return list(
        session.scalars(
            select(Exercise)
            .where(or_(Exercise.owner_id.is_(None), Exercise.owner_id == athlete_id))
            .order_by(Exercise.name)
        )
    )


def own_exercises(session: Session, actor: User, athlete_id: int) -> list[Exercise]:
    """The exercises ``athlete_id`` added themselves."""
    require_access(session, actor, athlete_id)
    return list(session.scalars(select(Exercise).where(Exercise.owner_id == athlete_id)))


def get_exercise(session: Session, actor: User, athlete_id: int, exercise_id: int) -> Exercise:
    """One exercise ``athlete_id`` may use; raises LookupError for anyone else's."""
    require_access(session, actor, athlete_id)
    exercise = session.get(Exercise, exercise_id)
    if exercise is None or exercise.owner_id not in (None, athlete_id):
        raise LookupError("no such exercise")
    return exercise


def add_exercise(
    session: Session,
    actor: User,
    athlete_id: int,
    name: str,
    *,
    primary_muscles: Sequence[str] = (),
    equipment: str = "",
    category: str = "strength",
    groups: Sequence[str] = (),
) -> Exercise:
    """Add an exercise of ``athlete_id``'s own (private to them and their coaches); the one
    already there when they have one of that name."""
    require_access(session, actor, athlete_id)
    name = " ".join(name.split())[:160]
    held = session.scalar(
        select(Exercise).where(Exercise.owner_id == athlete_id, Exercise.name == name)
    )
    if held is not None:
        return held
    exercise = Exercise(
        owner_id=athlete_id,
        source_id=None,
        name=name,
        category=category,
        equipment=equipment,
        primary_muscles=list(primary_muscles),
        secondary_muscles=[],
        groups=list(groups),
        instructions=[],
    )
    session.add(exercise)
    session.flush()
    return exercise


# -- sessions and sets ------------------------------------------------------------------------


@dataclass
class NewSet:
    exercise_name: str
    exercise_id: int | None = None
    reps: int | None = None
    weight_kg: float | None = None
    seconds: float | None = None
    distance_m: float | None = None
    rpe: float | None = None
    set_type: str = "normal"


@dataclass
class NewSession:
    day: str
    source: str
    source_id: str
    name: str = ""
    started_at: datetime | None = None
    duration_s: float | None = None
    notes: str = ""
    sets: list[NewSet] = field(default_factory=list)


def add_session(
    session: Session, actor: User, athlete_id: int, new: NewSession
) -> tuple[StrengthSession, bool]:
    """Store a session with its sets; ``(session, created)``. A session with the same source
    record is not stored twice (the one held comes back with ``created`` False)."""
    require_access(session, actor, athlete_id)
    held = session.scalar(
        select(StrengthSession).where(
            StrengthSession.user_id == athlete_id,
            StrengthSession.source == new.source,
            StrengthSession.source_id == new.source_id,
        )
    )
    if held is not None:
        return held, False
    row = _session_row(athlete_id, new)
    for position, item in enumerate(new.sets):
        row.sets.append(StrengthSet(**_set_values(item, position)))
    session.add(row)
    session.flush()
    return row, True


def _session_row(athlete_id: int, new: NewSession) -> StrengthSession:
    """A session row (without its sets) for ``new``."""
    return StrengthSession(
        user_id=athlete_id,
        day=new.day,
        started_at=new.started_at,
        name=new.name[:200],
        source=new.source,
        source_id=new.source_id[:200],
        duration_s=new.duration_s,
        notes=new.notes,
    )


def _set_values(item: NewSet, position: int) -> dict[str, Any]:
    """The columns of one set (all but its session)."""
    return {
        "exercise_id": item.exercise_id,
        "exercise_name": item.exercise_name[:200],
        "position": position,
        "set_type": item.set_type,
        "reps": item.reps,
        "weight_kg": item.weight_kg,
        "seconds": item.seconds,
        "distance_m": item.distance_m,
        "rpe": item.rpe,
    }


def add_sessions(
    session: Session, actor: User, athlete_id: int, news: Sequence[NewSession]
) -> tuple[int, int, int]:
    """Store many sessions at once (an app export): ``(sessions added, sessions already held,
    sets added)``. Sessions already held (same source record) are left as they are."""
    require_access(session, actor, athlete_id)
    sources = {new.source for new in news}
    held = {
        (row[0], row[1])
        for row in session.execute(
            select(StrengthSession.source, StrengthSession.source_id).where(
                StrengthSession.user_id == athlete_id, StrengthSession.source.in_(sources)
            )
        )
    }
    fresh = [new for new in news if (new.source, new.source_id[:200]) not in held]
    rows = [_session_row(athlete_id, new) for new in fresh]
    session.add_all(rows)
    session.flush()
    values = [
        {"session_id": row.id, **_set_values(item, position)}
        for row, new in zip(rows, fresh, strict=True)
        for position, item in enumerate(new.sets)
    ]
    if values:
        session.execute(insert(StrengthSet), values)
    return len(fresh), len(news) - len(fresh), len(values)


def held_sources(session: Session, actor: User, athlete_id: int, source: str) -> set[str]:
    """The source records of ``athlete_id``'s sessions from ``source`` (an app)."""
    require_access(session, actor, athlete_id)
    return set(
        session.scalars(
            select(StrengthSession.source_id).where(
                StrengthSession.user_id == athlete_id, StrengthSession.source == source
            )
        )
    )


def set_table(
    session: Session,
    actor: User,
    athlete_id: int,
    start: str | None = None,
    end: str | None = None,
) -> list[Any]:
    """``athlete_id``'s sets from ``start`` to ``end`` (ISO days, included) as plain rows with
    their session's id, day, name, source and duration, in session and set order."""
    require_access(session, actor, athlete_id)
    query = (
        select(
            StrengthSession.id.label("session_id"),
            StrengthSession.day,
            StrengthSession.name,
            StrengthSession.source,
            StrengthSession.duration_s,
            StrengthSet.id.label("set_id"),
            StrengthSet.exercise_id,
            StrengthSet.exercise_name,
            StrengthSet.position,
            StrengthSet.set_type,
            StrengthSet.reps,
            StrengthSet.weight_kg,
            StrengthSet.seconds,
            StrengthSet.rpe,
        )
        .join(StrengthSet, StrengthSet.session_id == StrengthSession.id)
        .where(StrengthSession.user_id == athlete_id)
        .order_by(StrengthSession.day, StrengthSession.id, StrengthSet.position)
    )
    if start:
        query = query.where(StrengthSession.day >= start)
    if end:
        query = query.where(StrengthSession.day <= end)
    return list(session.execute(query))


def add_sets(
    session: Session, actor: User, athlete_id: int, session_id: int, sets: Sequence[NewSet]
) -> list[StrengthSet]:
    """Add sets to one of ``athlete_id``'s sessions (after the ones it holds)."""
    require_access(session, actor, athlete_id)
    held = session.get(StrengthSession, session_id)
    if held is None or held.user_id != athlete_id:
        raise LookupError("no such session")
    start = max((s.position for s in held.sets), default=-1) + 1
    added = []
    for offset, item in enumerate(sets):
        row = StrengthSet(
            exercise_id=item.exercise_id,
            exercise_name=item.exercise_name[:200],
            position=start + offset,
            set_type=item.set_type,
            reps=item.reps,
            weight_kg=item.weight_kg,
            seconds=item.seconds,
            distance_m=item.distance_m,
            rpe=item.rpe,
        )
        held.sets.append(row)
        added.append(row)
    session.flush()
    return added


def sessions_between(
    session: Session,
    actor: User,
    athlete_id: int,
    start: str | None = None,
    end: str | None = None,
) -> list[StrengthSession]:
    """``athlete_id``'s sessions from ``start`` to ``end`` (ISO days, both included; either
    open), oldest first, with their sets loaded."""
    require_access(session, actor, athlete_id)
    query = (
        select(StrengthSession)
        .where(StrengthSession.user_id == athlete_id)
        .options(selectinload(StrengthSession.sets))
        .order_by(StrengthSession.day, StrengthSession.started_at, StrengthSession.id)
    )
    if start:
        query = query.where(StrengthSession.day >= start)
    if end:
        query = query.where(StrengthSession.day <= end)
    return list(session.scalars(query))


def get_set(session: Session, actor: User, athlete_id: int, set_id: int) -> StrengthSet:
    """One of ``athlete_id``'s sets; raises LookupError for any other."""
    require_access(session, actor, athlete_id)
    row = session.get(StrengthSet, set_id)
    if row is None or row.session.user_id != athlete_id:
        raise LookupError("no such set")
    return row


def delete_sets(session: Session, actor: User, athlete_id: int, set_ids: Sequence[int]) -> int:
    """Delete these sets of ``athlete_id``'s (a session left empty goes too); how many."""
    rows = [get_set(session, actor, athlete_id, set_id) for set_id in set_ids]
    sessions = {row.session for row in rows}
    for row in rows:
        row.session.sets.remove(row)
    session.flush()
    for held in sessions:
        if not held.sets:
            session.delete(held)
    session.flush()
    return len(rows)


def update_set(
    session: Session, actor: User, athlete_id: int, set_id: int, **values: Any
) -> StrengthSet:
    """Change a set's ``reps``, ``weight_kg``, ``seconds`` or ``rpe``."""
    row = get_set(session, actor, athlete_id, set_id)
    for name, value in values.items():
        if name not in ("reps", "weight_kg", "seconds", "rpe"):
            raise ValueError(f"a set has no {name}")
        setattr(row, name, value)
    session.flush()
    return row


# -- routines ---------------------------------------------------------------------------------


def save_routine(
    session: Session,
    actor: User,
    athlete_id: int,
    name: str,
    items: list[dict[str, Any]],
    *,
    description: str = "",
    per_week: int | None = None,
    minutes: int | None = None,
) -> Routine:
    """Store a routine (replacing ``athlete_id``'s routine of the same name)."""
    require_access(session, actor, athlete_id)
    routine = session.scalar(
        select(Routine).where(Routine.user_id == athlete_id, Routine.name == name)
    )
    if routine is None:
        routine = Routine(user_id=athlete_id, name=name)
        session.add(routine)
    routine.items = list(items)
    routine.description = description
    routine.per_week = per_week
    routine.minutes = minutes
    session.flush()
    return routine


def routines_of(session: Session, actor: User, athlete_id: int) -> list[Routine]:
    """``athlete_id``'s routines, newest first."""
    require_access(session, actor, athlete_id)
    return list(
        session.scalars(
            select(Routine)
            .where(Routine.user_id == athlete_id)
            .order_by(Routine.created_at.desc(), Routine.id.desc())
        )
    )
