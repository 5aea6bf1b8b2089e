"""Any OpenAI-compatible chat server (Ollama, vLLM, llama.cpp server) by base URL."""

from __future__ import annotations

import os

import requests

from models.llm import JSONSchema, Message


class OpenAIBackend:
    """POSTs to ``{base_url}/v1/chat/completions``; the key, if any, from ``COACHG_LLM_API_KEY``."""

    name = "openai"

    def __init__(self, base_url: str, model: str, timeout_s: float = 60.0) -> None:
        base = base_url.rstrip("/")
        self.url = base + ("/chat/completions" if base.endswith("/v1") else "/v1/chat/completions")
        self.model = model
        self.timeout_s = timeout_s

    def generate(
        self, messages: list[Message], max_tokens: int = 256, schema: JSONSchema | None = None
    ) -> str:
        headers = {"Content-Type": "application/json"}
        if key := os.environ.get("COACHG_LLM_API_KEY"):
            headers["Authorization"] = f"Bearer {key}"
        response = requests.post(
            self.url,
            json={
                "model": self.model,
                "messages": messages,
                "max_tokens": max_tokens,
                "temperature": 0.0,
            }
            | (
                {
                    "response_format": {
                        "type": "json_schema",
                        "json_schema": {"name": "reply", "schema": schema, "strict": True},
                    }
                }
                if schema
                else {}
            ),
            headers=headers,
            timeout=self.timeout_s,
        )
        response.raise_for_status()
        return str(response.json()["choices"][0]["message"]["content"] or "")
