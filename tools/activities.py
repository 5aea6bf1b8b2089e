"""The ``list_activities`` tool: an athlete's activities with totals."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from storage.activities import list_activities as stored_activities
from storage.models import Activity
from tools.confidence_words import confidence_sentence
from tools.context import ToolContext
from tools.importing.sports import SPORTS, normalise_sport
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, Finding, ToolResult
from tools.sizes import Run, is_size_fact, size_findings
from tools.spec import ToolSpec
from tools.trends.metrics import local_date
from tools.trends.volume_trend import PREFIX as TREND_PREFIX
from tools.trends.volume_trend import volume_trend, year_trend
from tools.words import day_words

TOOL = "list_activities"
MAX_LIMIT = 1000
#: Without a limit, every match counts in the totals and this many (the newest) are listed.
LISTED = 20
#: With ``order``, this many of the top are listed (unless ``limit`` says how many).
RANKED = 5
#: The orders ``list_activities`` ranks by.
#: The longest period a named period is moved back a year for, when the data ends before it,
#: and the longest asked about that gets a verdict on its weeks (and, for a month, its runs).
YEAR = timedelta(days=366)
ORDERS = ("longest", "fastest", "most_climb", "biggest_week", "biggest_month")
#: The shortest activity that counts for "fastest" (km): a 1 km stroll-out is no record.
FASTEST_MIN_KM = {"run": 3.0, "walk": 3.0, "hike": 3.0, "ride": 10.0, "swim": 0.4}
NONE_MATCH = (
    "No activities match. Import some: drop FIT, GPX or TCX files or your Strava export zip into "
    "the chat (or run `coachg import PATH`), or connect Strava in Settings."
)


#: Race distances (km) by the names runners give them.
RACE_DISTANCES: dict[str, float] = {
    "mile": 1.609344,
    "5K": 5.0,
    "4 mile": 6.437376,
    "8K": 8.0,
    "5 mile": 8.04672,
    "10K": 10.0,
    "15K": 15.0,
    "10 mile": 16.09344,
    "half marathon": 21.0975,
    "marathon": 42.195,
}
#: A run is of a race distance from this much short of it to this much over (GPS reads long).
DISTANCE_SHORT, DISTANCE_LONG = 0.01, 0.03
MILE_KM = 1.609344
#: With this many activities or fewer, each one's details are shown.
DETAILED = 3
#: Elapsed time is said beside moving time when they differ by this many seconds or more.
ELAPSED_SAID_S = 60
_COUNT_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}


def race_distance(text: str) -> tuple[str, float] | None:
    """A distance as a runner names it, and its km: "10k" or "10 km" -> ("10K", 10.0), "half"
    -> ("half marathon", 21.0975), "10 mile" -> ("10 mile", 16.09), "12" -> ("12 km", 12.0);
    None when it is no distance."""
    words = re.sub(r"[-_]", " ", str(text).strip().lower())
    if re.search(r"\bhalf\b|\bhalves\b|\b21\.1 ?km?\b", words):
        return "half marathon", RACE_DISTANCES["half marathon"]
    if re.search(r"\bmarathons?\b|\b42\.2 ?km?\b", words):
        return "marathon", RACE_DISTANCES["marathon"]
    count = r"(\d{1,2}(?:\.\d+)?|" + "|".join(_COUNT_WORDS) + ")"
    if m := re.fullmatch(rf"(?:{count} ?)?(?:miles?|miler|mi|m)", words):  # "10M" is 10 mile
        miles = float(_COUNT_WORDS.get(m[1], m[1])) if m[1] else 1.0
        name = "mile" if miles == 1 else f"{miles:g} mile"
        return name, RACE_DISTANCES.get(name, miles * MILE_KM)
    if m := re.fullmatch(r"(\d+(?:\.\d+)?) ?(?:k|km|kms|kilomet(?:re|er)s?)?", words):
        km = float(m[1])
        if km <= 0:
            return None
        for name, known in RACE_DISTANCES.items():  # "21.0975" is the half marathon
            if abs(known - km) < 0.06:
                return name, known
        return f"{km:g} km", km
    return None


def distance_band(km: float) -> tuple[float, float]:
    """The distances (km) that count as ``km``: 1 % short to 3 % long."""
    return km * (1 - DISTANCE_SHORT), km * (1 + DISTANCE_LONG)


def _filtered(
    activities: list[Activity],
    target: tuple[str, float] | None,
    min_km: float | None,
    races: bool | None,
) -> list[Activity]:
    """``activities`` of the distance asked (``target``), of at least ``min_km``, and races only
    when ``races``."""
    if target:
        low, high = distance_band(target[1])
        activities = [a for a in activities if low <= (a.distance_m or 0.0) / 1000.0 <= high]
    if min_km:
        activities = [a for a in activities if (a.distance_m or 0.0) / 1000.0 >= min_km]
    if races:
        activities = [a for a in activities if a.is_race]
    return activities


#: Said when races are asked for but the activities don't say which were races.
RACES_UNKNOWN = (
    "your activities don't say which were races (a Strava export doesn't carry it), so every "
    "one of that distance counts"
)


def _races_unknown(ctx: ToolContext) -> str:
    return (
        f"I can't tell which runs were races: {ctx.whose} activities don't say (a Strava export "
        "doesn't carry it; Strava's own sync does). Ask for a distance instead, for example "
        "“my 10K times” or “my fastest half marathon”."
    )


def _a(name: str) -> str:
    """A distance's name with its article: "a 10K", "an 8K", "a half marathon"."""
    return f"an {name}" if name[:1] in "8aeiou" or name.startswith(("11", "18")) else f"a {name}"


def _filter_words(
    sport: str | None, target: tuple[str, float] | None, race: bool | None, min_km: float | None
) -> str:
    """What was looked for, in words: "runs", "10K races", "runs of 30 km or more"."""
    kind = "races" if race else _COUNTED.get(sport or "", "activities")
    if target:
        kind = f"{target[0]} {kind}"
    if min_km:
        kind += f" of {min_km:g} km or more"
    return kind


def clock_text(seconds: float) -> str:
    """A duration as a race result is written: ``46:40``, ``3:55:29``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def parse_day(text: str, end: bool = False) -> datetime:
    """An ISO date or date-time as aware UTC. A bare date used as ``end`` means the end of that
    day, so ``until=2024-03-31`` includes runs on the 31st."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def pace_text(minutes_per_km: float) -> str:
    """A pace as runners write it: 5.24 min/km is ``5:14``."""
    seconds = round(minutes_per_km * 60)
    return f"{seconds // 60}:{seconds % 60:02d}"


def activity_row(activity: Activity) -> dict[str, Any]:
    """One activity as a flat, JSON-friendly row (km, minutes, steps/min)."""
    seconds = activity.moving_time_s or activity.elapsed_time_s
    km = activity.distance_m / 1000.0 if activity.distance_m else None
    pace = (
        seconds / 60.0 / km
        if seconds and km and activity.sport in ("run", "walk", "hike")
        else None
    )
    return {
        "id": activity.id,
        "start_time": activity.start_time.isoformat(),
        "date": local_date(activity.start_time, activity.timezone).isoformat(),
        "sport": activity.sport,
        "name": activity.name,
        "distance_km": round(km, 3) if km is not None else None,
        "moving_time_min": round(seconds / 60.0, 1) if seconds else None,
        "time": clock_text(seconds) if seconds else None,
        "pace_min_per_km": round(pace, 2) if pace else None,
        "pace_per_km": pace_text(pace) if pace else None,
        "avg_hr": round(activity.avg_hr, 1) if activity.avg_hr else None,
        "avg_cadence_spm": round(activity.avg_cadence_spm, 1) if activity.avg_cadence_spm else None,
        "elevation_gain_m": round(activity.elevation_gain_m, 1)
        if activity.elevation_gain_m is not None
        else None,
        "source": activity.source,
        "file_name": activity.file_name,
    }


def list_activities(
    ctx: ToolContext,
    since: str | None = None,
    until: str | None = None,
    sport: str | None = None,
    limit: int | None = None,
    order: str | None = None,
    distance: str | None = None,
    race: bool | None = None,
    min_km: float | None = None,
) -> ToolResult:
    """List the athlete's activities, newest first, with count, distance and time totals; or,
    with ``order``, find the record of the period (the longest run, the biggest week, the
    fastest 10K...) and list the top few. One to three activities come with their details
    (time, pace, heart rate, climbing, cadence).

    Without ``limit`` the totals cover every match and the newest 20 are listed. When the
    period asked reaches today (or ended lately) but holds nothing and older activities exist
    ("this year" long after the data ends), a calendar year, month or week asked is answered
    with the same unit that holds the latest activity, up to it, and any other period with the
    same length of time up to the latest activity; either is said.

    Args:
        since: the first day, an ISO date (YYYY-MM-DD), included.
        until: the last day, an ISO date (YYYY-MM-DD), included.
        sport: run, ride, swim, walk, hike or other ("running" or "TrailRun" work too).
        limit: how many of the newest to list, e.g. 3 for "my last 3 runs"; the totals then
            cover those. With ``order``, how many of the top to list (default 5).
        order: rank instead of listing the newest: "longest" (distance), "fastest" (average
            pace, runs of 3 km or more; runs unless another sport is named; with ``distance``,
            the shortest time at that distance), "most_climb" (elevation gain),
            "biggest_week" (distance in a Monday-Sunday week) or "biggest_month" (distance in
            a calendar month).
        distance: only activities of about this distance (1 % short to 3 % long, as GPS reads
            long): "5k", "10k", "15k", "10 mile", "half marathon", "marathon", "mile", or km
            such as "12"; runs unless another sport is named.
        race: true for races only (those Strava marks as a race).
        min_km: only activities of at least this many km ("runs over 30 km").
    """
    try:
        start = parse_day(since) if since else None
        end = parse_day(until, end=True) if until else None
    except ValueError:
        return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2024-03-01.")
    if start and end and start >= end:
        return ToolResult.failure(TOOL, "The start date is after the end date; swap them.")
    wanted = normalise_sport(sport) if sport else None
    if sport and wanted == "other" and sport.strip().lower() != "other":
        return ToolResult.failure(
            TOOL, f"Unknown sport {sport!r}; use one of: {', '.join(SPORTS)}."
        )
    if order is not None and order not in ORDERS:
        return ToolResult.failure(
            TOOL, f"Unknown order {order!r}; use one of: {', '.join(ORDERS)}."
        )
    target = race_distance(distance) if distance else None
    if distance and target is None:
        names = ", ".join(RACE_DISTANCES)
        return ToolResult.failure(
            TOOL, f"I can't read the distance {distance!r}; use one of: {names}, or km."
        )
    if min_km is not None and min_km <= 0:
        min_km = None
    if (order == "fastest" or target) and wanted is None:
        wanted = "run"  # a pace compares like with like; a ride is always "faster"
    if order in ("biggest_week", "biggest_month") and wanted is None and sport is None:
        wanted = "run"  # a runner's biggest week is of running; "biggest week of riding" says
    picked = max(1, min(int(limit), MAX_LIMIT)) if limit else None
    filtered = bool(target or race or min_km)
    shifted: dict[str, Any] | None = None
    races_unknown = False
    with ctx.session() as session:

        def fetch(first: datetime | None, last: datetime | None) -> list[Activity]:
            found = stored_activities(
                session, ctx.actor, ctx.athlete_id, since=first, until=last, sport=wanted,
                limit=None if order or filtered else picked,
            )  # fmt: skip
            found = _filtered(found, target, min_km, race and not races_unknown)
            return found if order or not picked else found[:picked]

        if race:
            every = stored_activities(session, ctx.actor, ctx.athlete_id, sport=wanted)
            races_unknown = bool(every) and all(a.is_race is None for a in every)
            if races_unknown and not (target or min_km):
                return ToolResult.failure(TOOL, _races_unknown(ctx), races_unknown=True)
        activities = fetch(start, end)
        if not activities and start and _recent(start, end, ctx.day):
            latest = stored_activities(session, ctx.actor, ctx.athlete_id, sport=wanted, limit=1)
            if latest and latest[0].start_time < start:
                asked_until = (end - timedelta(days=1)).date() if end else None
                last_day = latest[0].start_time.date()  # UTC, as the period's filter is
                shift = old_data_shift(start.date(), asked_until, ctx.day, last_day)
                message = old_data_words(
                    ctx, start.date(), asked_until or ctx.day, shift, _NOUNS.get(wanted or "")
                )
                start = parse_day(shift.first.isoformat())
                end = parse_day(shift.last.isoformat(), True)
                activities = fetch(start, end)
                shifted = {
                    "from": shift.first.isoformat(),
                    "to": shift.last.isoformat(),
                    "latest": shift.last.isoformat(),
                    "days": shift.days,
                    "unit": shift.unit,
                    "message": message,
                }
        if not activities and start and end and not shifted and end - start <= YEAR:
            latest = stored_activities(session, ctx.actor, ctx.athlete_id, sport=wanted, limit=1)
            if latest and latest[0].start_time < start:  # "on oct 4", "in august": a year back
                shifted = _years_back(ctx, start, end, latest[0].start_time, wanted)
                start, end = parse_day(shifted["from"]), parse_day(shifted["to"], True)
                activities = fetch(start, end)
        sized: tuple[list[Fact], list[Finding]] = ([], [])
        if start and end and not order and end - start <= YEAR and wanted in (None, "run"):
            every = stored_activities(session, ctx.actor, ctx.athlete_id, sport="run")
            runs = [
                Run(local_date(a.start_time, a.timezone), (a.distance_m or 0.0) / 1000)
                for a in every
            ]
            last_day = (end - timedelta(days=1)).date()
            asked_km = target[1] if target else None  # "was her 37k ... too long?": that run
            sized = size_findings(runs, start.date(), last_day, ctx.whose, asked_km)
        if order:
            ranking = _rank(activities, order, wanted, picked or RANKED, target)
            rows = ranking.rows
        else:
            ranking = None
            rows = [activity_row(a) for a in activities[: picked or LISTED]]
        detailed = activities if not order and 0 < len(activities) <= DETAILED else []
    if shifted:
        message = shifted.pop("message")
    else:
        what = _filter_words(wanted, target, race, min_km)
        message = "" if activities else _none_match(ctx, start, end, wanted, what)
    total_km = sum(a.distance_m or 0.0 for a in activities) / 1000.0
    total_h = sum((a.moving_time_s or a.elapsed_time_s or 0.0) for a in activities) / 3600.0
    result = ToolResult(
        tool=TOOL,
        message=message,
        facts=[
            Fact("count", len(activities), _COUNTED.get(wanted or "", "activities")),
            Fact("total_distance", round(total_km, 2), "km", digits=2),
            Fact("total_time", round(total_h, 1), "h"),
        ],
        data={
            "rows": rows,
            "since": since,
            "until": until,
            "sport": wanted,
            "limit": picked,
            "order": order,
            "distance": target[0] if target else None,
            "race": bool(race) or None,
            "min_km": min_km,
        },
        reasons=["listed straight from the stored activities"],
    )
    if shifted:
        result.data["shifted"] = shifted
    result.data["title"] = _period_title(result.data)
    result.facts += sized[0]
    result.findings += sized[1]
    if start and not order and wanted in (None, "run") and activities:
        until_day = (end - timedelta(days=1)).date() if end else None
        _add_volume_trend(result, activities, start.date(), ctx.whose, until_day)
    sports = sorted({a.sport for a in activities})
    if wanted is None and not order and len(sports) > 1:  # "what did I do in January?"
        for sport in sports:
            km = sum(a.distance_m or 0.0 for a in activities if a.sport == sport) / 1000.0
            result.facts.append(Fact(f"{sport}_distance", round(km, 1), "km"))
    if target:
        low, high = distance_band(target[1])
        result.data["distance_band_km"] = [round(low, 2), round(high, 2)]
        if order:
            result.caveats.append(
                f"only whole {_COUNTED.get(wanted or '', 'activities')} of {low:.2f} to "
                f"{high:.2f} km count as {_a(target[0])}, not a faster stretch inside a longer one"
            )
    if races_unknown:
        result.data["races_unknown"] = True
        result.caveats.append(RACES_UNKNOWN)
    if ranking is not None:
        flagged = bool(race) and not races_unknown
        _add_ranking(result, ranking, order or "", wanted, ctx.whose, start, end, target, flagged)
    else:
        if detailed:
            alone = len(activities) == 1 and not (start or end or picked or target or race)
            _add_details(result, detailed, ctx.whose, alone and wanted is None)
        if len(activities) > len(rows):
            result.caveats.append(
                f"the newest {len(rows)} are listed; the totals cover all of them"
            )
    return result


def _recent(start: datetime, end: datetime | None, today: date) -> bool:
    """Whether a period (``end`` exclusive, None for open) reaches today or ended no longer ago
    than its own length ("last month" asked on the 7th), so that an empty answer long after the
    data ends means "show me the latest of the same"."""
    if end is None:
        return True
    last = (end - timedelta(days=1)).date()
    return last >= today - timedelta(days=max(1, span_days(start.date(), last)))


def _verdict_fact(fact: Fact) -> bool:
    """A fact only a verdict says (a run's size against its month, a month's km in a trend):
    the listing leaves it out."""
    return is_size_fact(fact) or fact.name.startswith(TREND_PREFIX)


def _add_volume_trend(
    result: ToolResult,
    activities: list[Activity],
    first: date,
    whose: str,
    last: date | None = None,
) -> None:
    """Which way the running went over the period ("how has my mileage changed since
    August?"), month by month up to its latest run; said only to a question about that."""
    import pandas as pd

    runs = pd.DataFrame(
        {
            "sport": [a.sport for a in activities],
            "distance_km": [(a.distance_m or 0.0) / 1000 for a in activities],
            "date": [pd.Timestamp(local_date(a.start_time, a.timezone)) for a in activities],
        }
    )
    latest = runs["date"].max().date()
    if (latest - first).days < 40:  # a month or less: nothing to compare
        return
    if (
        last is not None
        and last.year > first.year
        and (years := year_trend(runs, first, last, latest, whose))
    ):  # "how did my yearly volume go from 2023 to 2025?"
        result.facts += years[0]
        result.findings.append(years[1])
    if trend := volume_trend(runs, latest, first, whose):
        result.facts += trend[0]
        result.findings.append(trend[1])


def _years_back(
    ctx: ToolContext, start: datetime, end: datetime, latest: datetime, sport: str | None
) -> dict[str, Any]:
    """The same days in the latest year the data reaches, for a named period after the data
    ends ("oct 4", "august" asked long after the latest run), and the sentence that says so."""
    first, last = start.date(), (end - timedelta(days=1)).date()
    years = (
        first.year - latest.year + (_year_earlier(first, first.year - latest.year) > latest.date())
    )
    moved_first, moved_last = _year_earlier(first, years), _year_earlier(last, years)
    noun = _NOUNS.get(sport or "", "activity")
    plural = "activities" if noun == "activity" else f"{noun}s"
    subject = "You have" if not ctx.about_someone_else else f"{ctx.who} has"
    message = (
        f"{subject} no {plural} {range_words(first, last)}; {ctx.whose} latest {noun} is "
        f"{day_words(latest.date())}, so here is {range_words(moved_first, moved_last)}."
    )
    days = (last - first).days + 1
    return {
        "from": moved_first.isoformat(),
        "to": moved_last.isoformat(),
        "latest": latest.date().isoformat(),
        "days": days,
        "unit": "",
        "message": message,
    }


def _year_earlier(day: date, years: int) -> date:
    """``day`` that many years earlier (29 Feb becomes 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def span_days(first: date, last: date) -> int:
    """How many days a period from ``first`` to ``last`` (both included) stands for: its own
    length, or the whole calendar unit it starts ("this week" on a Monday is 7 days, "this
    month" on the 3rd a month, "this year" a year)."""
    days = (last - first).days + 1
    if first.month == 1 and first.day == 1 and days > 31:
        return max(days, (date(first.year + 1, 1, 1) - first).days)
    if first.day == 1 and days <= 31:
        return max(days, calendar.monthrange(first.year, first.month)[1])
    if first.weekday() == 0 and days < 7:
        return 7
    return max(days, 1)


def range_words(first: date, last: date) -> str:
    """A span of days as a person writes it: "from 1 Nov to 30 Nov 2026", "on 7 Dec 2026"."""
    if first == last:
        return f"on {day_words(first)}"
    if first.year == last.year:
        return f"from {first.day} {first:%b} to {day_words(last)}"
    return f"from {day_words(first)} to {day_words(last)}"


@dataclass(frozen=True)
class Shift:
    """Where a question about a period long after the data ends is answered instead: ``first``
    to ``last`` (the latest activity's day)."""

    first: date
    last: date
    days: int  # the length of the period asked, in days
    unit: str  # "year", "month" or "week" for a calendar period asked; "" for another


def calendar_unit(first: date, until: date | None, today: date) -> str:
    """The calendar unit a period asked is, if it is one: "year" (from 1 Jan: "this year", "in
    2026"), "month" (from the 1st: "this month", "last month") or "week" (from a Monday);
    empty for any other period. ``until`` is None for a period open to ``today``."""
    if until is None:  # "this month" and "this year" on 1-31 Jan read alike: the month wins
        if first > today:
            return ""
        if first.day == 1 and (first.year, first.month) == (today.year, today.month):
            return "month"
        if (first.month, first.day) == (1, 1) and first.year == today.year:
            return "year"
        if first.weekday() == 0 and (today - first).days < 7:
            return "week"
        return ""
    if (first.month, first.day, until.month, until.day) == (1, 1, 12, 31) and (
        first.year == until.year
    ):
        return "year"
    month_end = calendar.monthrange(first.year, first.month)[1]
    if first.day == 1 and until == first.replace(day=month_end):
        return "month"
    if first.weekday() == 0 and until == first + timedelta(days=6):
        return "week"
    return ""


def old_data_shift(first: date, until: date | None, today: date, latest: date) -> Shift:
    """The period to answer instead of an empty one asked long after the data ends (``latest``
    is the latest activity's day): a calendar year, month or week asked becomes the same unit
    that holds ``latest``, up to it ("this year" -> 1 Jan 2025 to 19 Oct 2025); another period
    the same number of days up to ``latest``."""
    unit = calendar_unit(first, until, today)
    days = span_days(first, until or today)
    if unit == "year":
        start = date(latest.year, 1, 1)
    elif unit == "month":
        start = latest.replace(day=1)
    elif unit == "week":
        start = latest - timedelta(days=latest.weekday())
    else:
        start = latest - timedelta(days=days - 1)
    return Shift(start, latest, days, unit)


def old_data_words(
    ctx: ToolContext, first: date, last: date, shift: Shift, noun: str | None = None
) -> str:
    """The one sentence that says an answer is about older data than asked, naming both: "You
    have no activities in 2026; your latest activity is 19 Oct 2025, so here is 2025 to that
    day." ``first`` to ``last`` is the period asked."""
    noun = noun or "activity"
    plural = "activities" if noun == "activity" else f"{noun}s"
    asked = f"in {first.year}" if shift.unit == "year" else range_words(first, last)
    subject = "You have" if not ctx.about_someone_else else f"{ctx.who} has"
    if shift.unit == "year":
        here = f"here is {shift.first.year} to that day"
    elif shift.unit == "month":
        here = f"here is {shift.first:%B %Y} to that day"
    elif shift.unit == "week":
        here = f"here is the week of {day_words(shift.first)} to that day"
    elif shift.days == 1:
        here = "here is that day"
    else:
        here = f"here are the {shift.days} days to that day"
    return (
        f"{subject} no {plural} {asked}; {ctx.whose} latest {noun} is {day_words(shift.last)}, "
        f"so {here}."
    )


_NOUNS = {"run": "run", "ride": "ride", "swim": "swim", "walk": "walk", "hike": "hike",
          "ski": "ski day"}  # fmt: skip


def shift_words(ctx: ToolContext, latest: date, days: int, sport: str | None = None) -> str:
    """The one sentence that says an answer is about older data than asked: "Your latest
    activity is 19 Oct 2025; here are the 7 days to that day." """
    noun = _NOUNS.get(sport or "", "activity")
    span = "here is that day" if days == 1 else f"here are the {days} days to that day"
    whose = ctx.whose[:1].upper() + ctx.whose[1:]
    return f"{whose} latest {noun} is {day_words(latest)}; {span}."


@dataclass
class _Ranking:
    """What an ``order`` found: the ranked entries (activities or weeks/months), best first."""

    entries: list[dict[str, Any]]  # each: "value" (to rank by), "shown", "date", "name"...
    rows: list[dict[str, Any]]  # the activities behind the top entries, as listed rows
    candidates: int  # how many activities could be ranked at all
    min_km: float | None = None  # "fastest": the shortest that counts


def _rank(
    activities: list[Activity],
    order: str,
    sport: str | None,
    top: int,
    target: tuple[str, float] | None = None,
) -> _Ranking:
    """The top ``top`` of ``activities`` by ``order`` (see :func:`list_activities`); "fastest"
    at a ``target`` distance ranks by time."""
    if order in ("biggest_week", "biggest_month"):
        return _rank_periods(activities, order, top, sport)
    min_km = None
    scored: list[tuple[float, Activity, str]] = []
    for activity in activities:
        km = (activity.distance_m or 0.0) / 1000.0
        seconds = activity.moving_time_s or activity.elapsed_time_s or 0.0
        if order == "fastest" and target:
            if seconds > 0 and km > 0:  # all of about one distance: the shortest time wins
                scored.append((-seconds, activity, f"{clock_text(seconds)} over {km:.1f} km"))
        elif order == "longest" and km > 0:
            scored.append((km, activity, f"{km:.1f} km"))
        elif order == "most_climb" and (activity.elevation_gain_m or 0) > 0:
            gain = float(activity.elevation_gain_m or 0.0)
            scored.append((gain, activity, f"{gain:.0f} m up over {km:.1f} km"))
        elif order == "fastest":
            min_km = FASTEST_MIN_KM.get(sport or "", 1.0)
            if km >= min_km and seconds > 0:
                speed = km / seconds  # km/s: higher is faster, for every sport
                scored.append((speed, activity, f"{_speed_text(speed, sport)} over {km:.1f} km"))
    scored.sort(key=lambda s: -s[0])  # stable: a tie keeps the newer first
    entries, rows = [], []
    for value, activity, shown in scored[:top]:
        row = activity_row(activity)
        rows.append(row)
        entries.append(
            {
                "value": value,
                "shown": shown,
                "date": row["date"],
                "name": activity.name or "",
                "sport": activity.sport,
                "distance_km": round((activity.distance_m or 0.0) / 1000.0, 2),
                "id": activity.id,
                "moving_s": activity.moving_time_s or activity.elapsed_time_s,
                "elapsed_s": activity.elapsed_time_s,
                "km_per_s": _km_per_s(activity),
            }
        )
    return _Ranking(entries, rows, len(scored), min_km)


def _km_per_s(activity: Activity) -> float | None:
    """An activity's average speed in km/s (moving time, else elapsed); None without one."""
    seconds = activity.moving_time_s or activity.elapsed_time_s
    km = (activity.distance_m or 0.0) / 1000.0
    return km / seconds if seconds and km else None


def _add_details(
    result: ToolResult, activities: list[Activity], whose: str, alone: bool = False
) -> None:
    """Each of a few activities' time, pace, heart rate, climbing and cadence as facts
    (``time``, ``avg_hr``...; ``time_2``... for the second), and a finding for each that
    answers "what was my heart rate on my last run?" with all of them; ``alone``: the one
    activity stored ("Your only activity stored is a run on ...")."""
    whose_text = whose[:1].upper() + whose[1:]
    for place, activity in enumerate(activities, start=1):
        end = "" if len(activities) == 1 else f"_{place}"
        day = local_date(activity.start_time, activity.timezone)
        name = escape(activity.name or "")  # quotable in Markdown
        facts = [Fact(f"date{end}", day_words(day)), Fact(f"name{end}", name)]
        noun = _NOUNS.get(activity.sport, "activity")
        verdict = f"{whose_text} {noun} on {{date{end}}}"
        if alone:
            verdict = f"{whose_text} only activity stored is a {noun} on {{date{end}}}"
        if activity.name:
            verdict += f" (“{{name{end}}}”)"
        said = []
        km = (activity.distance_m or 0.0) / 1000.0
        if km:
            facts.append(Fact(f"distance{end}", f"{km:.2f}", "km"))  # as listed
            said.append(f"{{distance{end}}}")
        moving = activity.moving_time_s or activity.elapsed_time_s
        if moving:
            facts.append(Fact(f"time{end}", clock_text(moving)))
            said.append(f"in {{time{end}}}" if km else f"{{time{end}}}")
            elapsed = activity.elapsed_time_s
            if elapsed and elapsed - moving >= ELAPSED_SAID_S:
                facts.append(Fact(f"elapsed_time{end}", clock_text(elapsed)))
                said.append(f"({{elapsed_time{end}}} elapsed)")
        parts = [" ".join(said)] if said else []
        if speed := _km_per_s(activity):
            pace, unit = _speed_text(speed, activity.sport).split(" ", 1)
            facts.append(Fact(f"pace{end}", pace if ":" in pace else float(pace), unit))
            parts.append(f"{{pace{end}}}")
        if activity.avg_hr:
            facts.append(Fact(f"avg_hr{end}", round(activity.avg_hr), "bpm"))
            heart = f"average heart rate {{avg_hr{end}}}"
            if activity.max_hr:
                facts.append(Fact(f"max_hr{end}", round(activity.max_hr), "bpm"))
                heart += f" (max {{max_hr{end}}})"
            parts.append(heart)
        else:
            parts.append("no heart rate recorded")
        if activity.elevation_gain_m is not None:
            facts.append(Fact(f"elevation_gain{end}", round(activity.elevation_gain_m), "m"))
            parts.append(f"{{elevation_gain{end}}} climbing")
        if activity.avg_cadence_spm:
            unit = "steps/min" if activity.sport in ("run", "walk", "hike") else "rpm"
            facts.append(Fact(f"cadence{end}", round(activity.avg_cadence_spm), unit))
            parts.append(f"cadence {{cadence{end}}}")
        result.facts += facts
        result.findings.append(
            Finding(
                topic=f"activity{end}",
                verdict=f"{verdict}: {', '.join(parts)}.",
                source="your stored activities",
                confidence=1.0,
                answers=("lookup", "listing"),
                priority=place,
            )
        )
    result.data["detailed"] = len(activities)


def _speed_text(km_per_s: float, sport: str | None) -> str:
    """A speed as that sport's people say it: pace per km on foot, per 100 m in the water,
    km/h on a bike."""
    if sport == "ride" or sport == "other":
        return f"{km_per_s * 3600:.1f} km/h"
    if sport == "swim":
        return f"{pace_text(1 / km_per_s / 60 / 10)} /100m"
    return f"{pace_text(1 / km_per_s / 60)} /km"


def _rank_periods(activities: list[Activity], order: str, top: int, sport: str | None) -> _Ranking:
    """Weeks (Monday to Sunday) or calendar months by distance, on each activity's local day."""
    unit = _COUNTED.get(sport or "", "sessions")
    groups: dict[date, list[Activity]] = {}
    for activity in activities:
        day = local_date(activity.start_time, activity.timezone)
        first = (
            day - timedelta(days=day.weekday()) if order == "biggest_week" else day.replace(day=1)
        )
        groups.setdefault(first, []).append(activity)
    scored = []
    for first, members in groups.items():
        km = sum(a.distance_m or 0.0 for a in members) / 1000.0
        if km > 0:
            scored.append((km, first, members))
    scored.sort(key=lambda s: (-s[0], -s[1].toordinal()))
    entries, rows = [], []
    for km, first, members in scored[:top]:
        if order == "biggest_week":
            last = first + timedelta(days=6)
            label = f"{first.isoformat()} to {last.isoformat()}"
        else:
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            label = f"{first:%B %Y}"
        hours = sum(a.moving_time_s or a.elapsed_time_s or 0.0 for a in members) / 3600.0
        entries.append(
            {
                "value": km,
                "shown": f"{km:.1f} km in {len(members)} {unit}, {hours:.1f} h",
                "date": first.isoformat(),
                "last": last.isoformat(),
                "label": label,
                "count": len(members),
                "hours": round(hours, 1),
                "distance_km": round(km, 1),
            }
        )
        if not rows:
            rows = [activity_row(a) for a in members]
    return _Ranking(entries, rows, len(activities))


def _record_period(
    start: datetime | None, end: datetime | None, shifted: dict[str, Any] | None
) -> str:
    """The period a record is of, to follow it in a sentence: " in 2025", " in October 2025",
    " since 1 Mar 2025"; empty for all time."""
    if shifted:
        first = date.fromisoformat(shifted["from"])
        unit = shifted.get("unit")
        if unit == "year":
            return f" in {first.year}"
        if unit == "month":
            return f" in {first:%B %Y}"
        if unit == "week":
            return f" in the week of {day_words(first)}"
        return f" in the {shifted['days']} days to {day_words(date.fromisoformat(shifted['to']))}"
    first = start.date() if start else None
    last = (end - timedelta(days=1)).date() if end else None
    if first and last:
        if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31) and (
            first.year == last.year
        ):
            return f" in {first.year}"
        month_end = calendar.monthrange(first.year, first.month)[1]
        if first.day == 1 and last == first.replace(day=month_end):
            return f" in {first:%B %Y}"
        if first == last:
            return f" on {day_words(first)}"
        return f" from {day_words(first)} to {day_words(last)}"
    if first:
        return f" since {day_words(first)}"
    if last:
        return f" up to {day_words(last)}"
    return ""


def _add_ranking(
    result: ToolResult,
    ranking: _Ranking,
    order: str,
    sport: str | None,
    whose: str,
    start: datetime | None,
    end: datetime | None,
    target: tuple[str, float] | None = None,
    race: bool = False,
) -> None:
    """The record's facts, its runners-up as evidence, and the finding that answers "what was
    my longest ...?" (or "my fastest 10K race?": its time first)."""
    entries = ranking.entries
    result.data["ranked"] = entries
    if entries:  # "that week", "that run" in the next question: the record's days
        top = entries[0]
        result.data["focus"] = {"since": top["date"], "until": top.get("last", top["date"])}
    if ranking.min_km is not None:
        result.data["fastest_min_km"] = f"{ranking.min_km:g}"
    period = _record_period(start, end, result.data.get("shifted"))
    result.data["period"] = period.strip()
    noun = _NOUNS.get(sport or "", "activity")
    if not entries:
        if result.fact("count") and result.fact("count").value:  # type: ignore[union-attr]
            if target and order == "fastest":
                result.caveats.append("there are none with a time in this period to rank")
                return
            what = {
                "fastest": f"{noun}s of {ranking.min_km or 0:g} km or more with a time",
                "most_climb": f"{noun}s with an elevation gain",
            }.get(order, f"{noun}s with a distance")
            result.caveats.append(f"there are no {what} in this period to rank")
        return
    timed = order == "fastest" and target is not None
    facts, evidence = _record_facts(entries, order, sport, timed)
    result.facts += facts
    stem = order
    whose_text = whose[:1].upper() + whose[1:]
    if timed and target:
        what = f"{target[0]} race" if race else target[0]
        verdict = f"{whose_text} fastest {what}{period} was {{{stem}_time}}"
        if result.fact(f"{stem}_elapsed"):
            verdict += f" ({{{stem}_elapsed}} elapsed)"
        verdict += f" on {{{stem}_day}}"
        if entries[0]["name"]:
            verdict += f" (“{{{stem}_name}}”)"
        verdict += f": {{{stem}_distance}} at {{{stem}_pace}}"
        notes = result.caveats[-2:] if result.data.get("races_unknown") else result.caveats[-1:]
        evidence += [note[:1].upper() + note[1:] + "." for note in notes]
    elif order == "longest" and getattr(result.fact("count"), "value", 0) == 1:  # "only"
        verdict = (
            f"{whose_text} only {noun}{period} (so {whose} longest) was {{{stem}_distance}} on "
            f"{{{stem}_date}}"
        )
    elif order == "longest":
        verdict = f"{whose_text} longest {noun}{period} was {{{stem}_distance}} on {{{stem}_date}}"
    elif order == "fastest":
        verdict = (
            f"{whose_text} fastest {noun}{period} (of {ranking.min_km:g} km or more) was "
            f"{{{stem}_pace}} over {{{stem}_distance}} on {{{stem}_date}}"
        )
    elif order == "most_climb":
        verdict = (
            f"{whose_text} {noun} with the most climbing{period} was {{{stem}_gain}} up over "
            f"{{{stem}_distance}} on {{{stem}_date}}"
        )
    elif order == "biggest_week":
        of = f" of {_PLURAL.get(sport or '', 'training')}"
        verdict = (
            f"{whose_text} biggest week{of}{period} was {{{stem}_distance}} from "
            f"{{{stem}_start}} to {{{stem}_end}} ({{{stem}_count}})"
        )
    else:
        of = f" of {_PLURAL.get(sport or '', 'training')}"
        verdict = (
            f"{whose_text} biggest month{of}{period} was {{{stem}}}: {{{stem}_distance}} "
            f"({{{stem}_count}})"
        )
    if order in ("longest", "fastest", "most_climb") and entries[0]["name"] and not timed:
        verdict += f" (“{{{stem}_name}}”)"
    margin = ""
    if len(entries) > 1:
        measure = {"fastest": "pace", "most_climb": "gain"}.get(order, "distance")
        measure = "time" if timed else measure
        margin = f"{{{stem}_{measure}}} against {{{stem}_2_{measure}}} for the next"
    caveats = []
    if sport is None and order != "fastest":
        caveats.append("every sport counts; name one (run, ride, swim...) for only that")
    result.caveats += caveats
    result.findings.append(
        Finding(
            topic=order,
            verdict=verdict + ".",
            evidence=tuple(evidence),
            source="your stored activities",
            confidence=1.0,
            margin=margin,
            answers=("extreme",),
            priority=0,
            **_record_value(result, stem, order, timed),
        )
    )


def _record_value(result: ToolResult, stem: str, order: str, timed: bool) -> dict[str, Any]:
    """The record's value as :class:`Finding` keeps it, to set several athletes' side by side:
    the ranking's own score (distance, climb, speed or minus the time: higher wins), shown as
    the record's distance, climb, time or pace."""
    name = {"most_climb": "gain", "fastest": "time" if timed else "pace"}.get(order, "distance")
    fact = result.fact(f"{stem}_{name}")
    entries = result.data.get("ranked") or []
    if fact is None or not entries or not isinstance(entries[0].get("value"), (int, float)):
        return {}
    return {
        "value": float(entries[0]["value"]),
        "shown": fact.render(),
    }


_COUNTED = {"run": "runs", "ride": "rides", "swim": "swims", "walk": "walks", "hike": "hikes",
            "ski": "ski days"}  # fmt: skip
_PLURAL = {"run": "running", "ride": "riding", "swim": "swimming", "walk": "walking",
           "hike": "hiking", "ski": "skiing"}  # fmt: skip


def _record_facts(
    entries: list[dict[str, Any]], order: str, sport: str | None, timed: bool = False
) -> tuple[list[Fact], list[str]]:
    """The facts of the record and of up to two runners-up (``longest_2_distance``...), and
    the evidence lines that name the runners-up; ``timed``: "fastest" at one distance, by
    time."""
    facts: list[Fact] = []
    evidence: list[str] = []
    for place, entry in enumerate(entries[:3], start=1):
        stem = order if place == 1 else f"{order}_{place}"
        summed = order in ("biggest_week", "biggest_month")
        digits = 1 if summed else 2  # one activity's distance reads as its row does
        facts.append(Fact(f"{stem}_distance", entry["distance_km"], "km", digits=digits))
        if summed:
            unit = _COUNTED.get(sport or "", "sessions")
            facts.append(Fact(f"{stem}_count", entry["count"], unit))
            facts.append(Fact(f"{stem}_time", entry["hours"], "h"))
            if order == "biggest_week":
                facts.append(Fact(f"{stem}_start", entry["date"]))
                facts.append(Fact(f"{stem}_end", entry["last"]))
                said = f"{{{stem}_distance}} from {{{stem}_start}} to {{{stem}_end}}"
            else:
                facts.append(Fact(stem, entry["label"]))
                said = f"{{{stem}}}: {{{stem}_distance}}"
        else:
            facts.append(Fact(f"{stem}_date", entry["date"]))
            facts.append(Fact(f"{stem}_name", escape(entry["name"])))  # quotable in Markdown
            if timed:
                moving, elapsed = entry["moving_s"], entry["elapsed_s"]
                facts.append(Fact(f"{stem}_time", clock_text(moving)))
                if elapsed and elapsed - moving >= ELAPSED_SAID_S:
                    facts.append(Fact(f"{stem}_elapsed", clock_text(elapsed)))
                facts.append(Fact(f"{stem}_day", day_words(date.fromisoformat(entry["date"]))))
                pace, unit = _speed_text(entry["km_per_s"], sport).split(" ", 1)
                facts.append(Fact(f"{stem}_pace", pace if ":" in pace else float(pace), unit))
                said = f"{{{stem}_time}} on {{{stem}_day}}"
            elif order == "fastest":
                pace, unit = _speed_text(entry["value"], sport).split(" ", 1)
                value = pace if ":" in pace else float(pace)
                facts.append(Fact(f"{stem}_pace", value, unit))
                said = f"{{{stem}_pace}} over {{{stem}_distance}} on {{{stem}_date}}"
            elif order == "most_climb":
                facts.append(Fact(f"{stem}_gain", round(entry["value"]), "m"))
                said = f"{{{stem}_gain}} up over {{{stem}_distance}} on {{{stem}_date}}"
            else:
                said = f"{{{stem}_distance}} on {{{stem}_date}}"
            if entry["name"]:
                said += f" (“{{{stem}_name}}”)"
        if place > 1:
            evidence.append(f"{'Next' if place == 2 else 'Then'}: {said}.")
    return facts, evidence


_PERIOD_AMOUNT = (
    r"(?:km|kms|kilomet(?:re|er)s?|miles?|mileage|distance|volume|running|training|runs?|"
    r"kilometrage)"
)
_BIG = r"(?:biggest|largest|highest|heaviest|busiest|best|record|top)"
_ORDER_PATTERNS = (
    (
        "biggest_week",
        rf"\b{_BIG} (?:{_PERIOD_AMOUNT} |ever )?(?:training )?week\b"
        rf"|\bmost {_PERIOD_AMOUNT}(?: (?:i (?:ever )?(?:did|ran|have done|'ve done|'ve ever done"
        r"|have ever done|have ever run|'ve ever run)|(?:ever )?done|(?:ever )?run))? "
        r"(?:in|during) (?:a|one|any|a single|one single) (?:single |calendar )?week\b",
    ),
    (
        "biggest_month",
        rf"\b{_BIG} (?:{_PERIOD_AMOUNT} |ever )?(?:training )?month\b"
        rf"|\bmost {_PERIOD_AMOUNT}(?: (?:i (?:ever )?(?:did|ran|have done|'ve done|'ve ever done"
        r"|have ever done|have ever run|'ve ever run)|(?:ever )?done|(?:ever )?run))? "
        r"(?:in|during) (?:a|one|any|a single|one single) (?:single |calendar )?month\b",
    ),
    (
        "most_climb",
        r"\b(?:most|biggest|largest) (?:climbing|climb|elevation|ascent|vert|vertical|hills?)\b"
        r"|\bhilliest\b|\bmost hilly\b|\bmost elevation gain\b",
    ),
    (
        "longest",
        r"\b(?:pbs?|prs?|record|best)(?:-?ish)? (?:long run|distance)\b"
        r"|\blong (?:run|distance) (?:pbs?|prs?|record)\b",
    ),
    (
        "fastest",
        r"\b(?:fastest|quickest|speediest)\b|\bbest (?:average )?(?:pace|speed)\b"
        r"|\b(?:pbs?|prs?|personal (?:bests?|records?)|record times?)\b"
        r"|\bbest (?:\S+ ){0,3}times?\b(?! (?:of|to|for)\b)"
        # "is my 10k time good?": the time of that distance is its best
        r"|\b(?:\d+ ?(?:km|k)|half(?:[- ]marathon)?|marathon) (?:race )?times?\b",
    ),
    (
        "longest",
        r"\b(?:longest|furthest|farthest)\b"
        r"|\b(?:biggest|largest) (?:run|ride|swim|walk|hike|activity|workout|session)\b",
    ),
)


def read_order(text: str) -> str | None:
    """The record a message asks for: "longest run in 2025" -> ``longest``, "fastest run" ->
    ``fastest``, "biggest week" / "most km in a week" -> ``biggest_week``, "biggest month",
    "most climbing"; None when it asks for no record."""
    for order, pattern in _ORDER_PATTERNS:
        if re.search(pattern, text):
            return order
    return None


_UNIT = r"(km|kms|k|kilomet(?:re|er)s?|mi|miles?)"
_AMOUNT = rf"(\d{{1,3}}(?:\.\d+)?) ?{_UNIT}\b"
_NAMED = r"(?:an? |the )?(half[- ]?marathon|half|marathon|10 ?k|10 ?km|5 ?k|5 ?km)\b"
_AT_LEAST = (
    r"(?:\b(?:over|more than|longer than|further than|farther than|above|at least|greater than"
    r"|beyond|min(?:imum)?(?: of)?)|>=?) ?"
)
_OR_MORE = r" ?(?:\+|or (?:more|longer|further|farther|over|above)\b)"


def read_min_km(text: str) -> float | None:
    """The shortest distance a message asks for, in km: "runs over 30 km" -> 30, "longer than
    20k" -> 20, "10 miles or more" -> 16.09, "longer than a half marathon" -> 21.1."""
    for pattern in (rf"{_AT_LEAST}{_AMOUNT}", rf"\b{_AMOUNT}{_OR_MORE}"):
        if m := re.search(pattern, text):
            km = float(m[1]) * (MILE_KM if m[2].startswith("mi") else 1.0)
            return round(km, 2)
    if m := re.search(rf"{_AT_LEAST}{_NAMED}", text):
        found = race_distance(m[1])
        return round(found[1], 2) if found else None
    return None


_BEST = r"(?:fastest|quickest|best|slowest|my|a|that|the|last)"
#: The race distances a message can name: (pattern, the distance, or None to read group 1).
_DISTANCE_PATTERNS: tuple[tuple[str, str | None], ...] = (
    (
        r"\bhalf[- ]?marathons?\b|\bhalf[- ]mara\b|\bhalves\b"
        rf"|\b{_BEST} half\b(?! (?:of|the|a|an|year|hour|way|my|day|term|season))",
        "half marathon",
    ),
    (r"\bmarathons?\b(?! (?:training|build|block|plan|prep|pace|cycle|season|effort))", "marathon"),
    (r"\b((?:10|ten)[- ]?(?:miles?|miler|m))\b", None),
    (r"\b((?:4|four|5|five)[- ]?(?:miler|mile))\b", None),
    (rf"\b{_BEST} mile\b(?! (?:split|pace|repeat|rep))|\bmile (?:race|time|pb|pr)\b", "mile"),
    (r"\b((?:5|8|10|15) ?(?:k|km|kms))\b", None),
    # one run named by its distance in a question about it: "was her 37k in Budapest too long?"
    (
        r"\b(?:the|my|her|his|their|that|this|\w+'s) (\d{2}(?:\.\d)?) ?(?:k|km|kms)\b"
        r"(?! (?:race|pb|pr))",
        None,
    ),
    (r"\b(\d{1,3}(?:\.\d+)? ?(?:k|km|kms))(?= (?:race|pb|pr|time|best|record)\b)", None),
    (r"\b(?:fastest|quickest|slowest) (\d{1,3}(?:\.\d+)? ?(?:k|km|kms))\b", None),
)


#: A race trained for, not a distance to filter by: "ready for a fall marathon", "training for
#: my first half".
_RACE_AHEAD = re.compile(
    r"\b(?:ready|prepare|prepared|train|training|build|building|prep|enough) (?:\w+ ){0,2}for "
    r"(?:a |an |my |the |her |his |their )?(?:\w+ )?(?:half[- ]?marathon|marathon|half|ultra"
    r"|\d+ ?km?|10 ?k|5 ?k)\b"
)


def read_distance(text: str) -> str | None:
    """The race distance a message names: "fastest 10K race" -> "10K", "my marathon PB" ->
    "marathon", "fastest half" -> "half marathon"; a distance read as a minimum ("runs over
    30 km") is not one."""
    rest = re.sub(rf"{_AT_LEAST}(?:{_AMOUNT}|{_NAMED})|\b{_AMOUNT}{_OR_MORE}", " ", text)
    rest = _RACE_AHEAD.sub(" ", rest)
    for pattern, name in _DISTANCE_PATTERNS:
        if m := re.search(pattern, rest):
            found = race_distance(name or m[1])
            if found:
                return found[0]
    return None


_RACE_ASIDE = re.compile(
    r"\b(?:since|after|before|until|from|to|for) (?:my |the |her |his |their |a )?"
    r"(?:last |latest |recent |next |upcoming )?race\b"
)


def read_race(text: str) -> bool | None:
    """True when a message asks for races ("list my races in 2025", "fastest 10K race"); a
    race named as a moment ("since my last race") or a kind of effort ("race pace") is not."""
    rest = _RACE_ASIDE.sub(" ", text)
    pattern = (
        r"\b(?:race|races|raced|racing)\b(?! (?:pace|day|week|prep|plan|shoes|flats|kit"
        r"|nutrition|fuel|effort|simulation|rehearsal|morning|strategy))"
    )
    return True if re.search(pattern, rest) else None


def no_activities(ctx: ToolContext, advice: str) -> str:
    """What to say when an athlete has nothing stored: ``advice`` on importing for themselves;
    a coach is told the athlete has nothing yet (only the athlete can bring their data in)."""
    if ctx.about_someone_else:
        return (
            f"{ctx.who} has no activities stored yet. They can import files or connect Strava "
            "from their own account."
        )
    return advice


def _none_match(
    ctx: ToolContext,
    start: datetime | None,
    end: datetime | None,
    sport: str | None,
    what: str | None = None,
) -> str:
    """Why nothing matched: no activities at all (import some), or none in the period asked,
    with the date of the athlete's latest one."""
    with ctx.session() as session:
        latest = stored_activities(session, ctx.actor, ctx.athlete_id, sport=sport, limit=1)
        if not latest and sport:
            latest = stored_activities(session, ctx.actor, ctx.athlete_id, limit=1)
            sport = None
        last = latest[0].start_time.date().isoformat() if latest else None
    if last is None:
        return no_activities(ctx, NONE_MATCH)
    kind = _COUNTED.get(sport or "", "activities")
    one = kind[:-1] if kind != "activities" else "activity"
    return f"No {what or kind} {_period_words(start, end)}. The latest {one} stored is from {last}."


def _period_words(start: datetime | None, end: datetime | None) -> str:
    if start and end:
        return f"from {start.date().isoformat()} to {(end - timedelta(days=1)).date().isoformat()}"
    if start:
        return f"since {start.date().isoformat()}"
    if end:
        return f"before {end.date().isoformat()}"
    return "match"


def _phrase(result: ToolResult, most: int = 10) -> str:
    if result.ok and result.data.get("order"):
        return _phrase_record(result)
    if result.ok and result.data.get("detailed"):
        return _phrase_details(result)
    rows = result.data.get("rows") or []
    if result.data.get("since") and result.data.get("until"):
        most = LISTED  # a month or a week asked for: every one of it, up to the listed 20
    lines = []
    for row in rows[:most]:
        parts = [str(row.get("start_time") or "")[:10], str(row.get("sport", ""))]
        if row.get("distance_km") is not None:
            parts.append(f"{row['distance_km']:.2f} km")  # as a watch shows it
        if row.get("time"):
            parts.append(row["time"])
        if row.get("name"):
            parts.append(f"“{escape(row['name'])}”")
        lines.append("- " + " · ".join(p for p in parts if p))
    listed = [f for f in result.facts if not _verdict_fact(f)]
    if headline := _headline(result):  # "**September 2025**: 15 runs, 128.80 km, 13.8 h"
        lines.insert(0, headline)
        listed = [f for f in listed if f.name not in _TOTALS]
        if len(rows) > most:
            lines.append("- … and older ones, counted in the totals above")
        if not listed:  # how sure is still said
            lines += ["", confidence_sentence(result.confidence, result.reasons)]
    elif len(rows) > most:
        lines.append("- … and the others in the count below")
    return standard_reply(replace(result, facts=listed), lines)


_TOTALS = ("count", "total_distance", "total_time")


def _headline(result: ToolResult) -> str:
    """A dated listing's period by name and its totals, first: what "how many km did Ann run in
    September?" asks, before the list of what she ran."""
    title = result.data.get("title")
    totals = [f for name in _TOTALS if (f := result.fact(name)) is not None]
    if not title or len(totals) != len(_TOTALS):
        return ""
    return f"**{title}**: " + ", ".join(f.render() for f in totals) + "\n"


def _period_title(data: dict[str, Any]) -> str:
    """The period listed, as a person names it: "September 2025", "2024", "3 Nov 2026 to 9 Nov
    2026" (the period the data reaches when it was moved there); "" for one not bounded."""
    since, until = data.get("since"), data.get("until")
    if shifted := data.get("shifted"):
        since, until = shifted["from"], shifted["to"]
    if not (since and until):
        return ""
    start, end = date.fromisoformat(str(since)[:10]), date.fromisoformat(str(until)[:10])
    month_end = calendar.monthrange(end.year, end.month)[1]
    if (start.year, start.month, start.day) == (end.year, end.month, 1) and end.day == month_end:
        return f"{calendar.month_name[start.month]} {start.year}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{day_words(start)} to {day_words(end)}"


def _phrase_details(result: ToolResult) -> str:
    """One to three activities: each one's details, then (for more than one) the totals."""
    lines = [f.verdict for f in result.rendered_findings("lookup")]
    many = (result.data.get("detailed") or 0) > 1
    totals = [f for f in result.facts if many and f.name in ("total_distance", "total_time")]
    if not totals:  # the figures are in the lines; how sure is still said
        lines += ["", confidence_sentence(result.confidence, result.reasons)]
    return standard_reply(replace(result, facts=totals), lines)


def _phrase_record(result: ToolResult) -> str:
    """A record's reply: the verdict first, then the top few ranked, then the period's totals."""
    lines = [f.verdict for f in result.rendered_findings("extreme")[:1]]
    entries = result.data.get("ranked") or []
    if entries:
        lines.append("")
    for place, entry in enumerate(entries[:RANKED], start=1):
        if "label" in entry:
            parts = [entry["label"], entry["shown"]]
        else:
            parts = [entry["date"], entry["sport"], entry["shown"]]
            if entry.get("name"):
                parts.append(f"“{escape(entry['name'])}”")
        lines.append(f"{place}. " + " · ".join(parts))
    if entries:
        lines.append("")
    totals = [f for f in result.facts if f.name in ("count", "total_distance", "total_time")]
    return standard_reply(replace(result, facts=totals), lines)


def _ranking(results: Sequence[ToolResult]) -> str:
    """A coach's athletes ranked by distance over the same period and sport."""
    rows = []
    for result in results:
        if not result.ok:
            continue

        def value(name: str, result: ToolResult = result) -> float:
            fact = result.fact(name)
            return float(fact.value) if fact else 0.0

        listed = result.data.get("rows") or []
        latest = str(listed[0].get("date") or "") if listed else ""
        rows.append((result.data.get("athlete", ""), value("count"), value("total_distance"),
                     value("total_time"), result.message, "shifted" in result.data,
                     latest))  # fmt: skip
    rows.sort(key=lambda r: -r[2])
    first = results[0].data if results else {}
    scope = _period_words(
        parse_day(first["since"]) if first.get("since") else None,
        parse_day(first["until"], end=True) if first.get("until") else None,
    )
    sport = first.get("sport") or "all sports"
    lines = [f"**Your athletes, {sport}, {'all time' if scope == 'match' else scope}**", ""]
    if rows and rows[0][2] > 0:
        if rows[0][2] == rows[-1][2]:
            every = "Both" if len(rows) == 2 else f"All {len(rows)}"
            lines.append(f"{every} covered the same distance: {rows[0][2]:.1f} km.")
        else:
            for label, km in (("Most", rows[0][2]), ("Least", rows[-1][2])):
                names = ", ".join(escape(r[0]) for r in rows if r[2] == km)
                lines.append(f"{label}: {names} ({km:.1f} km).")
    lines += ["", "| Athlete | Activities | km | Hours | Latest |", "|---|---|---|---|---|"]
    for name, count, km, hours, _, _, latest in rows:
        lines.append(f"| {escape(name)} | {count:.0f} | {km:.1f} | {hours:.1f} | {latest or '–'} |")
    lines += [f"- {escape(r[0])}: {r[4]}" for r in rows if (r[1] == 0 or r[5]) and r[4]]
    return "\n".join(lines)


SPEC = ToolSpec(
    name=TOOL,
    function=list_activities,
    summary="list your training by date and sport, with totals",
    examples=(
        "what did I run last month?",
        "my last 5 runs",
        "how many km did I run this week",
        "show me my rides since March",
        "how far did I swim in 2025",
        "list everything I did yesterday",
        "what was my longest run this year",
        "how many times did I go running in October",
        "total distance for the past 30 days",
        "did I do anything on saturday",
        "what is my marathon personal best",
        "my quickest half marathon race",
        "when was my last run?",
        "when was Bob's last run",
        "when did Sam last run?",
        "was my 25k on march 3 too long for that week?",
        "was the 32k on 5 october too much?",
        "was her 18 miler in Berlin too long?",
        "what was my average heart rate in the 2019 berlin marathon?",
        "how many runs have I logged on strava?",
        "according to strava, how far did I ride in 2024?",
        "how many times have I gone skiing?",
        "is my 10k time good?",
        "is my marathon time decent for my age?",
    ),
    phrase=_phrase,
    phrase_many=_ranking,
    readers={
        "order": read_order,
        "distance": read_distance,
        "race": read_race,
        "min_km": read_min_km,
    },
    dated_answers=frozenset({"judgement", "should"}),
)
