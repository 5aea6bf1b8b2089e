"""Using a language model for what the router cannot place, and for phrasing replies."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from agent.markdown import safe_reply
from agent.prompts import compose_messages, tool_choice_messages
from models.llm import LLMBackend
from tools.registry import ToolCallError, available_tools, get_tool
from tools.result import ToolResult

log = logging.getLogger(__name__)


@dataclass
class Proposal:
    """What the model proposed: a validated call, or a reply without a tool."""

    tool: str | None = None
    args: dict[str, Any] | None = None
    reply: str = ""


def _json_object(text: str) -> dict[str, Any] | None:
    match = re.search(r"\{.*\}", text, flags=re.S)
    if not match:
        return None
    try:
        value = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def propose_call(backend: LLMBackend, message: str, history: list[str]) -> Proposal | None:
    """A tool call the model proposes, validated against the tool's schema; one retry with the
    error shown to the model. None when the model gives nothing usable."""
    schemas = [spec.schema() for spec in available_tools()]
    messages = tool_choice_messages(message, schemas, history)
    for _attempt in range(2):
        try:
            raw = backend.generate(messages, max_tokens=200)
        except Exception as error:
            log.warning("the language model failed (%s); answering without it", error)
            return None
        value = _json_object(raw)
        if value is None:
            problem = "Answer with one JSON object only."
        elif value.get("tool") in (None, "", "none"):
            reply = safe_reply(str(value.get("reply") or ""))
            return Proposal(reply=reply) if reply else None
        else:
            try:
                spec = get_tool(str(value["tool"]))
                if not spec.available:
                    raise ToolCallError(f"{spec.name} is not available")
                args = spec.validate(dict(value.get("args") or {}))
                return Proposal(tool=spec.name, args=args)
            except (ToolCallError, TypeError) as error:
                problem = f"That call is not valid: {error}. Fix it."
        messages = [
            *messages,
            {"role": "assistant", "content": raw},
            {"role": "user", "content": problem},
        ]
    return None


def compose_with_llm(backend: LLMBackend, message: str, results: list[ToolResult]) -> str:
    """The model's reply from the results (the caller verifies its numbers)."""
    data = [
        {
            "tool": r.tool,
            "ok": r.ok,
            "message": r.message,
            "facts": [{"name": f.name, "value": f.value, "unit": f.unit} for f in r.facts],
            "confidence": r.confidence,
            "reasons": r.reasons,
            "caveats": r.caveats,
        }
        for r in results
    ]
    try:
        return safe_reply(backend.generate(compose_messages(message, data), max_tokens=220))
    except Exception as error:
        log.warning("the language model failed to phrase a reply (%s)", error)
        return ""
