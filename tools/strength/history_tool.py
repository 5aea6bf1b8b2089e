"""The ``strength_history`` tool: sessions, sets and volume per exercise and muscle group,
estimated one-rep max (Epley, an estimate), personal records, sessions per week, and plots of the
estimated 1RM and weekly volume over time."""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from tools.activities import parse_day
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Artifact, Fact, ToolResult
from tools.spec import ToolSpec
from tools.strength.library import GROUPS, Matcher, group_of, names_an_exercise
from tools.strength.sessions import set_rows
from tools.strength.stats import E1RM_MAX_REPS, EPLEY, ExerciseStats, History, history_of

TOOL = "strength_history"
TOP_EXERCISES = 8
NO_SESSIONS = (
    "There are no strength sessions{period} yet. Log one (“3x8 squats at 60kg”) or import your "
    "Strong or Hevy export (drop the CSV into the chat)."
)
ESTIMATE_NOTE = (
    f"the estimated 1RM is an estimate from {EPLEY} (Epley 1985), over working sets of 1-"
    f"{E1RM_MAX_REPS} reps; it drifts the more reps a set has"
)
_NOT_AN_EXERCISE = re.compile(
    r"\b(show|list|give|tell|me|my|the|a|an|of|for|in|on|at|since|from|to|until|over|during|"
    r"what|what's|whats|when|how|much|many|did|do|does|i|is|was|were|has|have|been|last|this|"
    r"past|ever|time|times|all|every|strength|gym|history|sessions?|workouts?|training|lifts?|"
    r"lifting|lifted|progress(?:ed|ion)?|numbers?|records?|prs?|pbs?|best|heaviest|max|most|"
    r"weights?|volume|sets?|reps?|e1rm|1rm|one rep|estimated|week|weeks|month|months|year|"
    r"years|today|yesterday|ago|per|consistency|consistent|often|log|logged|done|up|going|"
    r"heavy|used|using|use|doing|it|ve|i've|been|day|days|and|or|with|about|far|trend|over time|"
    r"plot|chart|graph|muscle|group|january|february|march|april|may|june|july|august|"
    r"september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    r"spring|summer|autumn|fall|winter|core|calves|glutes|hamstrings|quads|abductors|\d+)\b"
)


def exercise_words(text: str) -> str | None:
    """What is left of a history question once the history words are taken out ("when did I
    last deadlift" -> "deadlift"), or None."""
    text = re.sub(r"\b\w+['’]s\b", " ", text)  # "what's", "Ann's"
    rest = " ".join(_NOT_AN_EXERCISE.sub(" ", re.sub(r"[^\w' -]", " ", text)).split())
    if not rest or len(rest.split()) > 5 or not names_an_exercise(rest):
        return None
    return rest


def _focus(ctx: ToolContext, history: History, exercise: str | None) -> tuple[str | None, str]:
    """The exercise the answer is about: the asked one when it is logged, else the one with
    the most estimated 1RMs; and a note when the asked one is not found."""
    if exercise:
        match = Matcher.for_context(ctx).match(exercise)
        logged = history.exercises
        if match.sure and match.name in logged:
            return match.name, ""
        close = [n for n in logged if exercise.lower() in n.lower()]
        if close:
            return max(close, key=lambda n: logged[n].sets), ""
        note = f"no logged sets of “{escape(exercise)}” were found; showing all exercises"
        exercise = None
        best = _most_estimated(history)
        return best, note
    return _most_estimated(history), ""


def _most_estimated(history: History) -> str | None:
    scored = [s for s in history.exercises.values() if s.e1rm_by_day]
    return max(scored, key=lambda s: (len(s.e1rm_by_day), s.sets)).name if scored else None


def strength_history(
    ctx: ToolContext,
    exercise: str | None = None,
    group: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> ToolResult:
    """Strength history: sessions, working sets and volume (kg × reps) per exercise and per
    muscle group, the estimated one-rep max (Epley) and personal records of an exercise,
    sessions per week, and plots of the estimated 1RM and weekly volume over time.

    Args:
        exercise: an exercise to look at ("squat", "RDL"); default the one logged most.
        group: a runner-relevant group: calves, hip_abductors, glutes, hamstrings, quads, core
            or plyometrics.
        since: the first day, YYYY-MM-DD; default the first session.
        until: the last day, YYYY-MM-DD; default today.
    """
    try:
        start = parse_day(since).date() if since else None
        end = parse_day(until).date() if until else None
    except ValueError:
        return ToolResult.failure(TOOL, "Give dates as YYYY-MM-DD, for example 2025-03-01.")
    if group is not None and group not in GROUPS:
        return ToolResult.failure(TOOL, "Pick a group from: " + ", ".join(GROUPS) + ".")
    rows, summaries = set_rows(ctx, start, end or ctx.day)
    if group:
        rows = [r for r in rows if group in r.groups]
    if not rows:
        period = f" from {start or 'the start'} to {end or ctx.day}" if start or end else ""
        what = f" for {GROUPS[group]}" if group else ""
        return ToolResult.failure(TOOL, NO_SESSIONS.format(period=what + period))
    history = history_of(rows, start, end)
    focus, note = _focus(ctx, history, exercise)
    if group:
        note = ""  # "calf work": the group is the answer, not an exercise called "calf work"
    return _result(ctx, history, summaries, focus, note, group)


def _result(
    ctx: ToolContext,
    history: History,
    summaries: list[Any],
    focus: str | None,
    note: str,
    group: str | None,
) -> ToolResult:
    facts = [
        Fact("sessions", history.sessions, "sessions"),
        Fact("working_sets", history.working_sets, "sets"),
        Fact("volume", round(history.volume_kg), "kg"),
        Fact("sessions_per_week", round(history.per_week, 1), ""),
    ]
    stats: ExerciseStats | None = history.exercises.get(focus) if focus else None
    if stats is not None:
        if stats.best_e1rm is not None:
            facts.append(Fact("estimated_1rm", round(stats.best_e1rm, 1), "kg"))
        if stats.heaviest_kg is not None:
            facts.append(Fact("heaviest_set", round(stats.heaviest_kg, 1), "kg"))
        facts.append(Fact("records_set", len(stats.record_days), ""))
    top = sorted(history.exercises.values(), key=lambda s: -s.sets)[:TOP_EXERCISES]
    last = summaries[-1] if summaries else None
    data: dict[str, Any] = {
        "period": {
            "start": history.start.isoformat() if history.start else None,
            "end": history.end.isoformat() if history.end else None,
        },
        "focus": focus,
        "group": group,
        "last_session": last.day.isoformat() if last else None,
        "exercises": [_exercise_row(s) for s in top],
        "muscles": {
            m: {"sets": int(v["sets"]), "volume_kg": round(v["volume_kg"])}
            for m, v in sorted(history.muscles.items(), key=lambda kv: -kv[1]["sets"])
        },
        "groups": {
            g: {"sets": int(v["sets"]), "volume_kg": round(v["volume_kg"])}
            for g, v in history.groups.items()
        },
        "weeks": [w | {"volume_kg": round(w["volume_kg"])} for w in history.weeks],
        "unmapped": history.unmapped,
        "formula": EPLEY,
        "sessions": history.sessions,
        "per_week": round(history.per_week, 1),
        "working_sets": history.working_sets,
        "volume_kg": round(history.volume_kg),
    }
    if stats is not None:
        data["focus_stats"] = _exercise_row(stats) | {
            "record_days": [d.isoformat() for d in stats.record_days],
            "e1rm_by_day": [[d.isoformat(), round(v, 1)] for d, v in stats.e1rm_by_day],
        }
    result = ToolResult(
        tool=TOOL,
        facts=facts,
        data=data,
        reasons=["from every logged and imported set; warm-up sets are left out"],
        caveats=[ESTIMATE_NOTE],
    )
    if note:
        result.caveats.insert(0, note)
    if history.unmapped:
        result.caveats.append(
            f"{len(history.unmapped)} exercise names are not in the library, so they count "
            "for no muscle group: " + ", ".join(escape(n) for n in history.unmapped[:8])
        )
    result.artifacts = _plots(ctx, history, stats)
    data["lines"] = _lines(data)
    return result


def _exercise_row(stats: ExerciseStats) -> dict[str, Any]:
    return {
        "exercise": stats.name,
        "sessions": stats.sessions,
        "sets": stats.sets,
        "volume_kg": round(stats.volume_kg),
        "best_e1rm_kg": round(stats.best_e1rm, 1) if stats.best_e1rm is not None else None,
        "best_e1rm_day": stats.best_e1rm_day.isoformat() if stats.best_e1rm_day else None,
        "best_set": list(stats.best_e1rm_set) if stats.best_e1rm_set else None,
        "heaviest_kg": stats.heaviest_kg,
        "heaviest_day": stats.heaviest_day.isoformat() if stats.heaviest_day else None,
        "last_day": stats.last_day.isoformat() if stats.last_day else None,
    }


def _lines(data: dict[str, Any]) -> list[str]:
    period = data["period"]
    lines = [
        f"**Strength, {period['start']} to {period['end']}**: {data['sessions']} "
        f"session{'s' if data['sessions'] != 1 else ''} "
        f"({data['per_week']} a week), {data['working_sets']} working sets, "
        f"{data['volume_kg']} kg volume; last session {data['last_session']}."
    ]
    focus = data.get("focus_stats")
    if focus:
        line = f"- {escape(focus['exercise'])}: last done {focus['last_day']}"
        if focus["best_e1rm_kg"] is not None:
            weight, reps = focus["best_set"]
            line += (
                f"; best estimated 1RM {focus['best_e1rm_kg']} kg ({weight:g} kg × {reps} on "
                f"{focus['best_e1rm_day']}, Epley)"
            )
        if focus["heaviest_kg"]:
            line += f"; heaviest set {focus['heaviest_kg']:g} kg on {focus['heaviest_day']}"
        lines.append(line)
    lines.append("- By exercise (working sets, volume):")
    for row in data["exercises"]:
        lines.append(f"  - {escape(row['exercise'])}: {row['sets']} sets, {row['volume_kg']} kg")
    groups = data["groups"]
    if groups:
        lines.append(
            "- Runner groups (sets): "
            + ", ".join(f"{GROUPS[g]} {v['sets']}" for g, v in groups.items())
        )
    return lines


def _plots(ctx: ToolContext, history: History, stats: ExerciseStats | None) -> list[Artifact]:
    folder: Path = ctx.media_dir / "strength"
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    if stats is not None and len(stats.e1rm_by_day) >= 2:
        path = folder / f"e1rm-{uuid.uuid4().hex[:12]}.png"
        figure, axes = plt.subplots(figsize=(7, 3.2))
        days = [d for d, _ in stats.e1rm_by_day]
        axes.plot(days, [v for _, v in stats.e1rm_by_day], marker="o", ms=3)
        axes.set_title(f"{stats.name}: estimated 1RM (Epley) per session")
        axes.set_ylabel("kg")
        figure.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.14)
        figure.savefig(path, dpi=80)
        plt.close(figure)
        out.append(Artifact(path, "image", "estimated 1RM over time"))
    if len(history.weeks) >= 2:
        path = folder / f"volume-{uuid.uuid4().hex[:12]}.png"
        figure, axes = plt.subplots(figsize=(7, 3.2))
        weeks = [date.fromisoformat(w["week"]) for w in history.weeks]
        axes.bar(weeks, [w["volume_kg"] for w in history.weeks], width=5)
        axes.set_title("Weekly volume (kg × reps, working sets)")
        axes.set_ylabel("kg")
        figure.subplots_adjust(left=0.1, right=0.98, top=0.88, bottom=0.14)
        figure.savefig(path, dpi=80)
        plt.close(figure)
        out.append(Artifact(path, "image", "weekly volume"))
    return out


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    out = list(result.data.get("lines", []))
    out += ["", *(f"Note: {c}" for c in result.caveats[:4])]
    return "\n".join(out).strip()


SPEC = ToolSpec(
    name=TOOL,
    function=strength_history,
    summary="show your strength history and records",
    examples=(
        "show my strength history",
        "when did I last deadlift",
        "what's my squat PR",
        "how has my bench progressed",
        "list my gym sessions this month",
        "heaviest squat ever",
        "how much did I lift on lunges last time",
        "what weight did I use for squats",
        "my deadlift numbers over time",
        "when was my last core session",
        "when did I last lift",
        "what's my estimated 1RM for squats",
        "how many strength sessions a week do I do",
        "my gym volume per week",
        "how much calf work have I done",
        "plot my squat progress",
        "how consistent am I with strength training",
        "what are my personal records in the gym",
        "volume per muscle group",
        "how many sets for glutes this month",
        "what's Sam's squat PR?",
        "show Ann's strength history",
        "how is Sam's deadlift progressing",
        "when did Ann last lift",
    ),
    phrase=_phrase,
    readers={"exercise": exercise_words, "group": group_of},
)
