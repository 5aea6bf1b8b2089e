"""Word matching for the notes search: a small Okapi BM25 over the note sections, so a question
that names a term the notes use ("pelvic drop", "taper", "RPE") finds that section even where the
sentence embedding ranks it lower."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

_STOP = frozenset(
    re.findall(
        r"\w+",
        """a an the and or of to in on for is are was were be been it its this that with as at by
        from i my me do does did should can could would will how what why when which who than then
        so if not no but about into more most less your you have has had""",
    )
)
_SUFFIXES = ("ings", "ing", "edly", "ed", "es", "s", "ly")


def stem(word: str) -> str:
    """A crude stem: ``landing`` and ``lands`` -> ``land`` (enough to match note wording)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def tokens(text: str) -> list[str]:
    """Lower-case word stems of ``text`` without stop words."""
    return [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP]


class BM25:
    """Okapi BM25 scores of a query against a fixed list of documents."""

    def __init__(self, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self._counts = [Counter(tokens(doc)) for doc in documents]
        self._lengths = [sum(c.values()) for c in self._counts]
        self._average = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0
        self._k1, self._b = k1, b
        frequency = Counter(word for counts in self._counts for word in counts)
        n = len(documents)
        self._idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def scores(self, query: str) -> list[float]:
        """One score per document, 0 where no query word occurs."""
        out = [0.0] * len(self._counts)
        for word in set(tokens(query)):
            idf = self._idf.get(word)
            if idf is None:
                continue
            for i, counts in enumerate(self._counts):
                tf = counts.get(word, 0)
                if tf:
                    norm = 1 - self._b + self._b * self._lengths[i] / (self._average or 1.0)
                    out[i] += idf * tf * (self._k1 + 1) / (tf + self._k1 * norm)
        return out
