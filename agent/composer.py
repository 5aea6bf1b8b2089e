"""Replies: the template of each tool result (from its spec), help generated from the registry,
and a language model's draft rendered from facts by name.

A model never writes a number or a scope. Its draft refers to facts by name (``{total_distance}``)
and this renderer writes each value with its unit; a draft with a figure of its own, a fact name
that does not exist, or a period, sport or person that the turn's facts are not about is
rejected, and the template answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from agent.dates import MONTHS
from agent.extractors import SPORTS
from tools.markdown import safe_reply
from tools.registry import TOOLS
from tools.reply import standard_reply
from tools.result import RELIABLE, ToolResult


def compose(result: ToolResult) -> str:
    """The template reply for one tool result."""
    spec = TOOLS.get(result.tool)
    if not result.ok:
        return standard_reply(result)
    text = spec.phrase(result) if spec and spec.phrase else standard_reply(result)
    if athlete := result.data.get("athlete"):
        text = f"**{athlete}**\n{text}"
    return text


def compose_many(results: Sequence[ToolResult]) -> str:
    return "\n\n".join(compose(result) for result in results)


def help_text() -> str:
    """What Coach G can do, from the registry: built tools first, then what is coming."""
    lines = [
        "I'm Coach G, your running coach. I work on your own data and tell you how sure I am. "
        "You can ask me to:"
    ]
    for spec in TOOLS.values():
        if spec.available:
            example = f' ("{spec.examples[0]}")' if spec.examples else ""
            lines.append(f"- **{spec.summary}**{example}")
    coming = [spec.summary for spec in TOOLS.values() if spec.planned]
    if coming:
        lines.append("Coming soon: " + "; ".join(coming) + ".")
    return "\n".join(lines)


# -- drafts by a language model -----------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
_DIGIT = re.compile(r"\d")
_PERIODS = re.compile(
    r"\b(today|yesterday|tonight|this morning|week(end)?s?|fortnight|months?|years?|"
    r"all[- ]time|ever|season|spring|summer|autumn|winter|" + "|".join(MONTHS) + r")\b",
    re.I,
)
#: Claims no fact supports and a coach must not make from numbers alone.
_UNSUPPORTED = re.compile(
    r"\b(should (continue|keep)|in (good|great|bad|poor) shape|injur\w*|overtrain\w*|"
    r"bad for you|good for you|healthy|unhealthy|you are (fit|unfit)|generally considered)\b",
    re.I,
)


def fact_table(results: Sequence[ToolResult]) -> dict[str, str]:
    """Each fact of the turn by name, as the reader will see it (value, unit, reliability)."""
    table: dict[str, str] = {}
    for result in results:
        for fact in result.facts:
            shown = fact.render()
            if fact.confidence is not None and fact.confidence < RELIABLE:
                shown += " (not reliable)"
            table[fact.name] = shown
    return table


def render_draft(
    draft: str,
    results: Sequence[ToolResult],
    args: Sequence[dict[str, Any]],
    message: str,
) -> str | None:
    """A model's draft with its ``{fact}`` names written out, or None when it must be rejected:
    it writes a figure itself, names an unknown fact, or claims a scope or a judgement that
    neither the facts, the call, the notes given nor the user's message support."""
    draft = safe_reply(draft or "").strip()
    if not draft:
        return None
    table = fact_table(results)
    names = _PLACEHOLDER.findall(draft)
    if any(name not in table for name in names):
        return None
    if _DIGIT.search(_PLACEHOLDER.sub("", draft)):
        return None  # a figure the model wrote itself
    allowed = " ".join(
        [message, *(str(v) for a in args for v in a.values())] + [_given_text(r) for r in results]
    ).lower()
    for match in _PERIODS.finditer(draft):
        if match[0].lower() not in allowed:
            return None
    for sport, pattern in SPORTS:
        named = re.search(pattern, draft, re.I) and not re.search(pattern, allowed, re.I)
        if named and not any(a.get("sport") == sport for a in args):
            return None
    for match in _UNSUPPORTED.finditer(draft):
        if match[0].lower() not in allowed:
            return None
    return _PLACEHOLDER.sub(lambda m: table[m[1]], draft)


def _given_text(result: ToolResult) -> str:
    """The words a result gives a model: its message, reasons, caveats and retrieved notes."""
    hits = " ".join(str(h.get("text", "")) for h in result.data.get("hits") or [])
    return " ".join([result.message, *result.reasons, *result.caveats, hits])
