"""The ``list_activities`` tool: an athlete's activities with totals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from storage.activities import list_activities as stored_activities
from storage.models import Activity
from tools.context import ToolContext
from tools.importing.sports import SPORTS, normalise_sport
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import ToolSpec

TOOL = "list_activities"
MAX_LIMIT = 1000
#: Without a limit, every match counts in the totals and this many (the newest) are listed.
LISTED = 20
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
) -> ToolResult:
    """List the athlete's activities, newest first, with count, distance and time totals.

    Without ``limit`` the totals cover every match and the newest 20 are listed.

    Args:
        since: the first day, an ISO date (YYYY-MM-DD), included.
        until: the last day, an ISO date (YYYY-MM-DD), included.
        sport: run, ride, swim, walk, hike or other ("running" or "TrailRun" work too).
        limit: how many of the newest to list, e.g. 3 for "my last 3 runs"; the totals then
            cover those.
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
    picked = max(1, min(int(limit), MAX_LIMIT)) if limit else None
    with ctx.session() as session:
        activities = stored_activities(
            session, ctx.actor, ctx.athlete_id, since=start, until=end, sport=wanted, limit=picked
        )
        shown = picked or LISTED
        rows = [activity_row(a) for a in activities[:shown]]
    message = "" if rows else _none_match(ctx, start, end, wanted)
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
        data={"rows": rows, "since": since, "until": until, "sport": wanted, "limit": picked},
        reasons=["listed straight from the stored activities"],
    )
    if len(activities) > len(rows):
        result.caveats.append(f"the newest {len(rows)} are listed; the totals cover all of them")
    return result


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
                     value("total_time"), result.message))  # fmt: skip
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
    for name, count, km, hours, _ in rows:
        lines.append(f"| {escape(name)} | {count:.0f} | {km:.1f} | {hours:.1f} |")
    lines += [f"- {escape(r[0])}: {r[4]}" for r in rows if r[1] == 0 and r[4]]
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
)
