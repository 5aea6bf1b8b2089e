"""A plan as plain data: days with sessions, the rules it was held to, and what it says."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

#: The kinds of session a plan holds; ``race`` is the athlete's goal, not a training session.
SESSION_TYPES = ("easy", "long", "tempo", "intervals", "rest", "strength", "race")
RUNS = ("easy", "long", "tempo", "intervals")


@dataclass(frozen=True)
class PaceRange:
    """A pace range in seconds per km (``fast`` is the lower number), and how it was found."""

    fast_s_per_km: float
    slow_s_per_km: float
    estimated: bool = True

    def words(self) -> str:
        return f"{clock(self.fast_s_per_km)}-{clock(self.slow_s_per_km)} /km"


@dataclass
class Session:
    """One day's session: a run of ``km`` (with its duration at the middle of its pace range),
    strength or rest. ``detail`` says what to do in words ("6 x 3 min at interval pace")."""

    day: date
    type: str
    km: float = 0.0
    minutes: float = 0.0
    pace: PaceRange | None = None
    hr_bpm: tuple[float, float] | None = None
    detail: str = ""

    @property
    def is_run(self) -> bool:
        return self.type in RUNS

    def title(self) -> str:
        if self.type == "rest":
            return "Rest"
        if self.type == "strength":
            return f"Strength, {self.minutes:.0f} min"
        if self.type == "race":
            return f"Race, {self.km:.1f} km"
        return f"{self.type.capitalize()} run, {self.km:.1f} km (~{self.minutes:.0f} min)"

    def description(self) -> str:
        parts = [self.detail] if self.detail else []
        if self.pace is not None:
            est = " (estimated from your runs)" if self.pace.estimated else ""
            parts.append(f"Pace {self.pace.words()}{est}.")
        if self.hr_bpm is not None:
            parts.append(f"Heart rate {self.hr_bpm[0]:.0f}-{self.hr_bpm[1]:.0f} bpm (estimated).")
        return " ".join(parts)


@dataclass
class Week:
    """Seven days (fewer for a first partial week before a race), their target and its kind:
    ``build``, ``lighter``, ``taper`` or ``race``."""

    start: date
    end: date
    kind: str
    target_km: float
    sessions: list[Session] = field(default_factory=list)

    @property
    def km(self) -> float:
        """Planned running km, the race itself left out."""
        return round(sum(s.km for s in self.sessions if s.is_run), 1)


@dataclass
class Plan:
    """The plan: its weeks, the state it starts from, and its notes (each rule with its source,
    each estimate said)."""

    start: date
    weeks: list[Week]
    notes: list[str] = field(default_factory=list)
    race_day: date | None = None
    race_km: float | None = None
    #: The weekly km and the long run it starts from (reduced after a long break).
    base_km: float = 0.0
    base_long_km: float = 0.0
    last_run: date | None = None
    #: No run in the weeks before: the plan starts from a reduced base, not the recent weeks.
    restart: bool = False

    @property
    def sessions(self) -> list[Session]:
        return [s for w in self.weeks for s in w.sessions]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["sessions"] = [
            {
                "day": s.day.isoformat(),
                "type": s.type,
                "km": s.km,
                "minutes": s.minutes,
                "title": s.title(),
                "description": s.description(),
            }
            for s in self.sessions
        ]
        return out


def clock(seconds: float) -> str:
    """Seconds per km as m:ss."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
