"""A planned run as a structured workout: the steps a watch walks through (warm up, the work with
its pace or heart-rate target, repeats, cool down), from the session's type, distance and ranges.

    easy, long   one step of the session's distance at its pace (or heart rate)
    tempo        10 min warm-up, the tempo block at tempo pace, cool-down to the lap button
    intervals    15 min warm-up, N x (3 min at interval pace, 2 min jog), cool-down

The tempo block and the repeats are the ones the session's description states
(:func:`tools.plans.build.session_detail`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tools.plans.build import interval_reps, tempo_minutes
from tools.plans.model import Session

WARMUP_TEMPO_S, WARMUP_INTERVALS_S = 600, 900
INTERVAL_S, RECOVERY_S = 180, 120


@dataclass(frozen=True)
class Step:
    """One step: its name, its intensity (``warmup``, ``active``, ``interval``, ``recovery``,
    ``cooldown``), how long (``seconds`` or ``metres``; neither means until the lap button) and
    its target (a speed range in m/s, else a heart-rate range in bpm, else none)."""

    name: str
    intensity: str
    seconds: float | None = None
    metres: float | None = None
    speed_ms: tuple[float, float] | None = None
    hr_bpm: tuple[float, float] | None = None


@dataclass(frozen=True)
class Repeat:
    """Repeat the steps from ``first`` (an index into the workout's steps) ``times`` times."""

    first: int
    times: int


@dataclass
class Workout:
    name: str
    session: Session
    steps: list[Step | Repeat] = field(default_factory=list)


def _targets(session: Session) -> dict[str, tuple[float, float] | None]:
    speed = None
    if session.pace is not None:
        speed = (1000 / session.pace.slow_s_per_km, 1000 / session.pace.fast_s_per_km)
    return {"speed_ms": speed, "hr_bpm": session.hr_bpm if speed is None else None}


def workout_of(session: Session) -> Workout | None:
    """The session as a structured workout (None for rest, strength and the race)."""
    if not session.is_run:
        return None
    name = f"{session.type.capitalize()} {session.km:.1f}k"
    out = Workout(name, session)
    target = _targets(session)
    if session.type in ("easy", "long"):
        out.steps.append(Step(name, "active", metres=session.km * 1000, **target))
    elif session.type == "tempo":
        out.steps += [
            Step("Warm up easy", "warmup", seconds=WARMUP_TEMPO_S),
            Step("Tempo", "active", seconds=tempo_minutes(session.km) * 60, **target),
            Step("Cool down", "cooldown"),
        ]
    else:
        out.steps += [
            Step("Warm up easy", "warmup", seconds=WARMUP_INTERVALS_S),
            Step("Interval", "interval", seconds=INTERVAL_S, **target),
            Step("Jog", "recovery", seconds=RECOVERY_S),
            Repeat(first=1, times=interval_reps(session.km)),
            Step("Cool down", "cooldown"),
        ]
    return out
