"""The ``log_strength`` tool: a strength session from the athlete's own words, or from a saved
routine, written only after they say yes.

In a chat it is a short conversation: Coach G reads the message ("3x8 squats at 60kg"), matches
each exercise to the library, asks which one was meant when a name is not clear (or offers to
add it as the athlete's own), shows what it will log, and writes it on "yes". Numbers it cannot
believe and shorthand it cannot read are said back with how to write them, and nothing is
written.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from storage.models import User
from storage.strength import NewSession, NewSet, add_exercise, add_session, add_sets
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.strength.answers import NEW, pick_number
from tools.strength.library import Matcher, runner_groups
from tools.strength.parsing import parse_workout
from tools.strength.routines import routine_named, routine_workout
from tools.strength.sessions import sets_text
from tools.yes_no import NO, YES

TOOL = "log_strength"
NO_NUMBERS = re.compile(r"[^\d]*")
NO_ROUTINE = (
    "You have no saved routine yet. Ask me to build one (“build me a 30-minute runner's "
    "strength routine, twice a week, no gym”), or write what you did, e.g. “3x8 squats at 60 kg”."
)


# -- reading and resolving --------------------------------------------------------------------


def _read(ctx: ToolContext, message: str) -> dict[str, Any]:
    """What a message asks to log, as flow data: day, entries (each with its sets, and the
    exercise when sure) and any problems."""
    routine = routine_named(ctx, message)
    if (
        routine is None
        and NO_NUMBERS.fullmatch(message)
        and re.search(r"\broutine\b", message, re.I)
    ):
        return {"day": ctx.day.isoformat(), "entries": [], "problems": [NO_ROUTINE]}
    if routine is not None:
        day = parse_workout(message, ctx.day).day
        return {"day": day.isoformat(), "entries": routine_workout(routine), "problems": [],
                "routine": routine.name}  # fmt: skip
    workout = parse_workout(_without_names(ctx, message), ctx.day)
    matcher = Matcher.for_context(ctx)
    entries = []
    for entry in workout.entries:
        match = matcher.match(entry.name)
        entries.append(
            {
                "written": entry.name,
                "exercise_id": match.exercise_id,
                "exercise": match.name,
                "candidates": [[c.exercise_id, c.name] for c in match.candidates],
                "new": False,
                "sets": [[s.reps, s.weight_kg, s.seconds, s.rpe] for s in entry.sets],
                "notes": entry.notes,
            }
        )
    return {"day": workout.day.isoformat(), "entries": entries, "problems": workout.problems}


def _without_names(ctx: ToolContext, message: str) -> str:
    """The message without the athlete's name ("log 3x8 squats for Ann", said by her coach)."""
    with ctx.session() as session:
        athlete = session.get(User, ctx.athlete_id)
        names = {athlete.name, *athlete.display_name.split()} if athlete else set()
    for name in sorted((n for n in names if len(n) > 1), key=len, reverse=True):
        message = re.sub(rf"\b(?:for |to )?{re.escape(name)}(?:'s)?\b", " ", message, flags=re.I)
    return message


def _unsure(data: dict[str, Any]) -> int | None:
    for index, entry in enumerate(data["entries"]):
        if entry["exercise_id"] is None and not entry["new"]:
            return index
    return None


def _question(data: dict[str, Any], index: int) -> str:
    entry = data["entries"][index]
    written = escape(entry["written"])
    options = entry["candidates"]
    if not options:
        return (
            f"I don't know an exercise called “{written}”. Say its usual name (e.g. “Romanian "
            f"deadlift”), or say “new” to add “{written}” as your own exercise."
        )
    listed = "; ".join(f"{n}) {escape(name)}" for n, (_, name) in enumerate(options, 1))
    return (
        f"Which exercise is “{written}”? {listed}. Answer with the number or the name, or say "
        f"“new” to add “{written}” as your own exercise."
    )


def describe(data: dict[str, Any]) -> list[str]:
    """Each entry as a line: exercise (as written), sets, and what was assumed."""
    lines = []
    for entry in data["entries"]:
        name = entry["exercise"] or entry["written"]
        shown = escape(name) + (" (your own, new)" if entry["new"] else "")
        written = entry.get("written", "")
        if written and written.lower() != name.lower() and not entry["new"]:
            shown += f" (you wrote “{escape(written)}”)"
        reps = [s[0] for s in entry["sets"]]
        weights = [s[1] for s in entry["sets"]]
        seconds = [s[2] for s in entry["sets"]]
        line = f"- {shown}: {sets_text(reps, weights, seconds)}"
        rpes = {s[3] for s in entry["sets"] if s[3] is not None}
        if rpes:
            line += ", RPE " + "/".join(f"{r:g}" for r in sorted(rpes))
        if entry.get("notes"):
            line += " — " + "; ".join(dict.fromkeys(entry["notes"]))
        lines.append(line)
    return lines


def _confirm(data: dict[str, Any]) -> FlowStep:
    routine = f" (routine “{escape(data['routine'])}”)" if data.get("routine") else ""
    text = "\n".join(
        [
            f"I'll log this for {data['day']}{routine}:",
            *describe(data),
            "",
            "Shall I save it? Say yes or no (or write it again to change it).",
        ]
    )
    shown = ToolResult(tool=TOOL, facts=_facts(data), data={"day": data["day"]})
    return FlowStep(ask=text, data=data | {"stage": "confirm"}, shown=shown, confirming=True)


def _facts(data: dict[str, Any]) -> list[Fact]:
    sets = [s for e in data["entries"] for s in e["sets"]]
    volume = sum((s[0] or 0) * (s[1] or 0) for s in sets)
    facts = [
        Fact("exercises", len(data["entries"]), ""),
        Fact("sets", len(sets), "sets"),
        Fact("volume", round(volume, 1), "kg"),
    ]
    for entry in data["entries"]:
        for s in entry["sets"]:
            for value in s[:3]:
                if value is not None:
                    facts.append(Fact("set_value", value, ""))
    return facts


def _next(data: dict[str, Any]) -> FlowStep:
    index = _unsure(data)
    if index is not None:
        options = data["entries"][index]["candidates"]
        shown = ToolResult(
            tool=TOOL, data={"options": [[n, o[1]] for n, o in enumerate(options, 1)]}
        )
        return FlowStep(
            ask=_question(data, index),
            data=data | {"stage": "pick", "asking": index},
            shown=shown,
        )
    return _confirm(data)


# -- writing ----------------------------------------------------------------------------------


def write(ctx: ToolContext, data: dict[str, Any], source: str = "chat") -> ToolResult:
    """Store the session ``data`` describes (every exercise resolved or new) in one
    transaction, and say what was logged."""
    with ctx.session() as session:
        new_sets = []
        for entry in data["entries"]:
            exercise_id = entry["exercise_id"]
            name = entry["exercise"] or entry["written"]
            if entry["new"]:
                own = add_exercise(
                    session,
                    ctx.actor,
                    ctx.athlete_id,
                    entry["written"],
                    groups=runner_groups(entry["written"], (), "strength"),
                )
                exercise_id, name = own.id, own.name
            for reps, weight, seconds, rpe in entry["sets"]:
                new_sets.append(
                    NewSet(name, exercise_id, reps=reps, weight_kg=weight, seconds=seconds, rpe=rpe)
                )
        # Sets logged in a chat on one day make one session; a routine is a session of its own.
        routine = data.get("routine")
        stored, created = add_session(
            session,
            ctx.actor,
            ctx.athlete_id,
            NewSession(
                day=data["day"],
                source="routine" if routine else source,
                source_id=uuid.uuid4().hex if routine else f"{source}:{data['day']}",
                name=routine or "Logged in chat",
                sets=new_sets,
            ),
        )
        added = (
            stored.sets
            if created
            else add_sets(session, ctx.actor, ctx.athlete_id, stored.id, new_sets)
        )
        session_id, set_ids = stored.id, [s.id for s in added]
    facts = _facts(data)[:3]
    lines = describe(data)
    return ToolResult(
        tool=TOOL,
        message=f"Logged your strength session of {data['day']}.",
        facts=facts,
        data={"session_id": session_id, "set_ids": set_ids, "day": data["day"], "lines": lines},
        reasons=["exactly what you confirmed"],
    )


# -- the tool ---------------------------------------------------------------------------------


def log_strength(ctx: ToolContext, workout: str, day: str | None = None) -> ToolResult:
    """Log a strength session from the athlete's words ("3x8 squats at 60kg, 3x12 calf
    raises", "bench 5x5 @ 80", "plank 3x45s", "deadlift 100kg x5, x5, x4") or a saved routine
    ("my runner's routine"). Exercises are matched to the library; a name that is not clear,
    a number that cannot be right or shorthand that reads two ways is said back and nothing is
    written. In a chat Coach G asks which exercise was meant and asks before writing.

    Args:
        workout: the session in the athlete's words, or the name of a saved routine.
        day: the day trained, YYYY-MM-DD; default the day the words name ("yesterday"), else
            today.
    """
    text = f"{workout} {day}" if day else workout
    data = _read(ctx, text)
    if data["problems"]:
        return ToolResult.failure(TOOL, " ".join(data["problems"]) + " Nothing was logged.")
    index = _unsure(data)
    if index is not None:
        return ToolResult.failure(TOOL, _question(data, index) + " Nothing was logged yet.")
    return write(ctx, data)


def log_flow(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    """One turn of logging in a chat (see the module docstring)."""
    stage = data.get("stage")
    if stage is None:
        data = _read(ctx, message)
        if data["problems"]:
            text = " ".join(data["problems"]) + " Nothing was logged."
            return FlowStep(result=ToolResult.failure(TOOL, text))
        return _next(data)
    if stage == "pick":
        return _picked(ctx, data, message)
    if YES.match(message):
        return FlowStep(result=write(ctx, data))
    if NO.match(message) and len(message.split()) <= 3:
        return FlowStep(result=ToolResult(tool=TOOL, message="Okay, nothing was logged."))
    again = _read(ctx, message)
    if again["entries"] and not again["problems"]:
        return _next(again)
    return FlowStep(ask="Say yes to save it, or no to leave it.", data=data)


def _picked(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    index = data["asking"]
    entries = [dict(e) for e in data["entries"]]
    entry = entries[index]
    options = entry["candidates"]
    number = pick_number(message, len(options))
    if NEW.search(message):
        entry["new"] = True
        entry["exercise"] = ""
    elif number is not None:
        entry["exercise_id"], entry["exercise"] = options[number - 1]
    else:
        named = [o for o in options if o[1].lower() in message.lower()]
        match = Matcher.for_context(ctx).match(message) if not named else None
        if named:
            entry["exercise_id"], entry["exercise"] = named[0]
        elif match is not None and match.sure:
            entry["exercise_id"], entry["exercise"] = match.exercise_id, match.name
        elif NO.match(message):
            return FlowStep(result=ToolResult(tool=TOOL, message="Okay, nothing was logged."))
        else:
            return FlowStep(ask=_question(data, index), data=data)
    return _next(data | {"entries": entries})


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    lines = result.data.get("lines", [])
    if not result.facts:
        return result.message
    return "\n".join([result.message, *lines])


SPEC = ToolSpec(
    name=TOOL,
    function=log_strength,
    summary="log a strength session",
    examples=(
        "log 3x8 squats at 60kg",
        "did 3 sets of 12 calf raises",
        "bench 5x5 @ 80",
        "plank 3x45s",
        "yesterday: deadlift 100kg x5, x5, x4",
        "log 3x5 squats at 80 kg",
        "did deadlifts 4 sets of 6 at 100kg today",
        "record my gym session: lunges 3x10, planks 3x60s",
        "add a strength workout",
        "note that I did calf raises 3x15",
        "log my core session",
        "just finished a gym session, save it",
        "add 3 sets of 8 lunges with 20 kg",
        "RDL 3x8 at 135 lb",
        "bulgarian split squats 3x10 each leg with 12kg",
        "hip thrusts 4x10 @ 90kg rpe 8",
        "squats 60kg x8, 70kg x6, 80kg x4",
        "log my runner's strength routine",
        "did my routine today",
        "pull-ups 4 sets of 6 bodyweight",
        "single leg calf raises 3x20",
        "step ups 3x12 with 10 kg dumbbells",
        "copenhagen plank 3x20s each side",
        "nordic curls 3x5",
        "glute bridges 3x15",
        "log yesterday's strength session",
        "I did 100 push-ups",
        "did 50 reps of squats",
        "20 reps of lunges each leg",
        "3x8x60 squats",
    ),
    writes=True,
    confirm=lambda args: f"log {args.get('workout') or 'this strength session'}",
    phrase=_phrase,
    flow=log_flow,
    readers={"workout": lambda text: text.strip() or None},
)
