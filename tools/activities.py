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
from tools.context import ToolContext
from tools.importing.sports import SPORTS, normalise_sport
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, Finding, ToolResult
from tools.spec import ToolSpec
from tools.trends.metrics import local_date

TOOL = "list_activities"
MAX_LIMIT = 1000
#: Without a limit, every match counts in the totals and this many (the newest) are listed.
LISTED = 20
#: With ``order``, this many of the top are listed (unless ``limit`` says how many).
RANKED = 5
#: The orders ``list_activities`` ranks by.
ORDERS = ("longest", "fastest", "most_climb", "biggest_week", "biggest_month")
#: The shortest activity that counts for "fastest" (km): a 1 km stroll-out is no record.
FASTEST_MIN_KM = {"run": 3.0, "walk": 3.0, "hike": 3.0, "ride": 10.0, "swim": 0.4}
NONE_MATCH = (
    "No activities match. Import some: drop FIT, GPX or TCX files or your Strava export zip into "
    "the chat (or run `coachg import PATH`), or connect Strava in Settings."
)


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
) -> ToolResult:
    """List the athlete's activities, newest first, with count, distance and time totals; or,
    with ``order``, find the record of the period (the longest run, the biggest week...) and
    list the top few.

    Without ``limit`` the totals cover every match and the newest 20 are listed. When the
    period asked reaches today but holds nothing and older activities exist ("this week" long
    after the data ends), the same length of time up to the latest activity is used, and said.

    Args:
        since: the first day, an ISO date (YYYY-MM-DD), included.
        until: the last day, an ISO date (YYYY-MM-DD), included.
        sport: run, ride, swim, walk, hike or other ("running" or "TrailRun" work too).
        limit: how many of the newest to list, e.g. 3 for "my last 3 runs"; the totals then
            cover those. With ``order``, how many of the top to list (default 5).
        order: rank instead of listing the newest: "longest" (distance), "fastest" (average
            pace, runs of 3 km or more; runs unless another sport is named), "most_climb"
            (elevation gain), "biggest_week" (distance in a Monday-Sunday week) or
            "biggest_month" (distance in a calendar month).
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
    if order == "fastest" and wanted is None:
        wanted = "run"  # a pace compares like with like; a ride is always "faster"
    picked = max(1, min(int(limit), MAX_LIMIT)) if limit else None
    shifted: dict[str, Any] | None = None
    with ctx.session() as session:

        def fetch(first: datetime | None, last: datetime | None) -> list[Activity]:
            return stored_activities(
                session, ctx.actor, ctx.athlete_id, since=first, until=last, sport=wanted,
                limit=None if order else picked,
            )  # fmt: skip

        activities = fetch(start, end)
        if not activities and start and _reaches_today(end, ctx.day):
            latest = stored_activities(session, ctx.actor, ctx.athlete_id, sport=wanted, limit=1)
            if latest and latest[0].start_time < start:
                last_day = latest[0].start_time.date()  # UTC, as the period's filter is
                asked_last = (end - timedelta(days=1)).date() if end else ctx.day
                days = span_days(start.date(), asked_last)
                first_day = last_day - timedelta(days=days - 1)
                start, end = parse_day(first_day.isoformat()), parse_day(last_day.isoformat(), True)
                activities = fetch(start, end)
                shifted = {
                    "from": first_day.isoformat(),
                    "to": last_day.isoformat(),
                    "latest": last_day.isoformat(),
                    "days": days,
                }
        if order:
            ranking = _rank(activities, order, wanted, picked or RANKED)
            rows = ranking.rows
        else:
            ranking = None
            rows = [activity_row(a) for a in activities[: picked or LISTED]]
    if shifted:
        message = shift_words(ctx, date.fromisoformat(shifted["latest"]), shifted["days"], wanted)
    else:
        message = "" if activities else _none_match(ctx, start, end, wanted)
    total_km = sum(a.distance_m or 0.0 for a in activities) / 1000.0
    total_h = sum((a.moving_time_s or a.elapsed_time_s or 0.0) for a in activities) / 3600.0
    result = ToolResult(
        tool=TOOL,
        message=message,
        facts=[
            Fact("count", len(activities), "activities"),
            Fact("total_distance", round(total_km, 1), "km"),
            Fact("total_time", round(total_h, 1), "h"),
        ],
        data={
            "rows": rows,
            "since": since,
            "until": until,
            "sport": wanted,
            "limit": picked,
            "order": order,
        },
        reasons=["listed straight from the stored activities"],
    )
    if shifted:
        result.data["shifted"] = shifted
    if ranking is not None:
        _add_ranking(result, ranking, order or "", wanted, ctx.whose, start, end)
    elif len(activities) > len(rows):
        result.caveats.append(f"the newest {len(rows)} are listed; the totals cover all of them")
    return result


def _reaches_today(end: datetime | None, today: date) -> bool:
    """Whether a period ending at ``end`` (exclusive, None for open) takes in yesterday or today."""
    return end is None or (end - timedelta(days=1)).date() >= today - timedelta(days=1)


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


def day_words(day: date) -> str:
    """A day as a person writes it: ``19 Oct 2025``."""
    return f"{day.day} {day:%b %Y}"


_NOUNS = {"run": "run", "ride": "ride", "swim": "swim", "walk": "walk", "hike": "hike"}


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


def _rank(activities: list[Activity], order: str, sport: str | None, top: int) -> _Ranking:
    """The top ``top`` of ``activities`` by ``order`` (see :func:`list_activities`)."""
    if order in ("biggest_week", "biggest_month"):
        return _rank_periods(activities, order, top, sport)
    min_km = None
    scored: list[tuple[float, Activity, str]] = []
    for activity in activities:
        km = (activity.distance_m or 0.0) / 1000.0
        seconds = activity.moving_time_s or activity.elapsed_time_s or 0.0
        if order == "longest" and km > 0:
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
                "distance_km": round((activity.distance_m or 0.0) / 1000.0, 1),
                "id": activity.id,
            }
        )
    return _Ranking(entries, rows, len(scored), min_km)


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
) -> None:
    """The record's facts, its runners-up as evidence, and the finding that answers "what was
    my longest ...?"."""
    entries = ranking.entries
    result.data["ranked"] = entries
    if ranking.min_km is not None:
        result.data["fastest_min_km"] = f"{ranking.min_km:g}"
    period = _record_period(start, end, result.data.get("shifted"))
    result.data["period"] = period.strip()
    noun = _NOUNS.get(sport or "", "activity")
    if not entries:
        if result.fact("count") and result.fact("count").value:  # type: ignore[union-attr]
            what = {
                "fastest": f"{noun}s of {ranking.min_km or 0:g} km or more with a time",
                "most_climb": f"{noun}s with an elevation gain",
            }.get(order, f"{noun}s with a distance")
            result.caveats.append(f"there are no {what} in this period to rank")
        return
    facts, evidence = _record_facts(entries, order, sport)
    result.facts += facts
    stem = order
    whose_text = whose[:1].upper() + whose[1:]
    if order == "longest":
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
    if order in ("longest", "fastest", "most_climb") and entries[0]["name"]:
        verdict += f" (“{{{stem}_name}}”)"
    margin = ""
    if len(entries) > 1:
        measure = {"fastest": "pace", "most_climb": "gain"}.get(order, "distance")
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
        )
    )


_COUNTED = {"run": "runs", "ride": "rides", "swim": "swims", "walk": "walks", "hike": "hikes"}
_PLURAL = {"run": "running", "ride": "riding", "swim": "swimming", "walk": "walking",
           "hike": "hiking"}  # fmt: skip


def _record_facts(
    entries: list[dict[str, Any]], order: str, sport: str | None
) -> tuple[list[Fact], list[str]]:
    """The facts of the record and of up to two runners-up (``longest_2_distance``...), and
    the evidence lines that name the runners-up."""
    facts: list[Fact] = []
    evidence: list[str] = []
    for place, entry in enumerate(entries[:3], start=1):
        stem = order if place == 1 else f"{order}_{place}"
        facts.append(Fact(f"{stem}_distance", entry["distance_km"], "km"))
        if order in ("biggest_week", "biggest_month"):
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
            facts.append(Fact(f"{stem}_name", entry["name"]))
            if order == "fastest":
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
        rf"|\bmost {_PERIOD_AMOUNT}(?: (?:i (?:did|ran|have done|'ve done)|done|run))? "
        r"(?:in|during) (?:a|one|any|a single|one single) (?:single |calendar )?week\b",
    ),
    (
        "biggest_month",
        rf"\b{_BIG} (?:{_PERIOD_AMOUNT} |ever )?(?:training )?month\b"
        rf"|\bmost {_PERIOD_AMOUNT}(?: (?:i (?:did|ran|have done|'ve done)|done|run))? "
        r"(?:in|during) (?:a|one|any|a single|one single) (?:single |calendar )?month\b",
    ),
    (
        "most_climb",
        r"\b(?:most|biggest|largest) (?:climbing|climb|elevation|ascent|vert|vertical|hills?)\b"
        r"|\bhilliest\b|\bmost hilly\b|\bmost elevation gain\b",
    ),
    (
        "fastest",
        r"\b(?:fastest|quickest|speediest)\b|\bbest (?:average )?(?:pace|speed)\b",
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
    ctx: ToolContext, start: datetime | None, end: datetime | None, sport: str | None
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
    what = {"run": "runs", "ride": "rides", "swim": "swims", "walk": "walks", "hike": "hikes"}
    kind = what.get(sport or "", "activities")
    one = kind[:-1] if kind != "activities" else "activity"
    return f"No {kind} {_period_words(start, end)}. The latest {one} stored is from {last}."


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
    rows = result.data.get("rows") or []
    lines = []
    for row in rows[:most]:
        parts = [str(row.get("start_time") or "")[:10], str(row.get("sport", ""))]
        if row.get("distance_km") is not None:
            parts.append(f"{row['distance_km']} km")
        if row.get("name"):
            parts.append(f"“{escape(row['name'])}”")
        lines.append("- " + " · ".join(p for p in parts if p))
    if len(rows) > most:
        lines.append("- … and the others in the count below")
    return standard_reply(result, lines)


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

        rows.append((result.data.get("athlete", ""), value("count"), value("total_distance"),
                     value("total_time"), result.message, "shifted" in result.data))  # fmt: skip
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
            lines.append(f"All {len(rows)} covered the same distance: {rows[0][2]:.1f} km.")
        else:
            for label, km in (("Most", rows[0][2]), ("Least", rows[-1][2])):
                names = ", ".join(escape(r[0]) for r in rows if r[2] == km)
                lines.append(f"{label}: {names} ({km:.1f} km).")
    lines += ["", "| Athlete | Activities | km | Hours |", "|---|---|---|---|"]
    for name, count, km, hours, *_ in rows:
        lines.append(f"| {escape(name)} | {count:.0f} | {km:.1f} | {hours:.1f} |")
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
    ),
    phrase=_phrase,
    phrase_many=_ranking,
    readers={"order": read_order},
)
