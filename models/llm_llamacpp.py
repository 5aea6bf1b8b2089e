"""A GGUF model through llama-cpp-python (optional extra ``coachg[llamacpp]``), fast on CPU."""

from __future__ import annotations

from typing import Any

from models.llm import JSONSchema, Message


class LlamaCppBackend:
    name = "llamacpp"

    def __init__(self, model_path: str) -> None:
        if not model_path:
            raise ValueError("set COACHG_LLM_MODEL to the path of a .gguf file")
        from llama_cpp import Llama  # optional dependency

        self.llm: Any = Llama(model_path=model_path, n_ctx=4096, verbose=False)

    def generate(
        self, messages: list[Message], max_tokens: int = 256, schema: JSONSchema | None = None
    ) -> str:
        # With a schema, llama.cpp compiles it to a grammar: the output cannot leave it.
        constraint = (
            {"response_format": {"type": "json_object", "schema": schema}} if schema else {}
        )
        reply = self.llm.create_chat_completion(
            messages=messages, max_tokens=max_tokens, temperature=0.0, **constraint
        )
        return str(reply["choices"][0]["message"]["content"] or "")
