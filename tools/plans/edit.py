"""Changes to a plan in the athlete's words, read and applied as plain data, and the plan's rules
checked again after: "move Thursday's run to Friday", "make Sunday shorter", "I'm ill, clear
this week", "swap tuesday and wednesday", "make my long run 14 km", "skip tomorrow".

A weekday means its next day in the plan from today (``next friday``: the one of next week); a
day a session moves to is the one with that weekday nearest the session (Sunday's run moved to
Saturday goes to the day before). Days already past are not changed.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from tools.plans import rules
from tools.plans.build import session_detail
from tools.plans.model import WEEKDAYS, Plan, Session
from tools.words import week_of

_DAY = r"(mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?s?\b|today|tomorrow"
DAY = re.compile(rf"\b(next |this )?(?:{_DAY})", re.I)
TYPE = re.compile(r"\b(long run|long one|tempo|intervals?|strength|gym|easy run|race)\b", re.I)
ILL = re.compile(r"\b(ill|sick|flu|a cold|covid|poorly|unwell|injured|fever)\b", re.I)
CLEAR = re.compile(
    r"\b(clear|cancel|skip|drop|scrap|wipe|remove|delete|rest on|take off|day off|off)\b", re.I
)
SWAP = re.compile(r"\b(swap|switch|exchange|trade|flip)\b", re.I)
MOVE = re.compile(r"\b(move|shift|put|push|bring|reschedule|postpone)\b", re.I)
TARGET = re.compile(rf"\b(?:to|onto|until|on|for)\s+(next |this )?({_DAY})", re.I)
SHORTER = re.compile(r"\b(shorter|shorten|cut|reduce|less|lighter|easier|trim)\b", re.I)
LONGER = re.compile(r"\b(longer|lengthen|extend|more|further|add)\b", re.I)
KM = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:km|k|kilometres?|kilometers?)\b", re.I)
INSTEAD = re.compile(r"\binstead\b", re.I)
RUN_WORD = re.compile(r"\brun\b", re.I)
THIS_WEEK = re.compile(r"\b(this|the|rest of (?:the|this)|current) week\b", re.I)
NEXT_WEEK = re.compile(r"\bnext week\b", re.I)
#: How much shorter "make it shorter" makes a run, and longer "longer".
SHORTER_BY, LONGER_BY = 0.8, 1.1
KIND_WORDS = {
    "long": "a long run",
    "tempo": "a tempo run",
    "easy": "an easy run",
    "intervals": "intervals",
    "strength": "a strength session",
    "race": "the race",
}
TYPE_WORDS = {"long one": "long", "interval": "intervals", "gym": "strength", "easy run": "easy"}


class EditError(ValueError):
    """A change that cannot be read or made; the message says what to say instead."""


@dataclass
class Edit:
    """A change read from a message: what to do (``move``, ``swap``, ``shorter``, ``longer``,
    ``distance``, ``clear``), the days it touches and, in words, what it does."""

    action: str
    days: list[date]
    target: date | None = None
    km: float | None = None
    kind: str | None = None  # the session type named ("the long run"), if any
    words: str = ""
    ill: bool = False


@dataclass
class Check:
    """What an edited plan breaks that the plan before it did not."""

    rules: list[str] = field(default_factory=list)
    hard_days: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.rules or self.hard_days)

    def lines(self) -> list[str]:
        out = [f"The 10 % rules: {line}." for line in self.rules]
        out += [f"Two hard days together: {line}." for line in self.hard_days]
        return out


def _weekday(word: str) -> int:
    return next(i for i, name in enumerate(WEEKDAYS) if word.lower().startswith(name[:3]))


def _mentions(text: str) -> list[tuple[int, str, str]]:
    """The days named in ``text``: (position, which: "", "next " or "this ", the word)."""
    return [(m.start(), (m[1] or "").lower(), m[0][len(m[1] or "") :]) for m in DAY.finditer(text)]


def resolve_day(plan: Plan, word: str, which: str, today: date) -> date:
    """The plan day a weekday word names: its next day from today in the plan."""
    word = word.lower().strip()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    weekday = _weekday(word)
    first = max(today, plan.start)
    if which == "next ":
        first = max(first, week_of(today) + timedelta(days=7))
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    if day > plan.end:
        raise EditError(
            f"The plan ends on {plan.end:%a %d %b}: there is no {WEEKDAYS[weekday]} left."
        )
    return day


def _nearest(day: date, weekday: int) -> date:
    """The day with ``weekday`` nearest ``day`` (at most three days away, never the day)."""
    ahead = (weekday - day.weekday()) % 7
    return day + timedelta(days=ahead if ahead <= 3 else ahead - 7)


def _run_or_session(plan: Plan, day: date, kind: str | None = None) -> Session | None:
    found = [s for s in plan.sessions if s.day == day and s.type != "rest"]
    if kind:
        found = [s for s in found if s.type == kind]
    found.sort(key=lambda s: not s.is_run)
    return found[0] if found else None


def _kind(text: str) -> str | None:
    m = TYPE.search(text)
    if m is None:
        return None
    word = m[1].lower()
    return TYPE_WORDS.get(word, TYPE_WORDS.get(word.rstrip("s"), word.split()[0]))


def read_edit(plan: Plan, message: str, today: date) -> Edit:
    """The change ``message`` asks of ``plan`` (raises :class:`EditError` with what to say)."""
    text = message.lower()
    days = _mentions(text)
    kind = _kind(text)
    ill = bool(ILL.search(text))
    if SWAP.search(text):
        if len(days) < 2:
            raise EditError("Name the two days to swap, e.g. “swap Tuesday and Wednesday”.")
        first = resolve_day(plan, days[0][2], days[0][1], today)
        word, which = days[1][2], days[1][1]
        relative = word in ("today", "tomorrow") or which
        second = (
            resolve_day(plan, word, which, today) if relative else _nearest(first, _weekday(word))
        )
        return Edit("swap", [first, second], words=f"swap {first:%A} and {second:%A}")
    if ill or (CLEAR.search(text) and not MOVE.search(text)):
        if NEXT_WEEK.search(text):
            start = week_of(today) + timedelta(days=7)
            span = [start + timedelta(days=i) for i in range(7)]
            said = "next week"
        elif days:
            span = [resolve_day(plan, w, which, today) for _, which, w in days]
            said = ", ".join(f"{d:%A}" for d in span)
        elif THIS_WEEK.search(text) or ill:
            end = week_of(today) + timedelta(days=6)
            span = [today + timedelta(days=i) for i in range((end - today).days + 1)]
            said = "the rest of this week"
        else:
            raise EditError(
                "Say which days to clear: “clear this week”, “skip Thursday”, “clear next week”."
            )
        span = [d for d in span if today <= d and plan.start <= d <= plan.end]
        if not span:
            raise EditError("None of those days is in the plan still to come.")
        return Edit("clear", span, words=f"clear {said}", ill=ill)
    km = KM.search(text)
    moving = bool(MOVE.search(text) or (INSTEAD.search(text) and len(days) >= 2))
    to = TARGET.search(text) if moving else None
    named = [d for d in days if to is None or d[0] < to.start()]
    source_day = None
    if named:
        source_day = resolve_day(plan, named[0][2], named[0][1], today)
    elif kind:
        first = max(today, plan.start)
        found = sorted(
            (s for s in plan.sessions if s.type == kind and s.day >= first), key=lambda s: s.day
        )
        if not found:
            raise EditError(f"There is no {kind} session left in the plan.")
        source_day = found[0].day
    if moving:
        if to is None or source_day is None:
            raise EditError("Say which session and where to, e.g. “move Thursday's run to Friday”.")
        word = to[2]
        if word in ("today", "tomorrow") or to[1]:
            target = resolve_day(plan, word, (to[1] or "").lower(), today)
        else:
            target = _nearest(source_day, _weekday(word))
        if target == source_day:
            raise EditError("That session is on that day already.")
        what = KIND_WORDS.get(kind or "", "run" if RUN_WORD.search(text) else "session")
        return Edit(
            "move",
            [source_day],
            target=target,
            kind=kind,
            words=f"move {source_day:%A}'s {what.removeprefix('a ').removeprefix('an ')} to "
            f"{target:%A}",
        )
    if source_day is None:
        raise EditError(
            "Name the day or session to change, e.g. “make Sunday shorter” or “move Thursday's "
            "run to Friday”."
        )
    if km:
        value = float(km[1].replace(",", "."))
        if not rules.MIN_RUN_KM <= value <= 60:
            raise EditError(
                f"{value:g} km is not a run I would plan; say a distance from 3 to 60 km."
            )
        return Edit(
            "distance",
            [source_day],
            km=value,
            kind=kind,
            words=f"make {source_day:%A}'s run {value:g} km",
        )
    if SHORTER.search(text):
        return Edit("shorter", [source_day], kind=kind, words=f"make {source_day:%A}'s run shorter")
    if LONGER.search(text):
        return Edit("longer", [source_day], kind=kind, words=f"make {source_day:%A}'s run longer")
    raise EditError(
        "I can move, swap, shorten, lengthen or clear sessions: say e.g. “move Thursday's run to "
        "Friday”, “make Sunday shorter”, “swap Tuesday and Wednesday” or “clear this week”."
    )


def _resize(session: Session, km: float) -> None:
    km = max(rules.MIN_RUN_KM, math.floor(km * 10) / 10)
    if session.km:
        session.minutes = round(session.minutes * km / session.km)
    session.km = km
    session.detail = session_detail(session.type, km)


def apply_edit(plan: Plan, edit: Edit, today: date) -> tuple[Plan, list[str]]:
    """A copy of ``plan`` with ``edit`` made, and notes on what was kept or swapped."""
    new = copy.deepcopy(plan)
    notes: list[str] = []
    by_day: dict[date, list[Session]] = {}
    for s in new.sessions:
        by_day.setdefault(s.day, []).append(s)
    for day in [*edit.days, *([edit.target] if edit.target else [])]:
        if day < today:
            raise EditError(f"{day:%A %d %b} is past: only days from today on can change.")
        if not new.start <= day <= new.end:
            raise EditError(f"{day:%A %d %b} is outside the plan ({new.start} to {new.end}).")

    def real(day: date) -> list[Session]:
        return [s for s in by_day.get(day, []) if s.type != "rest"]

    if edit.action == "clear":
        for day in edit.days:
            races = [s for s in real(day) if s.type == "race"]
            if races:
                notes.append(f"The race on {day:%a %d %b} is kept.")
            by_day[day] = races
    elif edit.action == "swap":
        a, b = edit.days
        if not real(a) and not real(b):
            raise EditError(f"{a:%A} and {b:%A} are both rest days: nothing to swap.")
        moved_a, moved_b = real(a), real(b)
        for s in moved_a:
            s.day = b
        for s in moved_b:
            s.day = a
        by_day[a], by_day[b] = moved_b, moved_a
    elif edit.action == "move":
        (source,) = edit.days
        target = edit.target
        assert target is not None
        session = _run_or_session(new, source, edit.kind)
        if session is None:
            raise EditError(f"There is no {edit.kind or 'session'} on {source:%A %d %b} to move.")
        there = [s for s in real(target) if s.is_run == session.is_run or s.type == "race"]
        if any(s.type == "race" for s in there):
            raise EditError(f"{target:%A} is race day: pick another day.")
        by_day[source] = [s for s in real(source) if s is not session]
        for s in there:  # the session already there goes the other way
            s.day = source
            by_day[source].append(s)
            notes.append(
                f"{target:%A} had {KIND_WORDS[s.type]}: it goes to {source:%A} in exchange."
                if s.is_run
                else f"{target:%A}'s {s.type} goes to {source:%A} in exchange."
            )
        session.day = target
        by_day[target] = [s for s in real(target) if s not in there] + [session]
    else:
        (day,) = edit.days
        session = _run_or_session(new, day, edit.kind)
        if session is None or not session.is_run:
            raise EditError(f"{day:%A %d %b} has no run to change.")
        if edit.action == "distance":
            _resize(session, edit.km or session.km)
        elif edit.action == "shorter":
            _resize(session, session.km * SHORTER_BY)
        else:
            _resize(session, session.km * LONGER_BY)
    for week in new.weeks:
        days = [week.start + timedelta(days=i) for i in range((week.end - week.start).days + 1)]
        sessions: list[Session] = []
        for day in days:
            kept = [s for s in by_day.get(day, []) if s.type != "rest"]
            if not kept and not (week.kind == "race" and day == week.end):
                kept = [Session(day, "rest")]
            sessions += kept
        week.sessions = sorted(sessions, key=lambda s: (s.day, not s.is_run))
    if edit.ill:
        notes.append(
            "Get well first: run again only with no fever and feeling well (the neck check: "
            "symptoms below the neck, fever or aches mean rest). Then ask me for a new plan: it "
            "starts from the training done by then."
        )
    return new, notes


def hard_days_together(plan: Plan) -> list[str]:
    """Each pair of following days that both hold a hard session (long, tempo, intervals,
    race)."""
    hard = sorted({s.day: s.type for s in plan.sessions if s.is_hard}.items())
    return [
        f"{a:%a %d %b} ({ta}) and {b:%a %d %b} ({tb})"
        for (a, ta), (b, tb) in itertools.pairwise(hard)
        if (b - a).days == 1
    ]


def check_edit(before: Plan, after: Plan, done: list[tuple[date, float]]) -> Check:
    """What ``after`` breaks that ``before`` did not: the 10 % rules, two hard days together."""
    was = set(rules.violations(before, done))
    hard_was = set(hard_days_together(before))
    return Check(
        rules=[v for v in rules.violations(after, done) if v not in was],
        hard_days=[h for h in hard_days_together(after) if h not in hard_was],
    )


def changed_lines(before: Plan, after: Plan) -> list[str]:
    """Each day that changed: before → after."""
    days = sorted({s.day for s in before.sessions} | {s.day for s in after.sessions})
    out = []
    for day in days:
        was = _day_words(before, day)
        now = _day_words(after, day)
        if was != now:
            out.append(f"{day:%a %d %b}: {was} → {now}")
    return out


def _day_words(plan: Plan, day: date) -> str:
    found = [s for s in plan.sessions if s.day == day]
    return " + ".join(s.title() for s in found) or "nothing"
