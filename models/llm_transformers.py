"""Gemma 2 (or any local causal LM) through transformers, from a local folder or the local
Hugging Face cache only: nothing is downloaded.

Gemma 2 has no system role: the system text is put at the top of the first user turn.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from models.llm import JSONSchema, Message


def merge_system(messages: list[Message]) -> list[Message]:
    """Messages without a system role: the system text opens the first user turn."""
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if system:
        if rest and rest[0]["role"] == "user":
            rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
        else:
            rest.insert(0, {"role": "user", "content": system})
    return rest


def placement() -> dict[str, Any]:
    """Where the weights go: with accelerate installed, on the GPU when there is one and
    offloaded to the CPU when it does not fit (``device_map="auto"``); without it, the CPU."""
    try:
        import accelerate  # noqa: F401
    except ImportError:
        return {}
    return {"device_map": "auto", "dtype": "auto"}


class TransformersBackend:
    """A local model directory or cached hub id, loaded with ``local_files_only=True``."""

    name = "transformers"

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.model_id = model
        self.tokenizer: Any = AutoTokenizer.from_pretrained(model, local_files_only=True)
        self.model: Any = AutoModelForCausalLM.from_pretrained(
            model, local_files_only=True, **placement()
        )
        self.model.eval()
        self._lock = threading.Lock()

    def generate(
        self, messages: list[Message], max_tokens: int = 256, schema: JSONSchema | None = None
    ) -> str:
        """Plain generation: the caller validates the JSON against ``schema`` and retries once."""
        import torch

        prompt = self.tokenizer.apply_chat_template(
            merge_system(messages),
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        prompt = {key: value.to(self.model.device) for key, value in prompt.items()}
        with self._lock, torch.no_grad():
            output = self.model.generate(
                **prompt,
                max_new_tokens=max_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        new_tokens = output[0][prompt["input_ids"].shape[1] :]
        return str(self.tokenizer.decode(new_tokens, skip_special_tokens=True))
