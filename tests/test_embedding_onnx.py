"""The sentence embeddings on ONNX Runtime (issue 22): the graph written from the bundled MiniLM
weights gives torch's vectors, is kept under ``COACHG_HOME/cache`` keyed by the weights' hash,
and torch takes over, saying so once, when ONNX Runtime is missing."""

from __future__ import annotations

import builtins
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from models import embedding, minilm_onnx
from models.embedding import Embedder, OnnxRunner, TorchRunner, bundled_model_dir

#: Short and long, typos, units, accents, emoji, punctuation only, empty, past 256 tokens.
SENTENCES = [
    "my last 3 runs",
    "how is my cadence trending since March?",
    "Was going from 25 to 72 km a week in early September a bad idea?",
    "shin splints after 10k, shuld i run tmrw??",
    "3x8 squats at 60kg, RPE 8",
    "Café au lait, naïve Zoë — 5′30″/km 🏃‍♀️",
    "hi",
    "?!",
    "",
    "   leading and trailing spaces   ",
    "my long run felt hard and my left calf is sore " * 40,
]


@pytest.fixture(scope="module")
def runners(tmp_path_factory: pytest.TempPathFactory) -> tuple[OnnxRunner, TorchRunner]:
    cache = tmp_path_factory.mktemp("cache")
    return OnnxRunner(bundled_model_dir(), cache), TorchRunner(bundled_model_dir())


def test_the_onnx_vectors_are_torchs(runners: tuple[OnnxRunner, TorchRunner]) -> None:
    onnx_runner, torch_runner = runners
    for runner in (onnx_runner, torch_runner):
        assert runner.encode(["x"]).shape == (1, 384)
    ours = _embed(onnx_runner, SENTENCES)
    theirs = _embed(torch_runner, SENTENCES)
    cosines = np.sum(ours * theirs, axis=1)
    assert cosines.min() >= 0.9999, dict(zip(SENTENCES, cosines.round(6), strict=True))
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    # One text alone (no padding) reads the same as in a padded batch.
    for index in (0, 5, 10):
        alone = onnx_runner.encode([SENTENCES[index]])[0]
        assert float(alone @ ours[index]) >= 0.99999


def test_a_model_opened_for_few_texts_gives_the_same_vectors(
    runners: tuple[OnnxRunner, TorchRunner], tmp_path: Path
) -> None:
    """``coachg ask`` opens the model without repacking its weights (sooner, for one text):
    the same vectors, alone and in a batch."""
    quick = OnnxRunner(bundled_model_dir(), tmp_path, few_texts=True)
    usual = runners[0]
    assert np.allclose(quick.encode(SENTENCES[:4]), usual.encode(SENTENCES[:4]), atol=1e-5)
    for index in (0, 5):
        alone = quick.encode([SENTENCES[index]])[0]
        assert float(alone @ usual.encode([SENTENCES[index]])[0]) >= 0.99999
    embedder = Embedder(few_texts=True)
    embedder._runner = quick
    assert embedder.embed_array(["x"]).shape == (1, 384)


def _embed(runner: Any, texts: list[str]) -> np.ndarray:
    """``texts`` embedded as the app embeds them (sorted by length, in batches) on ``runner``."""
    embedder = Embedder()
    embedder._runner = runner
    return embedder.embed_array(texts)


def test_a_wrong_graph_would_be_caught(runners: tuple[OnnxRunner, TorchRunner]) -> None:
    """The check above can fail: a graph without its last layer is far from torch."""
    import onnxruntime

    model = minilm_onnx.build(bundled_model_dir(), layers=5)
    session = onnxruntime.InferenceSession(model.SerializeToString())
    onnx_runner, torch_runner = runners
    onnx_runner_cut = OnnxRunner.__new__(OnnxRunner)
    onnx_runner_cut.session, onnx_runner_cut.tokenizer = session, onnx_runner.tokenizer
    cosines = np.sum(
        onnx_runner_cut.encode(SENTENCES[:4]) * torch_runner.encode(SENTENCES[:4]), axis=1
    )
    assert cosines.min() < 0.9999


def test_the_graph_is_valid_onnx(tmp_path: Path) -> None:
    import onnx
    from onnx import numpy_helper

    model = minilm_onnx.build(bundled_model_dir())
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["input_ids", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["sentence_embedding"]

    # Exported, the weights are in a file of their own, each at a page boundary, and read back
    # by onnx itself they are the graph's.
    path = minilm_onnx.export(bundled_model_dir(), tmp_path / "minilm.onnx")
    weights = minilm_onnx.weights_path(path)
    assert path.stat().st_size < 100_000 < 90_000_000 < weights.stat().st_size
    onnx.checker.check_model(str(path))
    exported = onnx.load(str(path))
    assert len(exported.graph.node) == len(model.graph.node)
    theirs = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    external = 0
    for tensor in exported.graph.initializer:
        assert np.array_equal(numpy_helper.to_array(tensor), theirs.pop(tensor.name)), tensor.name
    for tensor in onnx.load(str(path), load_external_data=False).graph.initializer:
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            external += 1
            offset = next(int(e.value) for e in tensor.external_data if e.key == "offset")
            assert offset % minilm_onnx.ALIGN == 0, tensor.name
    assert theirs == {} and external > 6 * 12


def test_exported_once_and_kept_by_the_weights_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports: list[Path] = []
    real_export = minilm_onnx.export
    monkeypatch.setattr(minilm_onnx, "export", lambda d, p: exports.append(p) or real_export(d, p))
    cache = tmp_path / "cache"
    stale = cache / f"{embedding.ONNX_NAME}-000000000000000000000000.onnx"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an older export")
    stale_weights = minilm_onnx.weights_path(stale)
    stale_weights.write_bytes(b"its weights")

    first = OnnxRunner(bundled_model_dir(), cache)
    kept = sorted(cache.glob("*.onnx"))
    assert len(exports) == 1 and kept == exports, "exported once, the stale graph removed"
    digest = embedding.weights_hash(bundled_model_dir(), cache)
    assert digest == _sha256(bundled_model_dir() / "model.safetensors")
    assert kept[0] == embedding.onnx_path(bundled_model_dir(), cache)

    second = OnnxRunner(bundled_model_dir(), cache)
    assert len(exports) == 1, "the kept graph is loaded, not written again"
    assert np.allclose(first.encode(["my last 3 runs"]), second.encode(["my last 3 runs"]))

    kept[0].write_bytes(b"a graph damaged on disk")
    third = OnnxRunner(bundled_model_dir(), cache)
    assert len(exports) == 2, "an unreadable graph is written again"
    assert np.allclose(first.encode(["my last 3 runs"]), third.encode(["my last 3 runs"]))

    weights = minilm_onnx.weights_path(kept[0])
    assert weights.exists() and not stale_weights.exists(), "the stale weights stay behind"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # a disk that filled
    fourth = OnnxRunner(bundled_model_dir(), cache)
    assert len(exports) == 3, "damaged weights are written again"
    assert np.allclose(first.encode(["my last 3 runs"]), fourth.encode(["my last 3 runs"]))
    weights.unlink()
    OnnxRunner(bundled_model_dir(), cache)
    assert len(exports) == 4, "missing weights are written again"

    # Other weights (here: a copy of the folder whose weights differ) are another graph.
    other = tmp_path / "other"
    other.mkdir()
    for item in bundled_model_dir().iterdir():
        if item.is_file() and item.name != "model.safetensors":
            (other / item.name).write_bytes(item.read_bytes())
    (other / "model.safetensors").write_bytes(b"not the same weights")
    assert embedding.onnx_path(other, cache) != kept[0]


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_torch_takes_over_with_one_log_line_without_onnxruntime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_import = builtins.__import__

    def no_onnxruntime(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "onnxruntime" or name.startswith("onnxruntime."):
            raise ImportError("No module named 'onnxruntime'", name="onnxruntime")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    with caplog.at_level(logging.INFO, logger="models.embedding"):
        embedder = Embedder()
        vectors = embedder.embed(["my last 3 runs", "hi"])
    assert embedder.backend == "torch"
    assert len(vectors) == 2 and len(vectors[0]) == 384
    said = [r for r in caplog.records if r.name == "models.embedding"]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert "onnxruntime is not installed" in said[0].getMessage()
    assert "torch" in said[0].getMessage()


def test_torch_takes_over_when_the_graph_cannot_be_written(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")  # root can write anywhere else
    with caplog.at_level(logging.INFO, logger="models.embedding"):
        runner = embedding.load_runner(bundled_model_dir(), cache=blocked)
    assert runner.backend == "torch"
    said = [r.getMessage() for r in caplog.records if r.name == "models.embedding"]
    assert len(said) == 1 and "make that folder writable" in said[0], said
    with pytest.raises(OSError):
        embedding.load_runner(bundled_model_dir(), backend="onnxruntime", cache=blocked)
