"""A plan as plain data: days with sessions, the rules it was held to, and what it says."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

#: The kinds of session a plan holds; ``race`` is the athlete's goal, not a training session.
SESSION_TYPES = ("easy", "long", "tempo", "intervals", "rest", "strength", "race")
RUNS = ("easy", "long", "tempo", "intervals")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Sessions that count as hard days: two of them on following days is a breach of the plan's
#: hard-easy rule.
HARD = ("long", "tempo", "intervals", "race")


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

    @property
    def is_hard(self) -> bool:
        return self.type in HARD

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

    @property
    def end(self) -> date:
        return self.weeks[-1].end if self.weeks else self.start

    def week_of_day(self, day: date) -> Week | None:
        """The plan's week that holds ``day``."""
        return next((w for w in self.weeks if w.start <= day <= w.end), None)

    def session_on(self, day: date) -> Session | None:
        """The day's session (a run first, when a day holds more than one)."""
        found = [s for s in self.sessions if s.day == day]
        found.sort(key=lambda s: (not s.is_run, s.type == "rest"))
        return found[0] if found else None

    def to_json(self) -> dict[str, Any]:
        """:meth:`to_dict` with every date as YYYY-MM-DD (what the database keeps)."""
        return json.loads(json.dumps(self.to_dict(), default=_iso))

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


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def plan_from_data(data: dict[str, Any]) -> Plan:
    """A plan back from its :meth:`Plan.to_dict` or :meth:`Plan.to_json` form."""

    def session(s: dict[str, Any]) -> Session:
        pace = PaceRange(**s["pace"]) if s.get("pace") else None
        hr = tuple(s["hr_bpm"]) if s.get("hr_bpm") else None
        return Session(
            _day(s["day"]), s["type"], s["km"], s["minutes"], pace, hr, s.get("detail", "")
        )

    weeks = [
        Week(
            _day(w["start"]),
            _day(w["end"]),
            w["kind"],
            w["target_km"],
            [session(s) for s in w["sessions"]],
        )
        for w in data["weeks"]
    ]
    return Plan(
        start=_day(data["start"]),
        weeks=weeks,
        notes=list(data.get("notes", [])),
        race_day=_day(data.get("race_day")),
        race_km=data.get("race_km"),
        base_km=data.get("base_km", 0.0),
        base_long_km=data.get("base_long_km", 0.0),
        last_run=_day(data.get("last_run")),
        restart=data.get("restart", False),
    )


def clock(seconds: float) -> str:
    """Seconds per km as m:ss."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
