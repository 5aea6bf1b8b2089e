"""Every capability of Coach G, by name. Each spec lives beside its function; this list only
gathers them, so adding a tool is its module, its spec and one line here.

The modules are imported directly: a tool whose import is broken stops Coach G loudly instead of
silently reading "not available".
"""

from __future__ import annotations

from tools import activities, knowledge, planned, profile
from tools.checkin import tool as checkin
from tools.gait import tool as gait
from tools.importing import tool as importing
from tools.plans import edit_tool as plan_edits
from tools.plans import tool as plans
from tools.spec import ToolCallError, ToolSpec
from tools.strava import tool as strava
from tools.strength import fix_tool, history_tool, log_tool, routines
from tools.trends import changes, compare, overview, training_load

__all__ = ["TOOLS", "ToolCallError", "ToolSpec", "available_tools", "get_tool", "tool_for_file"]

TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        importing.SPEC,
        strava.SPEC,
        activities.SPEC,
        gait.SPEC,
        knowledge.SPEC,
        training_load.SPEC,
        changes.SPEC,
        compare.SPEC,
        overview.SPEC,
        checkin.SPEC,
        log_tool.SPEC,
        fix_tool.SPEC,
        history_tool.SPEC,
        routines.SPEC,
        plans.SPEC,
        plan_edits.SPEC,
        *profile.SPECS,
        *planned.SPECS,
    )
}


def get_tool(name: str) -> ToolSpec:
    """The tool called ``name``; raises :class:`ToolCallError` for an unknown name."""
    try:
        return TOOLS[name]
    except KeyError:
        raise ToolCallError(f"There is no tool called {name!r}.") from None


def available_tools() -> list[ToolSpec]:
    """The tools that are built."""
    return [spec for spec in TOOLS.values() if spec.available]


def tool_for_file(file_name: str) -> ToolSpec | None:
    """The built tool that takes a file of this type, if any."""
    return next((s for s in available_tools() if s.file_arg and s.accepts(file_name)), None)
