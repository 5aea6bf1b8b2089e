"""The standard template reply for a tool result: its message, the lines its tool adds, each fact
with its unit, how sure Coach G is, and the caveats.

It states only what the result holds, so it is also the fallback whenever a language model's
draft fails the grounding check. A tool whose result reads differently words it in its spec's
``phrase`` and may build on :func:`standard_reply`.
"""

from __future__ import annotations

from collections.abc import Sequence

from tools.confidence_words import STATE_BELOW, confidence_sentence
from tools.result import RELIABLE, Fact, ToolResult


def label(name: str) -> str:
    """A fact's name as a heading: ``total_distance`` -> ``Total distance``."""
    return name.replace("_", " ").replace(" pct", " %").replace(" spm", "").capitalize()


def fact_line(fact: Fact) -> str:
    shown = fact.render()
    if fact.confidence is not None and fact.confidence < RELIABLE:
        return f"- {label(fact.name)}: {shown} (not reliable from this video, treat with care)"
    return f"- {label(fact.name)}: {shown}"


def standard_reply(result: ToolResult, lines: Sequence[str] = ()) -> str:
    """The template reply: message, ``lines``, facts, confidence and caveats."""
    if not result.ok:
        return result.message or f"{label(result.tool)} could not be done."
    out: list[str] = [result.message] if result.message else []
    out += lines
    out += [fact_line(fact) for fact in result.facts]
    sentence = confidence_sentence(result.confidence, result.reasons)
    if sentence and (result.confidence < STATE_BELOW or result.facts):
        out += ["", sentence]
    if result.caveats:
        out += ["", *(f"Note: {caveat}" for caveat in result.caveats[:4])]
    return "\n".join(out).strip()
