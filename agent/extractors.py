"""Argument extractors: each reads one kind of argument from the (normalised) message, and a
tool's arguments are filled by the extractors of their names. A phrase that looks like a date
but cannot be read is reported, so the reply can say what it used instead of guessing quietly.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from agent.dates import parse_dates
from agent.reading import has
from tools.spec import ToolSpec
from tools.words import MONTHS, NUMBER_WORDS

#: Each sport Coach G stores, and the words people use for it.
SPORTS = (
    ("run", r"\b(run|runs|running|runnings|ran|jog|jogs|jogging|jogged|mileage|treadmill)\b"),
    ("ride", r"\b(ride|rides|riding|rode|bike|biking|cycling|cycle|cycled)\b"),
    ("swim", r"\b(swim|swims|swimming|swam|pool)\b"),
    ("walk", r"\b(walk|walks|walking|walked)\b"),
    ("hike", r"\b(hike|hikes|hiking|hiked)\b"),
    ("ski", r"\b(ski|skis|skiing|skied)\b"),
)

_HEIGHT_WORDS = {word: n for word, n in NUMBER_WORDS.items() if n <= 11}
_SMALL = r"(\d{1,2}|" + "|".join(_HEIGHT_WORDS) + ")"


def _small(number: str | None) -> int:
    return 0 if number is None else int(number) if number.isdigit() else _HEIGHT_WORDS[number]


def _height_cm(text: str) -> float | None:
    """A height in centimetres ("180cm", "180 centimetres"), metres ("1.80 m", "1m80", "1 metre
    80") or feet and inches, in figures or words ("5'10", "6 ft 1", "six foot", "six foot two")."""
    if m := re.search(r"\b(1\d\d|2[0-2]\d)\s?(?:cm|centimet(?:re|er)s?)\b", text):
        return float(m[1])
    if m := re.search(r"\b(1[.,]\d{1,2})\s?(?:m|metres?|meters?)\b(?!in)", text):
        return round(float(m[1].replace(",", ".")) * 100, 1)
    if m := re.search(r"\b1\s?(?:m|metres?|meters?)\s?(\d{2})\b(?!\s?(?:fps|frames|kg|km))", text):
        return 100.0 + int(m[1])
    feet = r"\b([4-7]|four|five|six|seven)\s?(?:ft|foot|feet|')"
    if m := re.search(rf"{feet}(?:\s?(?:and )?{_SMALL}(?!\s?(?:fps|frames|km|miles?))\b)?", text):
        inches = _small(m[1]) * 12 + _small(m[2])
        return round(inches * 2.54, 1)
    return None


def _fps(text: str) -> float | None:
    """The frame rate named; slow motion without a rate is left to the file's own metadata."""
    if m := re.search(r"\b(\d{2,3})\s?(?:fps|frames ?(?:per|/|a) ?s(?:ec(?:ond)?)?)\b", text):
        return float(m[1])
    return None


def _view(text: str) -> str | None:
    if has(text, r"\b(rear|behind|back view|from the back|back-on)\b"):
        return "rear"
    if has(text, r"\b(side|sideways|profile|side-on|sagittal|beside|alongside)\b"):
        return "side"
    return None


def _sport(text: str) -> str | None:
    found = [sport for sport, pattern in SPORTS if re.search(pattern, text)]
    return found[0] if len(found) == 1 else None


_ITEMS = r"(?:runs|rides|swims|walks|hikes|jogs|activities|workouts|sessions)"
_NEWEST = r"(?:last|latest|most recent|recent|newest|previous)"


def _limit(text: str) -> int | None:
    """How many of the newest activities: "my last 3 runs", "my 5 most recent activities"."""
    count = r"(\d{1,3}|" + "|".join(NUMBER_WORDS) + ")"
    if m := re.search(
        rf"\b(?:{_NEWEST}|past|my|the) {count} (?:{_NEWEST} )?(?:\w+ )?{_ITEMS}", text
    ):
        return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    if m := re.search(rf"\b{count} {_NEWEST} {_ITEMS}", text):
        return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    if m := re.search(rf"\btop {count}\b(?! ?(?:km|k|mi|miles|%|percent))", text):
        return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]  # "top 3 longest hikes"
    if re.search(
        rf"\b{_NEWEST} (\w+ )?(run|ride|swim|walk|hike|jog|activity|workout|session)\b", text
    ):
        return 1
    return None


def _weeks(text: str) -> int | None:
    """How many weeks a block of training is: "my last 6 weeks", "2 wks", "this week vs last
    week" (1), "this fortnight" (2), "this month" (4)."""
    count = r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + ")"
    if m := re.search(rf"\b{count}[ -]?(?:weeks?|wks?)\b", text):
        return int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
    if re.search(r"\bfortnights?\b", text):
        return 2
    if re.search(r"\bmonths?\b", text):
        return 4
    if re.search(r"\b(this|last|previous|past) week\b", text):
        return 1
    return None


def _full(text: str) -> bool | None:
    """A whole-history sync ("resync everything", "my full history")."""
    if has(text, r"\b(all|everything|full|whole|entire|complete|from scratch|history)\b"):
        return True
    return None


#: The extractor of each argument name; a tool's arguments are filled by theirs.
EXTRACTORS: dict[str, Callable[[str], Any]] = {
    "sport": _sport,
    "limit": _limit,
    "view": _view,
    "height_cm": _height_cm,
    "fps": _fps,
    "full": _full,
    "weeks": _weeks,
}

#: Words that start a time phrase; one Coach G cannot read is reported, not silently dropped.
_TIME_CUE = re.compile(
    r"\b(since|from|last|past|this|ago|between|during|in|over the)\s+(?:last |past |this )?"
    r"(?!\d+ |(?:my|the|a|an|\d+|few|couple|one|two|three|four|five|run|ride|swim|walk|hike|"
    r"activit|workout|session|video|clip|file|strava|garmin|gym|time|train|lift|set|his|her"
    r"|their|race|marathon|half|parkrun|long|leg|strength)\w*\b)([a-z][a-z']{2,})\b"
)
_TIME_WORDS = re.compile(
    r"(day|week|month|year|weekend|night|morning|time|season|spring|summer|autumn|fall|winter|"
    r"quarter|fortnight|mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov"
    r"|dec)"
)


#: "How was my week?" asks about this week.
_HOW_WAS_MY = re.compile(r"\b(how(?: was| is|'s| did| went| has)) my (week|weekend|month|year)\b")


@dataclass
class Extracted:
    """A tool's arguments as read from a message, and the phrases that could not be read."""

    args: dict[str, Any] = field(default_factory=dict)
    not_understood: list[str] = field(default_factory=list)


def extract(spec: ToolSpec, text: str, message: str, today: date) -> Extracted:
    """The arguments of ``spec`` that the (normalised) ``text`` gives."""
    names = set(spec.arguments.model_fields)
    out = Extracted()
    if {"since", "until"} & names:
        if dates := parse_dates(_HOW_WAS_MY.sub(r"\1 this \2", text), today):
            out.args.update({k: v for k, v in dates.as_args().items() if k in names})
        else:
            out.not_understood += unread_time_phrases(text)
    if "of_week" in names and (dates := parse_dates(text, today)) and dates.as_args().get("since"):
        out.args["of_week"] = dates.as_args()["since"]  # any day of the week asked about
    if "query" in names:
        out.args["query"] = message.strip()
    for name in sorted(names & EXTRACTORS.keys()):
        value = EXTRACTORS[name](text)
        if value is not None:
            out.args[name] = value
    for name, reader in spec.readers.items():
        value = reader(text)
        if value is not None:
            out.args[name] = value
    return out


def unread_time_phrases(text: str) -> list[str]:
    """Phrases that look like a period ("last wek") but that the date reader could not read."""
    found = []
    for match in _TIME_CUE.finditer(text):
        word = match[2]
        if match[0].strip() in ("over the years", "over the seasons"):
            continue  # all of it: the period every answer covers when none is named
        if _TIME_WORDS.match(word) or len(word) <= 5:
            found.append(match[0].strip())
    return found


_BEFORE = re.compile(r"\b(?:the )?(day|week|month|year|one) (?:before|earlier|prior)\b")
_AFTER = re.compile(
    r"\b(?:the )?(day|week|month|year|one) (?:after|later)\b"
    r"|\bthe following (day|week|month|year)\b"
)
_SAME_LAST_YEAR = re.compile(r"\b(?:same|that) (?:day|week|month|period|time) (?:a |last )year\b")


def shift_period(previous: dict[str, Any], text: str) -> dict[str, str]:
    """A period said relative to the last call's ("and the week before?", "same month last
    year", "and the month after?"): that period shifted back or on; empty when the message
    says no such thing."""
    since, until = previous.get("since"), previous.get("until")
    try:
        start = date.fromisoformat(since) if since else None
        end = date.fromisoformat(until) if until else None
    except (TypeError, ValueError):  # "last race": not a period that can be shifted
        return {}
    if start is None:
        return {}
    back = 1
    if m := _BEFORE.search(text) or _AFTER.search(text):
        back = 1 if _BEFORE.search(text) else -1
        said = m[1] or m[2]
        unit = said if said != "one" else _unit_of(start, end)
        if unit in ("day", "week"):
            step = timedelta(days=1 if unit == "day" else 7) * back
            shifted = {"since": (start - step).isoformat()}
            if end:
                shifted["until"] = (end - step).isoformat()
            return shifted
        years, months = (1, 0) if unit == "year" else (0, 1)
    elif _SAME_LAST_YEAR.search(text):
        years, months = 1, 0
    else:
        return {}
    steps = (years * 12 + months) * back
    new_start = _months_back(start, steps)
    shifted = {"since": new_start.isoformat()}
    if end:
        whole_month = start.day == 1 and (end + timedelta(days=1)).day == 1
        new_end = (
            _months_back(end + timedelta(days=1), steps) - timedelta(days=1)
            if whole_month
            else _months_back(end, steps)
        )
        shifted["until"] = new_end.isoformat()
    return shifted


def _unit_of(start: date, end: date | None) -> str:
    """The calendar unit a range spans: a day, a week, a month or a year."""
    days = ((end or start) - start).days + 1
    return "day" if days == 1 else "week" if days <= 7 else "month" if days <= 31 else "year"


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


_NEW_COUNT = re.compile(
    r"\b(?:make it|up to|(?:increase|change|raise) (?:it |that )?to|just|only|show|the|top|first)"
    r"\s+(?:the |me )?(?:last |latest |newest )?"
    r"(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")\b(?! ?(?:km|k|mi|miles|m|min|days?|weeks?|months?))"
)


_BARE_COUNT = re.compile(r"^\W*(?:and|or|what about|how about)?\W*(\d{1,2})\W*$")


def shift_count(previous: dict[str, Any], names: set[str], text: str) -> dict[str, int]:
    """A new count for the last call ("make it 5", "just the last 3", "and 6?"), when it takes
    one: the number of activities, or of weeks compared."""
    name = "limit" if "limit" in names else "weeks" if "weeks" in names else None
    if name is None:
        return {}
    m = _NEW_COUNT.search(text) or _BARE_COUNT.search(text)  # "just the last 2", "and 6?"
    if not m:
        return {}
    return {name: int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]}


#: "may" alone is a verb far more often than a month.
#: The month names that can stand alone in a follow-up ("and august?"); "may" is too often a
#: verb to count.
MONTHS_ALONE = "|".join(sorted((m for m in MONTHS if m != "may"), key=len, reverse=True))
_BARE_PERIOD = re.compile(r"\b((?:19|20)\d{2}|" + MONTHS_ALONE + r")\b")


def bare_period(text: str, today: date) -> dict[str, str]:
    """A period named alone in a follow-up ("now do 2023", "april then"), read as "in ..."."""
    if not (m := _BARE_PERIOD.search(text)):
        return {}
    dates = parse_dates(f" in {m[1]} ", today)
    return dates.as_args() if dates else {}
