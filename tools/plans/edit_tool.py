"""The ``edit_plan`` tool: change the current stored plan in the athlete's words, after showing
the change and what it breaks, and asking.

"move Thursday's run to Friday", "make Sunday shorter", "I'm ill, clear this week", "swap
tuesday and wednesday". The changed plan is checked against the same rules as a new one (no run
over 10 % longer than the longest of the 30 days before, the weekly ramp) and for two hard days
together; what the change would break is said before the yes. A yes stores a new version (the
one before stays in the history).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from tools.context import ToolContext
from tools.markdown import escape
from tools.plans.edit import EditError, apply_edit, changed_lines, check_edit, read_edit
from tools.plans.model import Plan, plan_from_data
from tools.plans.store import store_plan, stored_plan
from tools.plans.tool import runs_of
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.trends.history import history
from tools.yes_no import NO, YES

TOOL = "edit_plan"
NO_PLAN = "There is no plan to change yet: ask me to “plan my next week” first."


def _done_runs(ctx: ToolContext, before: date) -> list[tuple[date, float]]:
    import pandas as pd

    frame = history(ctx)
    return runs_of(frame[(frame["sport"] == "run") & (frame["date"] < pd.Timestamp(before))])


def propose(ctx: ToolContext, request: str) -> dict[str, Any] | str:
    """The change a request asks of the current plan, ready to show and store, or what to say
    instead."""
    current = stored_plan(ctx)
    if current is None:
        return NO_PLAN
    today = ctx.day
    if current.plan.end < today:
        whose = ctx.whose
        return f"{whose[:1].upper()}{whose[1:]} latest plan ended on {current.plan.end}. " + NO_PLAN
    try:
        edit = read_edit(current.plan, request, today)
        after, notes = apply_edit(current.plan, edit, today)
    except EditError as error:
        return str(error)
    lines = changed_lines(current.plan, after)
    if not lines:
        return "That changes nothing in the plan."
    check = check_edit(current.plan, after, _done_runs(ctx, current.plan.start))
    return {
        "base_id": current.id,
        "change": edit.words,
        "lines": lines,
        "notes": notes,
        "warnings": check.lines(),
        "plan": after.to_json(),
    }


def _apply(ctx: ToolContext, change: dict[str, Any]) -> ToolResult:
    current = stored_plan(ctx)
    if current is None or current.id != change["base_id"]:  # changed meanwhile (a coach, a tab)
        return ToolResult.failure(
            TOOL,
            "The plan changed since I showed you this change, so nothing was written: say the "
            "change again and I'll show it on the plan as it is now.",
        )
    plan: Plan = plan_from_data(change["plan"])
    stored = store_plan(ctx, plan, change["change"])
    warned = len(change["warnings"])
    return ToolResult(
        tool=TOOL,
        message=f"Done: {change['change']}. The plan now reads:",
        facts=[Fact("days_changed", len(change["lines"]), "days"), Fact("warnings", warned, "")],
        data={
            "lines": change["lines"],
            "notes": change["notes"],
            "warnings": change["warnings"],
            "stored_id": stored,
            "plan": plan.to_json(),
        },
        caveats=change["warnings"][:3],
    )


def edit_plan(ctx: ToolContext, request: str) -> ToolResult:
    """Change the athlete's current training plan: move a session to another day ("move
    Thursday's run to Friday"), swap two days, make a run shorter, longer or a given distance
    ("make Sunday shorter", "make my long run 14 km"), or clear days ("I'm ill, clear this
    week", "skip tomorrow"). The changed plan is checked again against the plan's rules (10 %
    longest-run rule, weekly ramp, no two hard days together); in a chat Coach G shows the
    change and what it breaks and asks before writing it.

    Args:
        request: the change, in the athlete's words.
    """
    change = propose(ctx, request)
    if isinstance(change, str):
        return ToolResult.failure(TOOL, change + " Nothing was changed.")
    return _apply(ctx, change)


def edit_flow(ctx: ToolContext, data: dict[str, Any], message: str) -> FlowStep:
    if "change" not in data:
        change = propose(ctx, message)
        if isinstance(change, str):
            return FlowStep(result=ToolResult.failure(TOOL, change + " Nothing was changed."))
        parts = [f"I'll {escape(change['change'])}:", *(f"- {line}" for line in change["lines"])]
        parts += [f"- {note}" for note in change["notes"]]
        if change["warnings"]:
            parts += ["", "**The changed plan would break its rules:**"]
            parts += [f"- {line}" for line in change["warnings"]]
            parts.append("Shall I write it anyway? Say yes or no.")
        else:
            parts += ["", "It keeps the plan's rules. Shall I write it? Say yes or no."]
        shown = ToolResult(
            tool=TOOL,
            facts=[Fact("days_changed", len(change["lines"]), "days")],
            data={"lines": change["lines"], "warnings": change["warnings"]},
        )
        return FlowStep(ask="\n".join(parts), data={"change": change}, shown=shown, confirming=True)
    if YES.match(message):
        return FlowStep(result=_apply(ctx, data["change"]))
    if NO.match(message):
        return FlowStep(result=ToolResult(tool=TOOL, message="Okay, the plan stays as it was."))
    return FlowStep(ask="Say yes to change the plan, or no to leave it.", data=data)


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    lines = [result.message, *(f"- {line}" for line in data.get("lines", []))]
    lines += [f"- {note}" for note in data.get("notes", [])]
    if data.get("warnings"):
        lines += ["", "It breaks the plan's rules:", *(f"- {w}" for w in data["warnings"])]
    return "\n".join(lines)


SPEC = ToolSpec(
    name=TOOL,
    function=edit_plan,
    summary="change your training plan: move, swap, shorten or clear sessions",
    examples=(
        "move Thursday's run to Friday",
        "make Sunday shorter",
        "I'm ill, clear this week",
        "swap tuesday and wednesday",
        "move my long run to Saturday",
        "can you push the tempo to Thursday",
        "make my long run 14 km",
        "skip tomorrow's run",
        "I'm sick, cancel the rest of the week",
        "clear next week in my plan",
        "switch wednesday and friday",
        "make saturday's run a bit longer",
        "shorten the intervals on tuesday",
        "move the intervals to wednesday",
        "I can't run on friday this week, move it to saturday",
        "make tuesday's run 8 km",
        "shorten my long run",
    ),
    writes=True,
    confirm=lambda args: "change your training plan",
    phrase=_phrase,
    flow=edit_flow,
    readers={"request": lambda text: text.strip() or None},
)
