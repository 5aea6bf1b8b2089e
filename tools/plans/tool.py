"""The ``plan_training`` tool: the next weeks of running, planned from the athlete's own recent
runs and held to rules with their sources (see :mod:`tools.plans.rules`).

A plan is worked out from the stored runs (the same runs and day give the same plan) and kept
as the athlete's current plan (:mod:`tools.plans.store`); asked again with nothing new, the
current plan is shown with its changes (:mod:`tools.plans.edit_tool` changes it in chat).
``coachg plan export --ics FILE`` writes it as a calendar, ``--fit DIR`` as watch workouts.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from storage.metrics import get_profile
from storage.wellness import finished_entries
from tools.activities import no_activities
from tools.checkin.answers import ASSESS, scored
from tools.context import ToolContext
from tools.markdown import escape
from tools.plans import rules
from tools.plans.build import LIGHT_DAYS, LIGHTER_RUN, MAX_WEEKS, build_plan
from tools.plans.model import WEEKDAYS, PaceRange, Plan, clock, plan_from_data
from tools.plans.store import MADE, StoredPlan, store_plan, stored_plan
from tools.result import Fact, ToolResult
from tools.spec import ToolSpec
from tools.strength.sessions import strength_sessions_between
from tools.trends import load as maths
from tools.trends.history import history
from tools.words import MONTH_PATTERN, MONTHS, NUMBER_WORDS

if TYPE_CHECKING:
    import pandas as pd

TOOL = "plan_training"
#: A check-in older than this says nothing about today's pain.
CHECKIN_DAYS = 28
#: Sleep and soreness are read from a check-in of the last two weeks only.
RECOVERY_CHECKIN_DAYS = 14
#: A sleep or soreness score (1 very good to 7 very bad) this high lightens the first days.
POOR_SCORE = 5
#: Race distances by name, km.
RACES = {
    "marathon": 42.2,
    "half marathon": 21.1,
    "half": 21.1,
    "10k": 10.0,
    "5k": 5.0,
    "10 k": 10.0,
    "5 k": 5.0,
    "parkrun": 5.0,
}
#: Pace ranges as percentiles of the recent runs' paces (slower runs have higher numbers).
EASY_PERCENTILES = (40, 75)
LONG_PERCENTILES = (50, 85)
RECENT_DAYS = 90
#: Words that ask for a new plan rather than the current one.
FRESH = re.compile(r"\b(new|fresh|another|redo|re-?plan|start over|from scratch|again)\b", re.I)


def plan_training(
    ctx: ToolContext,
    weeks: int | None = None,
    race_date: str | None = None,
    race: str | None = None,
    days_per_week: int | None = None,
    not_on: str | None = None,
    fresh: bool = False,
) -> ToolResult:
    """Plan the athlete's next weeks of running from their own recent runs: each day's session
    (easy, long, tempo, intervals, strength or rest) with its distance and pace range, a lighter
    week every fourth, a two-week taper before a race, and every run held to evidence-based
    limits (no run over 10 % longer than the longest of the 30 days before; each week at most
    10 % above the four before). No plan is made while the latest check-in reports pain to get
    assessed; poor sleep or sore legs in the latest check-in make the first days lighter. The
    plan is kept as the athlete's current plan (a coach's plan for their athlete too); asked
    again with nothing new, the current plan is shown, changes and all.

    Args:
        weeks: how many weeks to plan (1 to 16); default 1, or up to the race.
        race_date: the race day, YYYY-MM-DD or "12 April" (the next such day).
        race: the race distance: "marathon", "half marathon", "10k", "5k" or km.
        days_per_week: how many days a week to run; default as in the last four weeks.
        not_on: weekdays not to run on, e.g. "thursday" or "tuesday, thursday".
        fresh: make a new plan even when a current one is stored ("a new plan").
    """
    import pandas as pd

    today = ctx.day
    try:
        race_day = read_race_day(race_date, today) if race_date else None
    except ValueError:
        return ToolResult.failure(TOOL, "Give the race day as YYYY-MM-DD or like '12 April'.")
    if race_day is not None and race_day <= today:
        return ToolResult.failure(TOOL, f"The race day {race_day} is not after today ({today}).")
    blocked = pain_block(ctx, today)
    if blocked:
        return ToolResult.failure(TOOL, blocked, blocked_by="pain")
    frame = history(ctx)
    frame = frame[(frame["sport"] == "run") & (frame["date"] <= pd.Timestamp(today))]
    asked = any(v is not None for v in (weeks, race_date, race, days_per_week, not_on))
    current = stored_plan(ctx)
    if current is not None and not (asked or fresh) and current.covers(today + timedelta(1)):
        return stored_result(current, runs_of(frame), ctx.who)
    if frame.empty:
        return ToolResult.failure(
            TOOL, no_activities(ctx, "There are no runs to plan from. Import your runs first.")
        )
    runs = runs_of(frame)
    light, light_note = recovery_days(ctx, today)
    paces, hr, estimated = intensities(ctx, frame, today)
    strength = bool(strength_sessions_between(ctx, today - timedelta(days=56), today))
    wanted = max(1, min(weeks or (4 if race_day else 1), MAX_WEEKS))
    plan = build_plan(
        runs,
        today,
        weeks=wanted,
        race_day=race_day,
        race_km=race_distance(race),
        days_per_week=max(1, min(days_per_week, 7)) if days_per_week else None,
        avoid=read_weekdays(not_on or ""),
        paces=paces,
        heart_rates=hr,
        strength=strength,
        light_days=light,
    )
    plan.notes += estimated
    if light_note:
        plan.notes.insert(0, light_note)
    result = plan_result(plan, runs, ctx.who)
    result.data["stored_id"] = store_plan(ctx, plan)
    return result


def stored_result(stored: StoredPlan, runs: list[tuple[date, float]], who: str) -> ToolResult:
    """The athlete's current stored plan as the tool's result, saying who made it and its last
    change."""
    result = plan_result(stored.plan, runs, who)
    by = f" by {escape(stored.author)}" if stored.by_coach and stored.author else ""
    change = "" if stored.change in ("", MADE) else f"; last change: {stored.change}"
    result.message = (
        f"The current plan for {who}, made{by} on {stored.created_at.date()}{change}, from "
        f'{stored.plan.start}, {len(stored.plan.weeks)} week(s). Say "make a new plan" for '
        "a fresh one."
    )
    result.data |= {"stored_id": stored.id, "change": stored.change, "author": stored.author}
    return result


def recovery_days(ctx: ToolContext, today: date) -> tuple[int, str]:
    """How many first days to lighten, and why, from the latest check-in of the two weeks to
    ``today``: poor sleep or sore legs (5 or more of 7, as in Hooper's index) mean not fully
    recovered."""
    with ctx.session() as session:
        entries = finished_entries(session, ctx.actor, ctx.athlete_id, limit=4)
        latest = next(
            (
                e
                for e in entries
                if (today - timedelta(days=RECOVERY_CHECKIN_DAYS)).isoformat()
                <= e.week
                <= today.isoformat()
            ),
            None,
        )
        if latest is None:
            return 0, ""
        felt = scored(latest.answers)
        week = latest.week
    poor = {
        item: said
        for item, said in felt.items()
        if item in ("sleep", "soreness") and said["score"] >= POOR_SCORE
    }
    if not poor:
        return 0, ""
    said = " and ".join(
        f"{item} {value['word']} (“{escape(value['words'])}”)" for item, value in poor.items()
    )
    return LIGHT_DAYS, (
        f"The check-in of the week of {week} said {said}, so the first {LIGHT_DAYS} days are "
        f"lighter: easy runs only, each about {100 - LIGHTER_RUN * 100:.0f} % shorter. Poor "
        "sleep and sore legs are signs of incomplete recovery (Hooper et al. 1995, Med Sci "
        "Sports Exerc 27:106-112); hard sessions wait until the legs are fresher."
    )


def plan_result(plan: Plan, runs: list[tuple[date, float]], who: str = "you") -> ToolResult:
    """A plan as the tool's result: a fact per week, the rules kept, the sessions in data."""
    broken = rules.violations(plan, runs)
    facts = [
        Fact("plan_weeks", len(plan.weeks), "weeks"),
        Fact("base_weekly_km", plan.base_km, "km"),
        Fact("longest_recent_run_km", round(plan.base_long_km, 1), "km"),
        Fact("rule_violations", len(broken), ""),
    ]
    for n, week in enumerate(plan.weeks, 1):
        facts.append(Fact(f"week_{n}_km", week.km, "km"))
    if plan.last_run is not None:
        facts.append(Fact("last_run", plan.last_run.isoformat()))
    caveats = [n for n in plan.notes if not n.startswith(("No run is", "Each week", "Every"))]
    return ToolResult(
        tool=TOOL,
        message=f"A plan for {who} from {plan.start}, {len(plan.weeks)} week(s).",
        facts=facts,
        data={"plan": plan.to_dict(), "violations": broken},
        confidence=0.5 if plan.restart else 0.7,
        reasons=["week targets from the four weeks before, paces from the recent runs"],
        caveats=caveats[:4],
    )


def runs_of(frame: pd.DataFrame) -> list[tuple[date, float]]:
    """The runs as (local day, km)."""
    kept = frame.dropna(subset=["distance_km"])
    return [
        (ts.date(), float(km)) for ts, km in zip(kept["date"], kept["distance_km"], strict=True)
    ]


def pain_block(ctx: ToolContext, today: date) -> str:
    """Why no plan is made (the latest check-in reports pain to get assessed), or ""."""
    with ctx.session() as session:
        entries = finished_entries(session, ctx.actor, ctx.athlete_id, limit=8)
        # the latest check-in of the day the plan starts from, not one of a later week
        entries = [e for e in entries if e.week <= today.isoformat()]
        if not entries or entries[0].week < (today - timedelta(days=CHECKIN_DAYS)).isoformat():
            return ""
        entry = entries[0]
        pain = entry.answers.get("pain") or {}
        if pain.get("score") and pain.get("level") == ASSESS:
            place = pain.get("place") or "the painful spot"
            return (
                f"No plan for now: the check-in of the week of {entry.week} reports pain "
                f"({place}) that should be assessed by a physiotherapist or doctor before "
                "running on. Running into that kind of pain can turn a small injury into a long "
                "one. Once it has been checked and you are cleared, ask me again and I will plan "
                "from where your training is then."
            )
    return ""


def intensities(
    ctx: ToolContext, frame: pd.DataFrame, today: date
) -> tuple[dict[str, PaceRange], dict[str, tuple[float, float]], list[str]]:
    """Pace ranges (and heart-rate ranges where a threshold heart rate is known) from the
    athlete's recent runs and threshold, and the notes that say which are estimated."""
    import pandas as pd

    end = frame["date"].max()
    recent = frame[frame["date"] > end - pd.Timedelta(days=RECENT_DAYS)]
    paces_seen = recent["pace_s_per_km"].dropna()
    paces_seen = paces_seen[(paces_seen > 150) & (paces_seen < 900)]
    with ctx.session() as session:
        profile = get_profile(session, ctx.actor, ctx.athlete_id)
    th = maths.estimate_thresholds(frame, profile, today)
    notes: list[str] = []
    out: dict[str, PaceRange] = {}
    if len(paces_seen) >= 3:
        easy = np.percentile(paces_seen, EASY_PERCENTILES)
        long = np.percentile(paces_seen, LONG_PERCENTILES)
        out["easy"] = PaceRange(float(easy[0]), float(easy[1]))
        out["long"] = PaceRange(float(long[0]), float(long[1]))
    speed = th.threshold_speed
    if speed.value:
        tempo = 1000 / speed.value
        given = speed.source == "profile"
        out["tempo"] = PaceRange(tempo - 3, tempo + 8, estimated=not given)
        out["intervals"] = PaceRange(tempo - 20, tempo - 8, estimated=not given)
        if not given:
            notes.append(
                f"Tempo pace is around your estimated threshold pace ({clock(tempo)} /km); "
                "set yours in the profile for better ranges."
            )
    if len(paces_seen) >= 3:
        notes.append(
            f"Easy and long-run paces are ranges of your own {len(paces_seen)} runs of the "
            f"{RECENT_DAYS} days to {end.date()} (estimated, not tested)."
        )
    hr: dict[str, tuple[float, float]] = {}
    lthr = th.threshold_hr.value
    if lthr:  # Friel's zones as shares of lactate-threshold heart rate
        hr = {
            "easy": (0.81 * lthr, 0.89 * lthr),
            "long": (0.81 * lthr, 0.89 * lthr),
            "tempo": (0.95 * lthr, 0.99 * lthr),
            "intervals": (1.00 * lthr, 1.06 * lthr),
        }
        notes.append(
            f"Heart-rate ranges are Friel's zones around your {th.threshold_hr.source} "
            f"threshold heart rate of {lthr:.0f} bpm (a coaching convention, not a test of yours)."
        )
    return out, hr, notes


def read_race_day(text: str, today: date) -> date:
    """An ISO date, or "12 April" / "April 12" as the next such day after ``today``."""
    text = text.strip().lower()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?{MONTH_PATTERN}\b", text)
    m2 = re.search(rf"\b{MONTH_PATTERN} (\d{{1,2}})(?:st|nd|rd|th)?\b", text)
    if m:
        day_, month = int(m[1]), MONTHS[m[2]]
    elif m2:
        day_, month = int(m2[2]), MONTHS[m2[1]]
    else:
        raise ValueError(text)
    if year := re.search(r"\b(20\d\d)\b", text):  # "12 April 2027"
        return date(int(year[1]), month, day_)
    found = date(today.year, month, day_)
    return found if found > today else date(today.year + 1, month, day_)


def race_distance(text: str | None) -> float | None:
    if not text:
        return None
    text = text.strip().lower()
    for name in sorted(RACES, key=len, reverse=True):
        if name in text:
            return RACES[name]
    m = re.search(r"(\d+(?:\.\d+)?)", text)
    return float(m[1]) if m else None


def read_weekdays(text: str) -> frozenset[int]:
    """Weekdays named in ``text`` (0 = Monday)."""
    lowered = text.lower()
    return frozenset(i for i, name in enumerate(WEEKDAYS) if re.search(rf"\b{name[:3]}", lowered))


# Readers: the tool's own arguments from a message.
def _race_date(text: str) -> str | None:
    for pattern in (
        rf"\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{MONTH_PATTERN}\b(?:,? \d{{4}}\b)?",
        rf"\b{MONTH_PATTERN} \d{{1,2}}(?:st|nd|rd|th)?\b(?:,? \d{{4}}\b)?",
        r"\b\d{4}-\d\d-\d\d\b",
    ):
        if m := re.search(pattern, text.lower()):
            if re.search(r"\b20\d\d$", m[0]):  # "12 april 2027": the day itself
                return read_race_day(m[0], date(2000, 1, 1)).isoformat()
            return m[0]
    return None


def _race(text: str) -> str | None:
    lowered = text.lower()
    for name in sorted(RACES, key=len, reverse=True):
        if re.search(rf"\b{name}\b", lowered):
            return name
    return None


def _days_per_week(text: str) -> int | None:
    """Running days a week: "4 days a week", "3 runs per week", and in a plan's request "I can
    only run 3 days", "5 days" (not "in 5 days", "3 days ago", "2 days off")."""
    count = r"(\d|" + "|".join(NUMBER_WORDS) + ")"
    lowered = text.lower()
    m = re.search(rf"\b{count} (?:days?|times|runs)(?: a| per| each)? ?week", lowered)
    m = m or re.search(
        rf"(?<!\bin )(?<!\bfor )(?<!\bwithin )\b{count} (?:days?|runs)\b(?! (?:ago|before|after|"
        r"later|from now|off|of rest|rest|until|till|to go|left|out|in a row|running)\b)",
        lowered,
    )
    if m:
        days = int(m[1]) if m[1].isdigit() else NUMBER_WORDS[m[1]]
        return days if 1 <= days <= 7 else None
    return None


def _not_on(text: str) -> str | None:
    lowered = text.lower()
    m = re.search(
        r"\b(?:not|no|never|except|can'?t run|cannot run|can'?t do)(?: on)? ((?:(?:mon|tues|wednes|"
        r"thurs|fri|satur|sun)days?(?:,? (?:or |and )?)?)+)",
        lowered,
    )
    if not m:
        return None
    return re.sub(r"days\b", "day", m[1].strip(" ,"))  # "thursdays" -> "thursday"


def _fresh(text: str) -> bool | None:
    return True if FRESH.search(text) else None


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return result.message
    plan = result.data["plan"]
    lines = [result.message, ""]
    week_of = {}
    for n, week in enumerate(plan["weeks"], 1):
        week_of[week["start"]] = n
    for n, week in enumerate(plan["weeks"], 1):
        km = sum(
            s["km"] for s in week["sessions"] if s["type"] in ("easy", "long", "tempo", "intervals")
        )
        lines.append(
            f"**Week {n}** ({week['start']} to {week['end']}, {week['kind']}): {km:.1f} km"
        )
        for s in plan["sessions"]:
            if str(week["start"]) <= s["day"] <= str(week["end"]):
                extra = f": {s['description']}" if s["description"] else ""
                lines.append(f"- {date.fromisoformat(s['day']):%a %d %b}: {s['title']}{extra}")
        lines.append("")
    lines += [f"- {note}" for note in plan["notes"]]
    broken = result.data.get("violations") or []
    lines.append(
        "Every run and week keeps the rules above."
        if not broken
        else "Rule breaches: " + "; ".join(broken)
    )
    return "\n".join(lines)


SPEC = ToolSpec(
    name=TOOL,
    function=plan_training,
    summary="plan your next weeks of running: sessions, distances and paces",
    examples=(
        "plan my next week",
        "what should I do this week?",
        "make me a training plan",
        "build me a plan for a half marathon on 12 April",
        "I can run 4 days a week, not Thursdays",
        "plan Ann's next 3 weeks",
        "give me a 4 week plan",
        "training plan for my marathon on 3 May",
        "what runs should I do next week",
        "plan my training up to my 10k race",
        "schedule my runs for the next two weeks",
        "can you write me a running schedule",
        "plan sam's week",
        "I want to run 3 times a week, plan it",
        "what workouts should I do before my race",
        "show me my training plan",
        "what's on my plan today?",
        "what does my plan say for tomorrow",
        "make me a new plan",
    ),
    asks={},
    phrase=_phrase,
    readers={
        "race_date": _race_date,
        "race": _race,
        "days_per_week": _days_per_week,
        "not_on": _not_on,
        "fresh": _fresh,
    },
    answers=frozenset({"lookup", "listing"}),  # a plan, not a verdict on a should-I question
)


def plan_for_cli(ctx: ToolContext, **args: Any) -> tuple[ToolResult, Plan | None]:
    """The result and the plan object (for the calendar export)."""
    result = plan_training(ctx, **args)
    return result, plan_from_data(result.data["plan"]) if result.ok else None
