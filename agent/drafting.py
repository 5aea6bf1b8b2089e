"""The words of a reply: the template composed from the results' facts and findings, or a
model's draft when one is loaded, kept only if every number in it is grounded in a fact."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from agent.composer import compose_many, render_draft, with_sources
from agent.llm_calls import draft_with_llm
from agent.question import VERDICT_KINDS
from agent.verifier import is_grounded
from models.llm import LLMBackend, RulesBackend
from tools.confidence_words import STATE_BELOW, confidence_sentence
from tools.result import ToolResult

log = logging.getLogger(__name__)


def draft_reply(
    llm: LLMBackend,
    message: str,
    calls_args: Sequence[dict[str, Any]],
    results: list[ToolResult],
    kind: str = "lookup",
    roster: bool = False,
) -> str:
    """The reply's text for ``results``. A verdict question's finding leads in Coach G's own
    words; otherwise a loaded model may phrase it, and its draft is used only when grounded."""
    text = compose_many(results, kind, message, roster=roster)
    led_by_finding = kind in VERDICT_KINDS and any(r.rendered_findings(kind) for r in results)
    if isinstance(llm, RulesBackend) or not all(r.ok for r in results) or led_by_finding:
        return text
    draft = draft_with_llm(llm, message, results)
    args = list(calls_args)
    rendered = render_draft(draft, results, args, message)
    if rendered and is_grounded(rendered, results, args, message):
        text = with_sources(rendered, results)
        confidence = min(r.confidence for r in results)
        if confidence < STATE_BELOW:
            reasons = [x for r in results for x in r.reasons]
            text = f"{text}\n\n{confidence_sentence(confidence, reasons)}"
    elif draft:
        log.info("the model's draft was rejected; using the template")
    return text
