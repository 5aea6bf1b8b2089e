"""The ``coach_overview`` tool: "what should I work on?", "how am I doing?". One to three focus
points, most important first, each with its reason (facts by name) and its source, drawn from
every pillar: pain reported in a check-in, how old the data is, the training load (the weekly
jump, single long-run spikes), how regularly the athlete runs, the latest video analysis and
strength work.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from knowledge.pain import PHYSIO, reported, where
from storage.gait_reports import list_gait_reports
from storage.wellness import finished_entries
from tools.activities import no_activities, pace_text, parse_day
from tools.context import ToolContext
from tools.result import ANSWER_KINDS, Fact, Finding, ToolResult
from tools.spec import ToolSpec
from tools.strength.sessions import strength_sessions_between
from tools.trends.history import history
from tools.trends.training_load import STALE_DAYS, training_load
from tools.words import day_words, gap_words

if TYPE_CHECKING:
    import pandas as pd

TOOL = "coach_overview"
#: At most this many focus points.
MOST = 3
#: The stretch of the latest data that "lately" means.
RECENT_WEEKS = 8
#: Fewer runs than this in the recent weeks and running regularly is the first thing to build.
REGULAR_RUNS = 12
FOCUS_ANSWERS = tuple(ANSWER_KINDS)
SAGARIOTTO = (
    "Saragiotto BT, Yamato TP, Hespanhol Junior LC, Rainbow MJ, Davis IS, Lopes AD. What are the "
    "main risk factors for running-related injuries? Sports Med. 2014;44(8):1153-1163."
)
LAUERSEN = (
    "Lauersen JB, Bertelsen DM, Andersen LB. The effectiveness of exercise interventions to "
    "prevent sports injuries: a systematic review and meta-analysis of randomised controlled "
    "trials. Br J Sports Med. 2014;48(11):871-877."
)
NO_RUNS = (
    "There is nothing to go on yet. Import your runs (drop FIT, GPX or TCX files or your Strava "
    "export zip into the chat, or connect Strava in Settings) and I'll tell you what to work on."
)


#: Fewer runs than this and whether the runner is improving can't be told.
TOO_FEW_RUNS = 10


def coach_overview(ctx: ToolContext, until: str | None = None) -> ToolResult:
    """What the athlete should work on next and how they are doing: one to three focus points,
    most important first, each with its reason and source, from check-ins, training load,
    running regularity, the latest video analysis and strength work.

    Args:
        until: the day to look back from, an ISO date (YYYY-MM-DD); default today.
    """
    import pandas as pd

    if until:
        try:
            ctx = replace(ctx, today=parse_day(until).date())
        except ValueError:
            return ToolResult.failure(TOOL, "Give the date as YYYY-MM-DD, for example 2025-10-19.")
    frame = history(ctx)
    runs = frame[(frame["sport"] == "run") & (frame["date"] <= pd.Timestamp(ctx.day))]
    if runs.empty:
        return ToolResult.failure(TOOL, no_activities(ctx, NO_RUNS))
    latest = runs["date"].max().date()
    start = latest - timedelta(weeks=RECENT_WEEKS)
    recent = runs[runs["date"] > pd.Timestamp(start)]
    whose, who = ctx.whose, ctx.who
    facts = [
        Fact("latest_run", day_words(latest), ""),
        Fact("runs_in_last_weeks", len(recent), "runs"),
        Fact("km_in_last_weeks", round(float(recent["distance_km"].fillna(0).sum()), 1), "km"),
    ]
    findings: list[Finding] = []
    for part in (
        _pain(ctx, latest, whose),
        _break(ctx, latest, recent, whose),
        _regularity(recent, whose),
        *_load(ctx, latest),
        _video(ctx, whose),
        _strength(ctx, start, latest, whose, who),
    ):
        if part is not None:
            facts += part[0]
            findings.append(part[1])
    if len(runs) < TOO_FEW_RUNS:  # "am I improving?" with a run or two: can't tell
        facts.append(Fact("runs_stored", len(runs), "runs"))
        are = "are" if who == "you" else "is"
        findings.append(
            Finding(
                topic="too_few",
                verdict=f"I can't tell yet whether {who} {are} improving: there "
                + (
                    "is only {runs_stored} stored, on "
                    if len(runs) == 1
                    else "are only {runs_stored} stored, the latest on "
                )
                + "{latest_run}.",
                action="Import or sync more of your runs, and ask again.",
                confidence=0.9,
                answers=("trend",),
                priority=0,
            )
        )
    findings.sort(key=lambda f: f.priority)
    if not findings:
        findings.append(
            Finding(
                topic="keep_going",
                verdict=f"Keep doing what {who} {'are' if who == 'you' else 'is'} doing: "
                f"{{runs_in_last_weeks}} in the {RECENT_WEEKS} weeks to {{latest_run}}, "
                "{km_in_last_weeks}, with no jump, spike or warning sign in the data.",
                confidence=0.7,
                answers=FOCUS_ANSWERS,
                priority=9,
            )
        )
    return ToolResult(
        tool=TOOL,
        facts=facts,
        findings=findings[:MOST],
        data={"latest_run": latest.isoformat(), "focus": [f.topic for f in findings[:MOST]]},
        confidence=min(f.confidence for f in findings[:MOST]),
        reasons=["from the stored runs, check-ins, video analyses and strength log"],
    )


Part = tuple[list[Fact], Finding]


def _pain(ctx: ToolContext, latest: date, whose: str) -> Part | None:
    """Pain to get assessed, from a check-in of the last two weeks of data."""
    with ctx.session() as session:
        entries = finished_entries(session, ctx.actor, ctx.athlete_id, limit=2)
        said = [
            (e.week, str((e.answers.get("pain") or {}).get("words") or ""))
            for e in entries
            if e.week >= (max(latest, ctx.day) - timedelta(days=14)).isoformat()
        ]
    words = next((w for _, w in said if reported(w)), None)
    if words is None:
        return None
    place = where(words) or "pain"
    return [], Finding(
        topic="pain",
        verdict=f"First, get the {place} assessed by {PHYSIO} before running on it: "
        f"{whose} last check-in reported it (“{words[:80]}”).",
        action="No running through pain until someone has examined it.",
        source="Coach G's rule: pain comes first",
        confidence=0.9,
        answers=FOCUS_ANSWERS,
        priority=0,
    )


def _break(ctx: ToolContext, latest: date, recent: pd.DataFrame, whose: str) -> Part | None:
    """A long gap since the latest run: build back gradually."""
    gap = (ctx.day - latest).days
    if gap <= STALE_DAYS:
        return None
    weeks = max(1, RECENT_WEEKS)
    average = round(float(recent["distance_km"].sum()) / weeks, 1)
    facts = [
        Fact("days_since_latest_run", gap, "days"),
        Fact("time_since_latest_run", gap_words(gap), ""),
        Fact("average_week_before_break", average, "km"),
        Fact("longest_run_before_break", round(float(recent["distance_km"].max()), 1), "km"),
    ]
    paces = recent["pace_s_per_km"].dropna()
    evidence = [
        f"In the {RECENT_WEEKS} weeks before the break {whose} weeks averaged "
        "{average_week_before_break} and the longest run was {longest_run_before_break}."
    ]
    easy = "short, easy runs"
    if len(paces) >= REGULAR_RUNS:  # the usual pace then: the first runs go slower than it
        facts.append(Fact("usual_pace_before_break", pace_text(float(paces.median()) / 60), "/km"))
        evidence.append(f"{whose.capitalize()} usual pace then was {{usual_pace_before_break}}.")
        easy = "short, easy runs, slower than that usual pace,"
    return facts, Finding(
        topic="break",
        verdict=f"Build back gradually: {whose} latest run is {{latest_run}}, "
        "{days_since_latest_run} ago ({time_since_latest_run}), so start well below where "
        f"{ctx.who} left off.",
        evidence=tuple(evidence),
        action=f"Begin with {easy} a few times a week and add a little each week; "
        "import any newer runs so I can see where you are now.",
        source=SAGARIOTTO,
        confidence=0.8,
        margin="I can't see any training after the latest run; if there is some, import it.",
        answers=FOCUS_ANSWERS,
        priority=1,
    )


def _regularity(recent: pd.DataFrame, whose: str) -> Part | None:
    """Too few runs lately to build on: run regularly first."""
    if len(recent) >= REGULAR_RUNS:
        return None
    return [], Finding(
        topic="regularity",
        verdict=f"Run regularly: {whose} data holds only {{runs_in_last_weeks}} in the "
        f"{RECENT_WEEKS} weeks to {{latest_run}}.",
        action="Aim for three or four easy runs a week before anything harder; log them all.",
        confidence=0.7,
        answers=FOCUS_ANSWERS,
        priority=2,
    )


def _load(ctx: ToolContext, latest: date) -> list[Part]:
    """The jump and spike findings of the load report as of the latest run."""
    result = training_load(ctx, until=latest.isoformat())
    if not result.ok:
        return []
    wanted = {"weekly_jump": 3, "spike": 4}
    parts = []
    for finding in result.findings:
        if finding.topic in wanted and "No big jump" not in finding.verdict:
            rendered = finding.render(result.facts)
            verdict = rendered.verdict.removeprefix("Yes, that was a big jump: ")
            focus = Finding(
                topic=finding.topic,
                verdict=f"Build up more gradually: {verdict}"
                if finding.topic == "weekly_jump"
                else f"Keep long runs in step: {rendered.verdict}",
                action=rendered.action,
                source=finding.source,
                confidence=finding.confidence,
                answers=FOCUS_ANSWERS,
                priority=wanted[finding.topic],
            )
            parts.append(([], focus))
    return parts


def _video(ctx: ToolContext, whose: str) -> Part | None:
    """The first out-of-range finding of the latest video analysis, with its note."""
    with ctx.session() as session:
        reports = list_gait_reports(session, ctx.actor, ctx.athlete_id, limit=1)
        if not reports:
            return None
        report, when = reports[0].report, reports[0].created_at.date()
    tips = report.get("advice") or []
    if not tips:
        return None
    tip = tips[0]
    text = str(tip.get("text", "")).strip()
    return [Fact("video_date", day_words(when), "")], Finding(
        topic="technique",
        verdict=f"Technique: in {whose} video of {{video_date}}, {text[:1].lower()}{text[1:]}",
        source=str(tip.get("source", "")),
        confidence=0.6,
        answers=FOCUS_ANSWERS,
        priority=5,
    )


def _strength(ctx: ToolContext, start: date, latest: date, whose: str, who: str) -> Part | None:
    """No strength work logged lately: add two short sessions a week."""
    sessions = strength_sessions_between(ctx, start, max(latest, ctx.day))
    if sessions:
        return None
    return [], Finding(
        topic="strength",
        verdict=f"Add strength work: {who} logged no strength sessions in the {RECENT_WEEKS} "
        "weeks to {latest_run}.",
        action="Two short sessions a week (squats, lunges, calf raises, hip work) are a "
        "common start; say “build me a strength routine”.",
        source=LAUERSEN,
        confidence=0.6,
        margin="Strength training cut sports injuries in randomised trials; it is not specific "
        "to anything in your data.",
        answers=FOCUS_ANSWERS,
        priority=6,
    )


SPEC = ToolSpec(
    name=TOOL,
    function=coach_overview,
    summary="tell you what to work on next and how your running is going",
    examples=(
        "what should I work on?",
        "how am I doing?",
        "what should I focus on next?",
        "how's my running going overall?",
        "what's the one thing I should change?",
        "where can I improve?",
        "give me my priorities for the next block",
        "what do you think of my training?",
        "any advice for me?",
        "what's my biggest weakness as a runner?",
        "how is Ann doing?",
        "what should she work on next?",
        "what are my athletes' priorities?",
        "review my training and tell me what to fix",
        "what next coach?",
        "ok what now?",
        "how was I doing at the end of september?",
        "and how am I doing now",
        "i want to get back into running, where do i start?",
        "coming back after a long break, how should i restart?",
        "haven't run in months, how do I get going again?",
    ),
    answers=frozenset(ANSWER_KINDS),
    findings_lead=True,
)
