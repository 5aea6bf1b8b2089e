"""Template replies: the words around the numbers, written from a tool's result alone.

The template is also the fallback whenever a language model's reply fails the grounding check,
so it states only what the result holds.
"""

from __future__ import annotations

from agent.confidence_words import STATE_BELOW, confidence_sentence
from agent.gait_reply import compose_gait
from agent.markdown import escape
from tools.result import Fact, ToolResult

# A metric below this confidence is shown as not reliable, never as a plain number.
RELIABLE = 0.5

HELP = (
    "I'm Coach G, your running coach. I work on your own data and tell you how sure I am. "
    "You can ask me to:\n"
    "- **analyse a run video**: attach a side or rear view clip\n"
    "- **import activities**: attach FIT, GPX or TCX files or your Strava export zip\n"
    '- **sync Strava**: "sync my Strava"\n'
    '- **list your training**: "what did I run last month?", "my last 5 runs"\n'
    '- **explain**: "why does cadence matter?" (answers come with their sources)'
)

COMING_SOON = {
    "detect_changes": "spotting trends and change points in your metrics",
    "training_load": "training load",
    "weekly_checkin": "weekly check-ins",
    "log_strength": "logging strength sessions",
    "strength_history": "strength history",
}


def _label(name: str) -> str:
    return name.replace("_", " ").replace(" pct", " %").replace(" spm", "").capitalize()


def _fact_line(fact: Fact) -> str:
    shown = fact.render()
    if fact.confidence is not None and fact.confidence < RELIABLE:
        return f"- {_label(fact.name)}: {shown} (not reliable from this video, treat with care)"
    return f"- {_label(fact.name)}: {shown}"


def _activity_rows(result: ToolResult, most: int = 10) -> list[str]:
    rows = result.data.get("rows") or []
    lines = []
    for row in rows[:most]:
        parts = [str(row.get("start_time") or "")[:10], str(row.get("sport", ""))]
        if row.get("distance_km") is not None:
            parts.append(f"{row['distance_km']} km")
        if row.get("name"):
            parts.append(f"“{escape(row['name'])}”")
        lines.append("- " + " · ".join(p for p in parts if p))
    if len(rows) > most:
        lines.append("- … and the others in the count below")
    return lines


def compose(result: ToolResult) -> str:
    """The template reply for one tool result."""
    if not result.ok:
        return result.message or f"{_label(result.tool)} could not be done."
    if result.tool == "analyze_run_video" and "report" in result.data:
        return compose_gait(result)
    lines: list[str] = []
    if result.message:
        lines.append(result.message)
    if result.tool == "list_activities":
        lines += _activity_rows(result)
    if result.tool == "search_knowledge":
        for hit in (result.data.get("hits") or [])[:3]:
            source = f" ({hit['source']})" if hit.get("source") else ""
            text = hit["text"] if hit.get("kind") == "note" else escape(hit["text"])
            lines.append(f"- {text}{source}")
    lines += [_fact_line(fact) for fact in result.facts]
    sentence = confidence_sentence(result.confidence, result.reasons)
    if sentence and (result.confidence < STATE_BELOW or result.facts):
        lines.append("")
        lines.append(sentence)
    if result.caveats:
        lines.append("")
        lines += [f"Note: {caveat}" for caveat in result.caveats[:4]]
    return "\n".join(lines).strip()


def compose_many(results: list[ToolResult]) -> str:
    return "\n\n".join(compose(result) for result in results)
