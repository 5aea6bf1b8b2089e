"""The ``compare_training`` tool: the last few weeks of training against the same number of weeks
before them, the way a coach lays two blocks side by side.

Both periods are whole days ending today: the later one is the ``weeks`` × 7 days up to
and including it, the earlier one the same number of days before that. When neither holds
anything because the athlete's data ends long before today, the later one ends at the latest
activity instead, and the reply says so first. Running volume, sessions,
the long run, running pace and heart rate come from the stored activities; training load from the
same session loads as ``training_load`` (one scale for every sport).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from tools.activities import no_activities, pace_text, shift_words
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, Finding, ToolResult
from tools.spec import ToolSpec
from tools.trends.history import history
from tools.trends.training_load import NO_ACTIVITIES, SCALE, load_report

if TYPE_CHECKING:
    import pandas as pd

TOOL = "compare_training"
MAX_WEEKS = 26
#: Two years set against each other: "was 2023 a bigger year than 2022?", "2024 vs 2023".
TWO_YEARS = (
    r"\b((?:19|20)\d\d)\b[^.?!]{0,40}\b(?:than|vs\.?|versus|compared (?:to|with)|against"
    r"|or)\b(?: in| with)? ((?:19|20)\d\d)\b"
)


def two_years(text: str) -> str | None:
    """ "2023,2022" from "was 2023 a bigger year than 2022?", or None."""
    found = re.search(TWO_YEARS, text)
    return f"{found[1]},{found[2]}" if found and found[1] != found[2] else None


@dataclass(frozen=True)
class Block:
    """One period's training."""

    first: date
    last: date
    run_km: float
    runs: int
    sessions: int
    hours: float
    long_run_km: float | None
    load: float
    pace_s_per_km: float | None  # running time over running distance
    avg_hr: float | None  # of runs with heart rate, weighted by their duration

    def words(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def compare_training(ctx: ToolContext, weeks: int = 4, years: str | None = None) -> ToolResult:
    """Compare the last ``weeks`` weeks of training, up to today, with the same number of weeks
    before them: running distance and sessions, the long run, hours of all sports, training load,
    running pace and heart rate. With ``years``, two calendar years instead.

    Args:
        weeks: how many weeks in each of the two periods compared (1-26).
        years: two calendar years, the one asked about first ("2023,2022": was 2023 bigger
            than 2022?).
    """
    if years:
        return _two_years(ctx, years)
    if not 1 <= weeks <= MAX_WEEKS:
        return ToolResult.failure(TOOL, f"Compare between 1 and {MAX_WEEKS} weeks at a time.")
    end = ctx.day
    stored = history(ctx)
    report = load_report(ctx, end, stored)
    frame = report.sessions.frame
    if frame.empty:
        return ToolResult.failure(TOOL, no_activities(ctx, NO_ACTIVITIES))
    days = 7 * weeks
    later = _block(frame, end - timedelta(days=days - 1), end)
    shifted: dict[str, str] = {}
    if frame["date"].max().date() < end - timedelta(days=2 * days - 1):
        # Both periods are empty: the data ends long before today, so its last weeks are
        # compared (a later period empty after a full earlier one is a real break, and shown).
        end = frame["date"].max().date()
        frame = load_report(ctx, end, stored).sessions.frame
        later = _block(frame, end - timedelta(days=days - 1), end)
        shifted = {"from": later.first.isoformat(), "to": end.isoformat()}
        shifted["latest"] = end.isoformat()
    earlier = _block(frame, later.first - timedelta(days=days), later.first - timedelta(days=1))
    facts = _facts(earlier, later)
    change = _change_pct(earlier.run_km, later.run_km)
    if change is not None:
        facts.append(Fact("run_km_change_pct", change, "%"))
    load_change = _change_pct(earlier.load, later.load)
    if load_change is not None:
        facts.append(Fact("load_change_pct", load_change, "%"))
    reasons = ["distances and times are the stored activities' own"]
    caveats = []
    if min(earlier.runs, later.runs) < 3:
        caveats.append("a period has fewer than 3 runs, so its pace and heart rate say little")
    message = ""
    if shifted:
        message = shift_words(ctx, end, days).replace(
            f"the {days} days to that day",
            f"the {_weeks_words(weeks)} to that day against the {_weeks_words(weeks)} before",
        )
    return ToolResult(
        tool=TOOL,
        message=message,
        facts=facts,
        confidence=0.9 if min(earlier.sessions, later.sessions) else 0.7,
        data={
            "weeks": weeks,
            "whose": ctx.whose,
            "before": _row(earlier),
            "after": _row(later),
            "run_km_change_pct": change,
            "run_km_change_words": (
                f"{abs(change)} % {'more' if change >= 0 else 'less'}" if change is not None else ""
            ),
            "load_change_pct": load_change,
            "scale": SCALE,
            **({"shifted": shifted} if shifted else {}),
        },
        reasons=reasons,
        caveats=caveats,
    )


def _facts(earlier: Block, later: Block) -> list[Fact]:
    """Each measure of the two periods as a fact: ``run_km_before``, ``run_km_after`` ..."""
    return [
        Fact(f"{key}_{when}", value, unit)
        for when, block in (("before", earlier), ("after", later))
        for key, value, unit in _measures(block)
        if value is not None
    ]


def _two_years(ctx: ToolContext, years: str) -> ToolResult:
    """One calendar year against another ("was 2023 a bigger year than 2022?"), led by which
    had more running."""
    try:
        asked, other = (int(y) for y in years.split(","))
    except ValueError:
        return ToolResult.failure(TOOL, "Name two years to compare, for example 2023 and 2022.")
    frame = load_report(ctx, ctx.day, history(ctx)).sessions.frame
    if frame.empty:
        return ToolResult.failure(TOOL, no_activities(ctx, NO_ACTIVITIES))
    later, earlier = (
        _block(frame, date(year, 1, 1), min(date(year, 12, 31), ctx.day)) for year in (asked, other)
    )
    facts = _facts(earlier, later)
    facts += [Fact("year_asked", asked), Fact("year_other", other)]
    change = _change_pct(earlier.run_km, later.run_km)
    if change is not None:
        facts.append(Fact("run_km_change_pct", abs(change), "%"))
    if later.run_km == earlier.run_km:
        lead = "The two years had the same running: {run_km_after} each."
    else:
        bigger = "{year_asked}" if later.run_km > earlier.run_km else "{year_other}"
        more = "more" if later.run_km > earlier.run_km else "less"
        lead = (
            f"{bigger} was the bigger year: {{run_km_after}} of running in {{year_asked}} "
            "({runs_after} runs) against {run_km_before} in {year_other} ({runs_before} runs)"
        )
        lead += f", {{run_km_change_pct}} {more}." if change is not None else "."
    result = ToolResult(
        tool=TOOL,
        facts=facts,
        confidence=0.9,
        data={
            "weeks": 52,
            "whose": ctx.whose,
            "years": [asked, other],
            "before": _row(earlier) | {"period": str(other)},
            "after": _row(later) | {"period": str(asked)},
            "run_km_change_pct": change,
            "scale": SCALE,
        },
        reasons=["distances and times are the stored activities' own"],
        findings=[
            Finding(
                topic="two_years",
                verdict=lead,
                evidence=(
                    "Longest run: {long_run_km_after} in {year_asked}, "
                    "{long_run_km_before} in {year_other}.",
                )
                if later.long_run_km and earlier.long_run_km
                else (),
                confidence=0.9,
                answers=("judgement", "trend", "extreme", "lookup"),
                priority=0,
            )
        ],
    )
    result.message = result.findings[0].render(result.facts).verdict
    return result


def _weeks_words(weeks: int) -> str:
    return "week" if weeks == 1 else f"{weeks} weeks"


def _block(frame: pd.DataFrame, first: date, last: date) -> Block:
    import pandas as pd

    inside = frame[(frame["date"] >= pd.Timestamp(first)) & (frame["date"] <= pd.Timestamp(last))]
    runs = inside[(inside["sport"] == "run") & (inside["distance_km"] > 0)]  # runs, not walks
    km = float(runs["distance_km"].sum())
    minutes = float(runs["duration_min"].sum())
    timed = runs[runs["avg_hr"].notna() & (runs["duration_min"] > 0)]
    avg_hr = (
        float((timed["avg_hr"] * timed["duration_min"]).sum() / timed["duration_min"].sum())
        if len(timed)
        else None
    )
    return Block(
        first=first,
        last=last,
        run_km=km,
        runs=len(runs),
        sessions=len(inside),
        hours=float(inside["duration_min"].fillna(0).sum()) / 60.0,
        long_run_km=float(runs["distance_km"].max()) if len(runs) else None,
        load=float(inside["load"].sum()),
        pace_s_per_km=minutes * 60.0 / km if km > 0 and minutes > 0 else None,
        avg_hr=avg_hr,
    )


def _measures(block: Block) -> list[tuple[str, Any, str]]:
    """(name, value as shown, unit) of each of a block's measures."""
    return [
        ("run_km", round(block.run_km, 1), "km"),
        ("runs", block.runs, ""),
        ("sessions", block.sessions, ""),
        ("hours", round(block.hours, 1), "h"),
        ("long_run_km", round(block.long_run_km, 1) if block.long_run_km else None, "km"),
        ("load", round(block.load), "load"),
        ("pace", pace_text(block.pace_s_per_km / 60.0) if block.pace_s_per_km else None, "/km"),
        ("avg_hr", round(block.avg_hr) if block.avg_hr is not None else None, "bpm"),
    ]


def _change_pct(before: float, after: float) -> float | None:
    return round((after - before) / before * 100.0) if before > 0 else None


def _row(block: Block) -> dict[str, Any]:
    return {"period": block.words()} | {key: value for key, value, _ in _measures(block)}


ROWS = (
    ("Running km", "run_km", ""),
    ("Runs", "runs", ""),
    ("All sessions", "sessions", ""),
    ("Hours, all sports", "hours", ""),
    ("Longest run", "long_run_km", " km"),
    ("Training load", "load", ""),
    ("Running pace", "pace", " /km"),
    ("Running heart rate", "avg_hr", " bpm"),
)


def _cell(value: Any, unit: str) -> str:
    return "–" if value is None else f"{value}{unit}"


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    before, after = data["before"], data["after"]
    weeks = data["weeks"]
    span = "week against the week" if weeks == 1 else f"{weeks} weeks against the {weeks} weeks"
    lines = [result.message, ""] if result.message else []
    if data.get("years"):
        lines.append(
            f"**{data['whose'].capitalize()} {after['period']} against {before['period']}**"
        )
    elif data.get("shifted"):
        span = span.replace("against", f"to {data['shifted']['to']} against", 1)
        lines.append(f"**{data['whose'].capitalize()} {span} before**")
    else:
        lines.append(f"**{data['whose'].capitalize()} last {span} before**")
    lines.append("")
    if data.get("run_km_change_words"):
        lines.append(
            f"Running: {after['run_km']} km against {before['run_km']} km, "
            f"{data['run_km_change_words']}."
        )
    lines += [
        "",
        f"| | {before['period']} | {after['period']} |",
        "|---|---|---|",
        *(
            f"| {label} | {_cell(before[key], unit)} | {_cell(after[key], unit)} |"
            for label, key, unit in ROWS
        ),
        "",
        f"Load: {data['scale']}.",
    ]
    lines += [f"Note: {c}" for c in result.caveats]
    return "\n".join(lines)


def _roster(results: Sequence[ToolResult]) -> str:
    """A coach's athletes, each one's later block against their earlier one."""
    first = next((r for r in results if r.ok), None)
    if first is None:
        return "\n\n".join(f"**{escape(r.data.get('athlete', ''))}**: {r.message}" for r in results)
    weeks = first.data["weeks"]
    span = "week against the week" if weeks == 1 else f"{weeks} weeks against the {weeks} weeks"
    lines = [
        f"**Your athletes: the last {span} before**",
        "",
        "| Athlete | Running km before | after | change | Load before | after | change |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        name = escape(result.data.get("athlete", ""))
        if not result.ok:
            lines.append(f"| {name} | – | – | – | – | – | – |")
            continue
        data = result.data
        b, a = data["before"], data["after"]
        km_change = _cell(data.get("run_km_change_pct"), " %")
        load_change = _cell(data.get("load_change_pct"), " %")
        lines.append(
            f"| {name} | {b['run_km']} | {a['run_km']} | {km_change} | {b['load']} | "
            f"{a['load']} | {load_change} |"
        )
    lines += [
        f"- {escape(r.data.get('athlete', ''))}: {r.message}"
        for r in results
        if r.message and (not r.ok or r.data.get("shifted"))
    ]
    return "\n".join(lines)


SPEC = ToolSpec(
    name=TOOL,
    function=compare_training,
    summary="compare your last weeks of training with the weeks before",
    examples=(
        "compare my last 4 weeks with the 4 before",
        "how do the last two weeks compare to the two before",
        "compare this month's training with last month's",
        "am I doing more than a month ago",
        "this block vs the previous block",
        "compare Ann's last 4 weeks",
        "compare all my athletes' last 4 weeks",
        "just Sam, last 8 weeks vs the 8 before",
        "last 6 weeks versus the 6 weeks before",
        "is my volume up on the previous four weeks",
        "compare my recent training to before",
        "how does this fortnight stack up against the previous one",
    ),
    phrase=_phrase,
    phrase_many=_roster,
    readers={"years": two_years},
    claims=TWO_YEARS,
)
