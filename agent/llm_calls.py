"""Using a language model where it helps: proposing a call when the router is not sure, and
drafting a reply from facts by name (the composer renders and checks it)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from agent.composer import fact_table
from agent.prompts import draft_messages, tool_choice_messages
from models.llm import LLMBackend
from tools.registry import TOOLS, ToolCallError, get_tool
from tools.result import ToolResult

if TYPE_CHECKING:
    from agent.router import Route

log = logging.getLogger(__name__)


@dataclass
class Proposal:
    """What the model proposed: a validated call, or none."""

    tool: str | None = None
    args: dict[str, Any] | None = None


def call_schema() -> dict[str, Any]:
    """The JSON schema a proposed call must fit: a known tool name (or null) and its args."""
    return {
        "type": "object",
        "properties": {
            "tool": {"anyOf": [{"type": "string", "enum": sorted(TOOLS)}, {"type": "null"}]},
            "args": {"type": "object"},
        },
        "required": ["tool", "args"],
    }


def _json_object(text: str) -> dict[str, Any] | None:
    match = re.search(r"\{.*\}", text, flags=re.S)
    if not match:
        return None
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def propose_call(
    backend: LLMBackend, message: str, today: date, proposed: Route | None = None
) -> Proposal | None:
    """A tool call the model proposes, validated against the tool's schema; one retry with the
    error shown to the model. None when the model gives nothing usable."""
    schemas = [spec.schema() for spec in TOOLS.values()]
    resolved = dict(proposed.args) if proposed is not None else {}
    messages = tool_choice_messages(message, schemas, today, resolved)
    for _attempt in range(2):
        try:
            raw = backend.generate(messages, max_tokens=200, schema=call_schema())
        except Exception as error:
            log.warning("the language model failed (%s); answering without it", error)
            return None
        value = _json_object(raw)
        if value is None:
            problem = "Answer with one JSON object only."
        elif value.get("tool") in (None, "", "none"):
            return Proposal()
        else:
            try:
                spec = get_tool(str(value["tool"]))
                args = {} if spec.planned else spec.validate(dict(value.get("args") or {}))
                return Proposal(tool=spec.name, args=args)
            except (ToolCallError, TypeError) as error:
                problem = f"That call is not valid: {error}. Fix it."
        messages = [
            *messages,
            {"role": "assistant", "content": raw},
            {"role": "user", "content": problem},
        ]
    return None


def draft_with_llm(backend: LLMBackend, message: str, results: list[ToolResult]) -> str:
    """The model's draft, naming facts instead of writing numbers (the caller renders and
    checks it). Knowledge answers get the retrieved note text to answer from."""
    notes = [
        f"{hit.get('text', '')} ({hit.get('source', '')})"
        for r in results
        for hit in (r.data.get("hits") or [])[:3]
    ]
    context = [
        {
            "tool": r.tool,
            "about": r.message,
            "call": {k: v for k, v in r.data.items() if k in ("since", "until", "sport", "limit")},
            "confidence": r.confidence,
            "caveats": r.caveats,
        }
        for r in results
    ]
    try:
        messages = draft_messages(message, fact_table(results), notes, context)
        return backend.generate(messages, max_tokens=220)
    except Exception as error:
        log.warning("the language model failed to draft a reply (%s)", error)
        return ""
