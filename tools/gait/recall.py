"""A question about a video already analysed ("what cadence did you get from my treadmill
video?"), answered from the stored report instead of asking for the video again: the metric
asked about first (or the reliable ones), dated, each with how sure the analysis was."""

from __future__ import annotations

import re
from typing import Any

from storage.gait_reports import list_gait_reports
from tools.context import ToolContext
from tools.gait.reply import value_words
from tools.markdown import escape
from tools.words import day_words

#: Words of a question about a result already given, not a request for a new analysis.
ASKS_BACK = re.compile(
    r"\b(did you (get|find|measure|see|say)|you (got|found|measured|said)|from (my|her|his|the|"
    r"that) (last |latest |previous |treadmill |side |rear |old )?(video|clip|analysis)"
    r"|(my|her|his) (last|latest|previous) (video|clip|analysis)|in (my|her|his|the|that) "
    r"(last |latest |treadmill )?(video|clip|analysis)|(video|clip|analysis) (results?|say|said"
    r"|show(ed)?))\b",
    re.I,
)
#: What people call each stored metric (the report's own label is matched too).
_ASKED = {
    "cadence": r"cadence|steps? (per|a) min|spm|step rate",
    "ground_contact": r"contact time|ground contact|gct",
    "overstride": r"overstrid\w*",
    "foot_strike_angle": r"foot ?strike|heel strik\w*|land(ing)?",
    "vertical_oscillation": r"bounc\w*|vertical oscillation",
    "trunk_lean": r"lean|posture|trunk",
    "pelvic_drop": r"pelvi\w*|hip drop",
}
#: Metrics named when the question names none.
_SHOWN = 4


def _line(metric: dict[str, Any]) -> str:
    label = str(metric.get("label") or "").lower()
    sure = "" if metric.get("reliable") else " (not reliable in that clip)"
    return f"{label} {value_words(metric)}{sure}"


def recall(ctx: ToolContext, message: str) -> str | None:
    """The answer from the latest stored analysis, or None when the message asks for a new one
    or nothing is stored."""
    if not ASKS_BACK.search(message):
        return None
    with ctx.session() as session:
        reports = list_gait_reports(session, ctx.actor, ctx.athlete_id, limit=1)
        if not reports:
            return None
        stored, day, name = reports[0].report, reports[0].created_at.date(), reports[0].video_name
    metrics = {k: m for k, m in (stored.get("metrics") or {}).items() if m.get("value") is not None}
    asked = [k for k, words in _ASKED.items() if k in metrics and re.search(words, message, re.I)]
    whose = ctx.whose
    where = f"{whose[0].upper() + whose[1:]} video of {day_words(day)} (“{escape(name)}”)"
    if asked:
        first = [_line(metrics[k]) for k in asked]
        text = f"{where}: {'; '.join(first)}."
    else:
        shown = [m for m in metrics.values() if m.get("reliable")][:_SHOWN]
        if not shown:
            return f"{where}: no metric was measured reliably in that clip; film again."
        text = f"{where}: {'; '.join(_line(m) for m in shown)}."
    return text + "\n\nAttach a new clip to analyse another run."
