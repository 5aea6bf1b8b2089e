"""Language-model backends behind one small interface, chosen by ``COACHG_LLM``.

``rules`` (the default) is no model at all: Coach G then routes and words its replies with
code. The others only ever choose a tool or phrase an answer; numbers always come from tools.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from storage.settings import Settings

log = logging.getLogger(__name__)

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
JSONSchema = dict[str, Any]


class LLMBackend(Protocol):
    """A chat model: messages in, text out. With a JSON ``schema``, the backend constrains its
    output to it where it can (a grammar, structured output); the caller validates either way."""

    name: str

    def generate(
        self, messages: list[Message], max_tokens: int = 256, schema: JSONSchema | None = None
    ) -> str: ...


class RulesBackend:
    """No language model: the router and the templates do all the work."""

    name = "rules"

    def __init__(self, reason: str = "") -> None:
        self.reason = reason  # why a configured model was not used, if one was asked for

    def generate(
        self, messages: list[Message], max_tokens: int = 256, schema: JSONSchema | None = None
    ) -> str:
        return ""


def load_backend(settings: Settings) -> LLMBackend:
    """The backend ``settings`` ask for, or :class:`RulesBackend` (with the reason logged) when
    it cannot be loaded. Never downloads a model."""
    choice = (settings.llm or "rules").strip().lower()
    try:
        if choice == "rules":
            return RulesBackend()
        if choice == "transformers":
            from models.llm_transformers import TransformersBackend

            return TransformersBackend(settings.llm_model or "google/gemma-2-2b-it")
        if choice == "openai":
            from models.llm_openai import OpenAIBackend

            if not settings.llm_base_url:
                raise ValueError(
                    "set COACHG_LLM_BASE_URL to the server, e.g. http://localhost:11434"
                )
            return OpenAIBackend(settings.llm_base_url, settings.llm_model or "default")
        if choice == "llamacpp":
            from models.llm_llamacpp import LlamaCppBackend

            return LlamaCppBackend(settings.llm_model)
        raise ValueError(
            f"unknown COACHG_LLM {choice!r}: use rules, transformers, openai or llamacpp"
        )
    except Exception as error:  # any failure to load means: answer without a model
        log.warning("LLM backend %r not used (%s); answering in rules mode", choice, error)
        return RulesBackend(reason=str(error))
