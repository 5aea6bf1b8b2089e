"""The training examples' sentence vectors shipped with Coach G (issue 22): they are the vectors
the embedding model computes, a new install trains its classifier embedding only the examples the
file lacks (a changed one is embedded again), vectors of another model are not used, and
``python -m agent.example_vectors`` keeps, computes and drops the right ones."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from agent import example_vectors, intents
from agent.intents import (
    SHIPPED_VECTORS,
    Example,
    labelled_examples,
    normalise,
    read_embeddings,
    train_or_load,
)
from models.embedding import Embedder


class Recording(Embedder):
    """The real embedder, noting every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def embed_array(self, texts: Sequence[str]) -> np.ndarray:
        self.asked += list(texts)
        return super().embed_array(texts)


@pytest.fixture
def no_vectors_in_memory() -> Iterator[None]:
    """This process's training vectors forgotten for the test (as in a new process), then put
    back."""
    before = dict(intents._embedded)
    intents._embedded.clear()
    try:
        yield
    finally:
        intents._embedded.clear()
        intents._embedded.update(before)


def test_the_shipped_vectors_are_the_models() -> None:
    shipped = read_embeddings(SHIPPED_VECTORS)
    texts = sorted({normalise(e.text) for e in labelled_examples()})
    assert len(shipped) >= 800, "the shipped file is missing or made by another model"
    known = [t for t in texts if t in shipped]
    assert len(known) >= 0.9 * len(texts), (
        f"{len(texts) - len(known)} examples have no shipped vector: "
        "run python -m agent.example_vectors"
    )
    sample = known[:: max(1, len(known) // 24)]
    fresh = Embedder().embed_array(sample)
    kept = np.stack([shipped[t] for t in sample])
    assert kept.dtype == np.float32 and kept.shape == (len(sample), 384)
    cosines = np.sum(fresh * kept, axis=1)
    assert cosines.min() >= 0.9999, dict(zip(sample, cosines.round(6), strict=True))
    assert np.allclose(fresh, kept, atol=1e-5)
    # ...and the check can fail: another text's vector is far from it.
    assert float(fresh[0] @ kept[1]) < 0.99


def test_a_new_install_embeds_only_examples_the_file_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_vectors_in_memory: None
) -> None:
    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    shipped = read_embeddings(SHIPPED_VECTORS)
    examples = [e for e in labelled_examples() if normalise(e.text) in shipped][::8]
    changed = Example(f"{examples[0].text} on the treadmill please", examples[0].label)
    assert normalise(changed.text) not in shipped
    recording = Recording()
    trained = train_or_load([changed, *examples[1:]], recording)
    assert recording.asked == [normalise(changed.text)], "embedded more than the changed example"
    kept = read_embeddings(
        tmp_path / "cache" / f"intent_embeddings-{intents.embedding_model_version()}.npz"
    )
    assert list(kept) == [normalise(changed.text)], "the shipped vectors were copied to the cache"
    # A message that is a training example is read without the embedding model.
    asked = len(recording.asked)
    assert trained.rank(examples[1].text)[0][0] == examples[1].label
    assert len(recording.asked) == asked

    # Another process: the changed example's vector comes from the cache, nothing is embedded.
    intents._embedded.clear()
    again = Recording()
    train_or_load([changed, *examples[1::10]], again)
    assert again.asked == []


def test_vectors_of_another_model_are_not_used(tmp_path: Path) -> None:
    path = tmp_path / "vectors.npz"
    intents.save_embeddings(path, {" my last 3 runs ": np.ones(384, dtype=np.float32)})
    assert list(read_embeddings(path)) == [" my last 3 runs "]
    with np.load(path) as saved:
        index, vectors = json.loads(saved["index"].tobytes()), saved["vectors"]
    assert index["model"] == intents.embedding_model()
    index["model"] = f"{intents.EMBEDDING_PACKAGE}==0.0.1"
    np.savez(path, index=np.frombuffer(json.dumps(index).encode(), np.uint8), vectors=vectors)
    assert read_embeddings(path) == {}
    path.write_bytes(b"not an archive")
    assert read_embeddings(path) == {}


def test_the_script_keeps_computes_and_drops(tmp_path: Path) -> None:
    shipped = read_embeddings(SHIPPED_VECTORS)
    texts = sorted({normalise(e.text) for e in labelled_examples()})
    gone, dropped = texts[3], " an example since removed "
    old = {t: v for t, v in shipped.items() if t != gone} | {dropped: np.ones(384, np.float32)}
    path = tmp_path / "vectors.npz"
    intents.save_embeddings(path, old)
    recording = Recording()
    done = example_vectors.write(path, embedder=recording)
    missing = [t for t in texts if t not in old]
    assert gone in missing and recording.asked == missing
    gone_since = set(old) - set(texts)
    assert dropped in gone_since
    assert done == example_vectors.Written(len(texts) - len(missing), len(missing), len(gone_since))
    written = read_embeddings(path)
    assert sorted(written) == texts
    assert float(written[gone] @ shipped[gone]) >= 0.9999
