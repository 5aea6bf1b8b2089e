"""Strength routines for runners: built from the library to fit the time and kit the athlete
has ("a 30-minute runner's strength session, twice a week, no gym"), saved on "yes", and
logged in one step later ("log my runner's routine").

A routine fills its minutes from a priority list of what runners' strength work is about
(single-leg strength, calves and soleus, the hip hinge, hip abductors, core, and some hopping),
each slot with its reason; a set is counted as about 1.7 minutes with its rest, after 5 minutes
of warming up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from storage.models import Exercise, Routine
from storage.strength import exercises_for, routines_of, save_routine
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.strength.library import GROUPS, ensure_library, group_of
from tools.yes_no import NO, YES

TOOL = "strength_routine"
WARM_UP_MIN = 5
SET_MIN = 1.7
NO_GYM_KIT = ("body only", "", "bands")


@dataclass(frozen=True)
class Slot:
    group: str
    gym: tuple[str, ...]  # library names, first that exists wins
    home: tuple[str, ...]
    sets: int
    reps: int | None
    seconds: int | None
    per_side: bool
    reason: str


SLOTS = (
    Slot("quads", ("One Leg Barbell Squat", "Split Squat with Dumbbells"),
         ("Bodyweight Walking Lunge", "Bodyweight Squat"), 3, 8, None, True,
         "single-leg strength for the quads and glutes that absorb each landing"),
    Slot("calves", ("Seated Calf Raise", "Standing Calf Raises"),
         ("Calf Raises - With Bands", "Standing Calf Raises"), 3, 15, None, False,
         "calves and soleus carry the largest loads of any muscle in running"),
    Slot("hamstrings", ("Romanian Deadlift",), ("Natural Glute Ham Raise",), 3, 6, None,
         False, "hip hinge and hamstring strength for the push-off and late swing"),
    Slot("hip_abductors", ("Thigh Abductor", "Monster Walk"), ("Monster Walk", "Side Bridge"),
         2, 15, None, True, "hip abductors hold the pelvis level on one leg (pelvic drop)"),
    Slot("core", ("Plank",), ("Plank",), 2, None, 40, False,
         "a stiff trunk keeps posture as you tire"),
    Slot("glutes", ("Barbell Hip Thrust",), ("Single Leg Glute Bridge",), 3, 10, None, False,
         "glute strength for hip extension at toe-off"),
    Slot("plyometrics", ("Front Box Jump", "Knee Tuck Jump"),
         ("Single-Leg Hop Progression", "Knee Tuck Jump"), 2, 8, None, False,
         "short hops train the springy stiffness that makes running economical"),
)  # fmt: skip


def _pick(slot: Slot, gym: bool, by_name: dict[str, Exercise]) -> Exercise | None:
    for name in slot.gym if gym else slot.home:
        found = by_name.get(name.lower())
        if found is not None and (gym or (found.equipment or "") in NO_GYM_KIT):
            return found
    kit = [
        e
        for e in by_name.values()
        if slot.group in e.groups and (gym or (e.equipment or "") in NO_GYM_KIT)
    ]
    return kit[0] if kit else None


def build_routine(
    ctx: ToolContext,
    minutes: int = 30,
    per_week: int = 2,
    gym: bool = False,
    focus: str | None = None,
) -> dict[str, Any]:
    """A routine for ``minutes`` a session (items, each with its reason), not saved."""
    ensure_library(ctx)
    with ctx.session() as session:
        by_name = {
            e.name.lower(): e
            for e in exercises_for(session, ctx.actor, ctx.athlete_id)
            if e.owner_id is None
        }
    slots = sorted(SLOTS, key=lambda s: s.group != focus)
    budget = max(1, round((minutes - WARM_UP_MIN) / SET_MIN))
    items, used = [], 0
    for slot in slots:
        if used + slot.sets > budget and items:
            continue
        exercise = _pick(slot, gym, by_name)
        if exercise is None:
            continue
        items.append(
            {
                "exercise_id": exercise.id,
                "exercise": exercise.name,
                "group": slot.group,
                "sets": slot.sets,
                "reps": slot.reps,
                "seconds": slot.seconds,
                "per_side": slot.per_side,
                "reason": slot.reason,
            }
        )
        used += slot.sets
    name = f"Runner's strength, {minutes} min, {'gym' if gym else 'no gym'}"
    return {
        "name": name,
        "minutes": minutes,
        "per_week": per_week,
        "gym": gym,
        "items": items,
        "estimated_min": round(WARM_UP_MIN + used * SET_MIN),
    }


def item_line(item: dict[str, Any]) -> str:
    dose = f"{item['reps']} reps" if item.get("reps") else f"{item['seconds']} s"
    side = " per side" if item.get("per_side") else ""
    reason = f" — {item['reason']}" if item.get("reason") else ""
    return f"- {escape(item['exercise'])}: {item['sets']} × {dose}{side}{reason}"


def _said_minutes(text: str) -> int | None:
    if m := re.search(r"\b(\d{1,3})\s*-?\s*(?:min|minute|mins|minutes)\b", text.lower()):
        return max(10, min(120, int(m[1])))
    return None


def _said_per_week(text: str) -> int | None:
    lowered = text.lower()
    if m := re.search(r"\b(\d)\s*(?:x|times)\s*(?:a|per|/)\s*week\b", lowered):
        return int(m[1])
    words = {"once": 1, "twice": 2, "two times": 2, "three times": 3, "thrice": 3}
    return next((n for word, n in words.items() if re.search(rf"\b{word}\b", lowered)), None)


def _said_gym(text: str) -> bool | None:
    lowered = text.lower()
    if re.search(r"\b(no gym|no-gym|at home|home|bodyweight|no equipment|without)\b", lowered):
        return False
    return True if re.search(r"\bgym\b|barbell|machines?\b", lowered) else None


def read_request(message: str) -> dict[str, Any]:
    """Minutes, sessions a week, gym or not, and a focus group, from a request."""
    text = message.lower()
    minutes = 30
    if m := re.search(r"\b(\d{1,3})\s*-?\s*(?:min|minute|mins|minutes)\b", text):
        minutes = max(10, min(120, int(m[1])))
    elif re.search(r"\b(half an hour|half-hour)\b", text):
        minutes = 30
    elif re.search(r"\b(an hour|one hour|1 hour|60 min)\b", text):
        minutes = 60
    per_week = 2
    words = {"once": 1, "twice": 2, "two times": 2, "three times": 3, "thrice": 3}
    for word, n in words.items():
        if word in text:
            per_week = n
    if m := re.search(r"\b(\d)\s*(?:x|times)\s*(?:a|per|/)\s*week\b", text):
        per_week = int(m[1])
    no_gym = re.search(r"\b(no gym|no-gym|at home|home|bodyweight|no equipment|without)\b", text)
    gym = bool(re.search(r"\bgym\b|barbell|machines?\b", text)) and not no_gym
    group = group_of(text)
    return {"minutes": minutes, "per_week": per_week, "gym": gym, "focus": group}


def routine_named(ctx: ToolContext, message: str) -> Routine | None:
    """The saved routine a message names, or "my routine" when there is one."""
    lower = message.lower()
    with ctx.session() as session:
        routines = routines_of(session, ctx.actor, ctx.athlete_id)
    for routine in routines:
        if routine.name.lower() in lower:
            return routine
    if routines and re.search(r"\broutine\b", lower):
        return routines[0]
    return None


def routine_workout(routine: Routine) -> list[dict[str, Any]]:
    """A routine's items as the entries of a session to log (as planned, bodyweight)."""
    entries = []
    for item in routine.items:
        one = [item.get("reps"), None, item.get("seconds"), None]
        entries.append(
            {
                "written": item["exercise"],
                "exercise_id": item["exercise_id"],
                "exercise": item["exercise"],
                "candidates": [],
                "new": False,
                "sets": [list(one) for _ in range(int(item["sets"]))],
                "notes": ["per side"] if item.get("per_side") else [],
            }
        )
    return entries


# -- the tool ---------------------------------------------------------------------------------


def strength_routine(
    ctx: ToolContext,
    minutes: int = 30,
    per_week: int = 2,
    gym: bool = False,
    focus: str | None = None,
    save_as: str | None = None,
) -> ToolResult:
    """Build a runner's strength routine from the exercise library for the minutes and kit
    given, each exercise with sets, reps and why it is there; with ``save_as`` it is saved
    under that name (in a chat, Coach G shows it and asks before saving). Asked to show
    routines, it lists the saved ones.

    Args:
        minutes: how long one session may take, in minutes (10-120).
        per_week: how many sessions a week are planned.
        gym: True when a gym (barbells, machines) is available; False for home or no kit.
        focus: a group to start with: calves, hip_abductors, glutes, hamstrings, quads, core
            or plyometrics.
        save_as: save the routine under this name.
    """
    if focus is not None and focus not in GROUPS:
        return ToolResult.failure(TOOL, "Pick a focus from: " + ", ".join(GROUPS) + ".")
    built = build_routine(ctx, max(10, min(120, minutes)), per_week, gym, focus)
    if save_as:
        return _save(ctx, built | {"name": save_as})
    return _shown(built)


def _shown(built: dict[str, Any]) -> ToolResult:
    return ToolResult(
        tool=TOOL,
        message=f"**{escape(built['name'])}** ({built['per_week']} times a week):",
        facts=[
            Fact("exercises", len(built["items"]), ""),
            Fact("estimated_time", built["estimated_min"], "min"),
        ],
        data=built | {"lines": [item_line(i) for i in built["items"]]},
        reasons=["chosen from the exercise library by what runners' strength work is for"],
    )


def _save(ctx: ToolContext, built: dict[str, Any]) -> ToolResult:
    with ctx.session() as session:
        save_routine(
            session,
            ctx.actor,
            ctx.athlete_id,
            built["name"],
            built["items"],
            description="built by Coach G",
            per_week=built["per_week"],
            minutes=built["minutes"],
        )
    result = _shown(built)
    result.message = (
        f"Saved **{escape(built['name'])}**. Say “log my routine” after a session to log it "
        "in one step."
    )
    return result


def list_routines(ctx: ToolContext) -> ToolResult:
    with ctx.session() as session:
        routines = [
            {"name": r.name, "items": r.items, "per_week": r.per_week, "minutes": r.minutes}
            for r in routines_of(session, ctx.actor, ctx.athlete_id)
        ]
    if not routines:
        return ToolResult.failure(
            TOOL,
            "There is no saved routine yet. Ask for one, e.g. “build me a 30-minute runner's "
            "strength routine, twice a week, no gym”.",
        )
    lines = []
    for routine in routines:
        lines.append(f"**{escape(routine['name'])}**")
        lines += [item_line(i) for i in routine["items"]]
    return ToolResult(
        tool=TOOL,
        message="Your routines:",
        facts=[Fact("routines", len(routines), "")],
        data={"routines": routines, "lines": lines},
    )


#: "save it as calf day", "call it Monday legs": the routine saved under the name given.
_SAVE_AS = re.compile(
    r"(?:\b(?:save|store|keep)(?: it| this| that| the routine)? (?:as|under)\s+"
    r"|\b(?:call|name) (?:it|this|that|the routine)\s+(?:as\s+)?)"
    r"(?!is\b)(?P<name>[\"“]?\w[\w '’-]{0,78})",
    re.I,
)
_SHOW = re.compile(r"\b(show|list|what are|see|view)\b.*\broutines?\b|\bmy routines\b", re.I)


def routine_flow(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    """Build, show, and save on yes; or list the saved routines."""
    if "built" not in data:
        if _SHOW.search(message):
            return FlowStep(result=list_routines(ctx))
        request = read_request(message)
        given = data.get("args") or {}
        request |= {k: v for k, v in given.items() if k in request and v is not None}
        built = build_routine(ctx, **request)
        shown = _shown(built)
        text = "\n".join(
            [
                shown.message,
                *shown.data["lines"],
                "",
                f"About {built['estimated_min']} minutes with rests. Shall I save it as "
                f"“{escape(built['name'])}”? Say yes or no.",
            ]
        )
        return FlowStep(ask=text, data={"built": built}, shown=shown, confirming=True)
    if named := _SAVE_AS.search(message):  # "save it as calf day": that name, saved
        built = data["built"] | {"name": named["name"].strip(" .!\"'“”")[:80]}
        return FlowStep(result=_save(ctx, built))
    if YES.match(message):
        return FlowStep(result=_save(ctx, data["built"]))
    if NO.match(message):
        return FlowStep(result=ToolResult(tool=TOOL, message="Okay, I didn't save it."))
    return FlowStep(ask="Say yes to save the routine, or no.", data=data)


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    return "\n".join([result.message, *result.data.get("lines", [])])


SPEC = ToolSpec(
    name=TOOL,
    function=strength_routine,
    summary="build or show a strength routine",
    examples=(
        "build me a 30-minute runner's strength session, twice a week, no gym",
        "make me a strength routine for runners",
        "give me a home strength workout for running",
        "I want a 20 minute strength plan I can do at home",
        "create a gym routine for a marathon runner",
        "what strength routine should I do twice a week",
        "plan a strength session for my calves and hips",
        "design a bodyweight routine for runners",
        "show my routines",
        "list my saved routines",
        "what's in my strength routine",
        "a 45 minute gym session for runners please",
        "strength program for runners, no equipment",
        "save a routine for me",
    ),
    writes=True,
    confirm=lambda args: "save this routine",
    phrase=_phrase,
    flow=routine_flow,
    flow_args=True,
    readers={
        "minutes": _said_minutes,
        "per_week": _said_per_week,
        "gym": _said_gym,
        "focus": group_of,
    },
)
