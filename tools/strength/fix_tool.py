"""The ``fix_strength`` tool: correct or delete a logged set (or a whole session), after showing
exactly which one and asking.

"delete my last set", "remove today's squat sets", "change my last squat set to 65 kg", "the
last set of bench was 6 reps", "delete yesterday's session". Without an exercise named, the
newest logged set is meant.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from storage.strength import delete_sets, update_set
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.strength.library import Matcher
from tools.strength.parsing import LB, MAX_REPS, MAX_WEIGHT_KG, read_day
from tools.strength.sessions import set_rows
from tools.strength.stats import SetRow
from tools.yes_no import NO, YES

TOOL = "fix_strength"
DELETE = re.compile(r"\b(delete|remove|undo|scrap|drop|erase|get rid of|wipe)\b", re.I)
WHOLE = re.compile(r"\b(session|workout|everything|whole)\b", re.I)
ALL_SETS = re.compile(r"\b(all|sets)\b", re.I)
_WORDS = re.compile(
    r"\b(delete|remove|undo|scrap|drop|erase|get rid of|wipe|change|correct|fix|edit|update|"
    r"make|was|were|should be|actually|not|to|my|the|last|latest|set|sets|all|of|that|it|"
    r"oops|sorry|wait|typo|mistake|meant|ah|oh|no|ok|okay|have|been|its|it's|"
    r"logged|log|entry|from|today's|today|please|session|workout|one|for|at|in|on|a|i|did)\b"
)


def _target(ctx: ToolContext, message: str, whole: bool = False) -> tuple[list[SetRow], str]:
    """The sets a message points at (``whole``: every set of the exercise in its latest
    session), and how they were chosen (or why none)."""
    lower = message.lower()
    named_day = None
    day, rest = read_day(lower, ctx.day)
    if rest != lower:
        named_day = day
    rows, _ = set_rows(ctx, named_day, named_day)
    if not rows:
        return [], "There is no logged strength set to change" + (
            f" on {named_day.isoformat()}." if named_day else "."
        )
    rows.sort(key=lambda r: (r.day, r.session_id, r.position))
    name = re.sub(r"\d+(?:[.,]\d+)?\s*(kg|kgs|lb|lbs|reps?|s)?\b", " ", rest)
    name = " ".join(_WORDS.sub(" ", re.sub(r"[^\w' -]", " ", name)).split())
    if name:
        logged = {r.exercise for r in rows}
        match = Matcher.for_context(ctx).match(name)
        picked = match.name if match.sure and match.name in logged else None
        if picked is None:
            close = [n for n in logged if name in n.lower() or n.lower() in name]
            picked = close[0] if len(close) == 1 else None
        if picked is None:
            return [], (
                f"I can't find a logged set of “{escape(name)}”. Name the exercise as it "
                "shows in your history, e.g. “delete my last squat set”."
            )
        rows = [r for r in rows if r.exercise == picked]
    last_session = rows[-1].session_id
    in_session = [r for r in rows if r.session_id == last_session]
    if whole or WHOLE.search(lower):
        return in_session, "session"
    if m := re.search(r"\bset (\d+)\b|\b(\d)(?:st|nd|rd|th) set\b", lower):
        number = int(m[1] or m[2])
        if not 1 <= number <= len(in_session):
            return [], f"That session has {len(in_session)} such sets; there is no set {number}."
        return [in_session[number - 1]], "set"
    if ALL_SETS.search(lower) and DELETE.search(lower):
        return in_session, "sets"
    return [rows[-1]], "set"


def _changes(message: str) -> dict[str, Any] | str:
    """The new values a correction gives ({"weight_kg": 65}), or what to say instead."""
    lower = message.lower()
    changes: dict[str, Any] = {}
    if m := re.search(r"(\d+(?:[.,]\d+)?)\s*(kg|kgs|kilos?|lb|lbs|pounds?)\b", lower):
        weight = float(m[1].replace(",", "."))
        if m[2].startswith(("lb", "pound")):
            weight = round(weight * LB, 1)
        if not 0 < weight <= MAX_WEIGHT_KG:
            return f"{weight:g} kg is not a weight I believe; check the number."
        changes["weight_kg"] = weight
    if m := re.search(r"(\d+)\s*reps?\b", lower):
        reps = int(m[1])
        if not 1 <= reps <= MAX_REPS:
            return f"{reps} reps in one set is more than I believe; check the number."
        changes["reps"] = reps
    if m := re.search(r"\brpe\s*(\d+(?:\.\d)?)", lower):
        changes["rpe"] = float(m[1])
    if re.search(r"\bbodyweight|\bbw\b", lower):
        changes["weight_kg"] = None
    if not changes:
        return (
            "Say what to change, with its unit: “change my last squat set to 65 kg” or “… to "
            "10 reps”; or say “delete my last squat set”."
        )
    return changes


def _set_words(row: SetRow) -> str:
    what = f"{row.reps} reps" if row.reps else f"{row.seconds:g} s" if row.seconds else "a set"
    weight = f" at {row.weight_kg:g} kg" if row.weight_kg else " (bodyweight)"
    return f"{escape(row.exercise)} on {row.day.isoformat()}: {what}{weight}"


#: "were 75 not 80", "8 reps not 10": the right value, then the wrong one logged.
_NOT = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(kg|kgs|lbs?|reps?)?,? not (\d+(?:[.,]\d+)?)\s*(kg|kgs|lbs?|reps?)?", re.I
)


def _instead(ctx: ToolContext, message: str) -> dict[str, Any] | None:
    """ "the squats were 75 not 80": every set of the exercise's latest session logged with the
    wrong value (a weight or reps, by the unit or by which the sets hold), and the right one."""
    said = _NOT.search(message)
    if said is None:
        return None
    right, wrong = float(said[1].replace(",", ".")), float(said[3].replace(",", "."))
    unit = (said[2] or said[4] or "").lower()
    if unit.startswith("lb"):  # stored in kg, to 0.1 kg, as the log wrote it
        right, wrong = round(right * LB, 1), round(wrong * LB, 1)
    rows, _ = _target(ctx, message, whole=True)
    by_weight = [r for r in rows if r.weight_kg is not None and abs(r.weight_kg - wrong) < 0.01]
    by_reps = [r for r in rows if r.reps == wrong]
    if unit.startswith("rep") or (not unit and by_reps and not by_weight):
        field, chosen, value = "reps", by_reps, int(right)
    else:
        field, chosen, value = "weight_kg", by_weight, right
    if not chosen:
        return None
    return {
        "set_ids": [r.set_id for r in chosen],
        "lines": [_set_words(r) for r in chosen],
        "action": "change",
        "changes": {field: value},
        "exercise": chosen[0].exercise,
    }


def _plan(ctx: ToolContext, message: str) -> dict[str, Any] | str:
    if (instead := _instead(ctx, message)) is not None:
        return instead
    rows, how = _target(ctx, message)
    if not rows:
        return how
    plan: dict[str, Any] = {
        "set_ids": [r.set_id for r in rows],
        "lines": [_set_words(r) for r in rows],
    }
    if DELETE.search(message):
        plan["action"] = "delete"
        return plan
    changes = _changes(message)
    if isinstance(changes, str):
        return changes
    if len(rows) != 1:
        return "Name one set to change, e.g. “change set 2 of today's squats to 65 kg”."
    plan["action"] = "change"
    plan["changes"] = changes
    plan["exercise"] = rows[0].exercise
    return plan


def _apply(ctx: ToolContext, plan: dict[str, Any]) -> ToolResult:
    with ctx.session() as session:
        if plan["action"] == "delete":
            count = delete_sets(session, ctx.actor, ctx.athlete_id, plan["set_ids"])
            return ToolResult(
                tool=TOOL,
                message=f"Deleted {count} set{'s' if count != 1 else ''}.",
                facts=[Fact("deleted", count, "sets")],
                data=plan,
            )
        now = []
        for set_id in plan["set_ids"]:
            row = update_set(session, ctx.actor, ctx.athlete_id, set_id, **plan["changes"])
            now.append(
                SetRow(
                    set_id=row.id,
                    session_id=row.session_id,
                    day=date.fromisoformat(row.session.day),
                    exercise=plan["exercise"],
                    mapped=True,
                    muscles=(),
                    groups=(),
                    set_type=row.set_type,
                    reps=row.reps,
                    weight_kg=row.weight_kg,
                    seconds=row.seconds,
                    rpe=row.rpe,
                )
            )
    many = len(now) != 1
    return ToolResult(
        tool=TOOL,
        message=f"Changed the set{'s' if many else ''}; {'they' if many else 'it'} now read"
        f"{'' if many else 's'}:",
        facts=[Fact("changed", len(now), "sets")],
        data=plan | {"lines": [_set_words(r) for r in now]},
    )


def _change_words(changes: dict[str, Any]) -> str:
    parts = []
    if "reps" in changes:
        parts.append(f"{changes['reps']} reps")
    if "weight_kg" in changes:
        w = changes["weight_kg"]
        parts.append("bodyweight" if w is None else f"{w:g} kg")
    if "rpe" in changes:
        parts.append(f"RPE {changes['rpe']:g}")
    return ", ".join(parts)


def fix_strength(ctx: ToolContext, request: str) -> ToolResult:
    """Correct or delete logged strength sets: "delete my last set", "change my last squat set
    to 65 kg", "the last bench set was 6 reps", "delete yesterday's session". In a chat Coach G
    shows which sets it means and asks before changing anything.

    Args:
        request: what to correct or delete, in the athlete's words.
    """
    plan = _plan(ctx, request)
    if isinstance(plan, str):
        return ToolResult.failure(TOOL, plan + " Nothing was changed.")
    return _apply(ctx, plan)


def fix_flow(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    if "plan" not in data:
        plan = _plan(ctx, message)
        if isinstance(plan, str):
            return FlowStep(result=ToolResult.failure(TOOL, plan + " Nothing was changed."))
        verb = "delete" if plan["action"] == "delete" else "change"
        to = f" to {_change_words(plan['changes'])}" if plan["action"] == "change" else ""
        lines = plan["lines"]
        listed = "\n".join(f"- {line}" for line in lines)
        text = (
            f"I'll {verb} {'this set' if len(lines) == 1 else f'these {len(lines)} sets'}{to}:"
            f"\n{listed}\n\nShall I? Say yes or no."
        )
        return FlowStep(ask=text, data={"plan": plan}, confirming=True)
    if YES.match(message):
        return FlowStep(result=_apply(ctx, data["plan"]))
    if NO.match(message):
        return FlowStep(result=ToolResult(tool=TOOL, message="Okay, nothing was changed."))
    return FlowStep(ask="Say yes to go ahead, or no.", data=data)


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    lines = [f"- {line}" for line in result.data.get("lines", [])]
    return "\n".join([result.message, *lines])


#: A correction of something logged: "the squats were 75 not 80", "oops, 60kg not 65".
CORRECTION = (
    r"\b(was|were|should be|should have been|it's|its) \d+(?:[.,]\d+)? ?(?:kg|kgs|lbs?|reps?)?"
    r",? not \d+"
    r"|\b\d+(?:[.,]\d+)? ?(?:kg|kgs|lbs?|reps?)?,? not \d+(?:[.,]\d+)? ?(?:kg|kgs|lbs?|reps?)"
)

SPEC = ToolSpec(
    name=TOOL,
    function=fix_strength,
    claims=CORRECTION,
    summary="correct or delete a logged strength set",
    examples=(
        "delete my last set",
        "remove the last squat set",
        "undo that strength log",
        "delete yesterday's strength session",
        "change my last squat set to 65 kg",
        "the last bench set was 6 reps not 8",
        "correct my deadlift set to 110kg",
        "fix the last set, it was 10 reps",
        "I logged the wrong weight for lunges, it was 20 kg",
        "delete today's gym session",
        "remove set 2 of my squats",
        "scrap the calf raise sets I just logged",
        "that last set should be 12 reps",
        "edit my last logged set",
    ),
    writes=True,
    confirm=lambda args: "change your logged sets",
    phrase=_phrase,
    flow=fix_flow,
    readers={"request": lambda text: text.strip() or None},
)
