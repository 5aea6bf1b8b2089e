"""Write the training examples' sentence vectors shipped with Coach G (``agent/examples/
vectors.npz``), so that a new install trains its intent classifier without embedding them.

Run ``python -m agent.example_vectors`` after adding or changing examples (in
``agent/examples/*.jsonl`` or a tool spec's ``examples``): the vectors of texts still among the
examples are kept, those of new texts computed, those of texts gone dropped. ``--all`` computes
every one again (after the embedding model changed: a file made by another model is ignored
when read). Each vector belongs to one normalised text and the model that computed it, so an
install whose examples differ from the file's embeds only the texts the file lacks.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agent.intents import (
    SHIPPED_VECTORS,
    labelled_examples,
    normalise,
    read_embeddings,
    save_embeddings,
)
from models.embedding import Embedder, default_embedder


@dataclass(frozen=True)
class Written:
    """What :func:`write` did: texts whose vectors it kept, computed and dropped."""

    kept: int
    computed: int
    dropped: int


def write(
    path: Path = SHIPPED_VECTORS, everything: bool = False, embedder: Embedder | None = None
) -> Written:
    """Write the vectors of every example's normalised text to ``path`` (see the module)."""
    texts = sorted({normalise(e.text) for e in labelled_examples()})
    old = {} if everything else read_embeddings(path)
    missing = [t for t in texts if t not in old]
    computed = (embedder or default_embedder()).embed_array(missing)
    vectors = {t: old[t] for t in texts if t in old} | dict(zip(missing, computed, strict=True))
    save_embeddings(path, {t: np.asarray(v, dtype=np.float32) for t, v in vectors.items()})
    return Written(len(texts) - len(missing), len(missing), len(set(old) - set(texts)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="compute every vector again")
    parser.add_argument("--path", type=Path, default=SHIPPED_VECTORS)
    options = parser.parse_args(argv)
    done = write(options.path, everything=options.all)
    print(
        f"{options.path}: {done.kept} vectors kept, {done.computed} computed, "
        f"{done.dropped} dropped"
    )


if __name__ == "__main__":
    main()
