"""The Chroma index of the biomechanics notes and of each athlete's own history.

Notes are shared by everyone. A question is matched to note sections by meaning (the embedding of
the note's topic, the section title and its claim) and by words (BM25 over the same text), after
the runner's words are joined by the notes' terms (:mod:`knowledge.vocabulary`); the two scores
are added, the word score scaled to at most :data:`WORD_WEIGHT`. ``evals/knowledge_retrieval.py``
measures each step. History passages (summaries of analyses and chat turns) carry the
athlete's id, and every query is filtered to the athletes the asking user may see, so one athlete's
history never comes back in another's search.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from knowledge.lexical import BM25
from knowledge.notes import Passage, load_passages
from knowledge.vocabulary import expand
from models.embedding import Embedder, default_embedder
from storage.settings import Settings

NOTES = "coachg_notes"
HISTORY = "coachg_history"
#: Note embeddings by embedder and passage digest.
_NOTE_VECTORS: weakref.WeakKeyDictionary[Embedder, dict[str, list[float]]] = (
    weakref.WeakKeyDictionary()
)
#: How much the best word match adds to a cosine similarity (measured, see the module text).
WORD_WEIGHT = 0.1


@dataclass(frozen=True)
class Hit:
    """One search result: a note passage (``athlete_id`` None) or a history entry."""

    text: str
    score: float  # cosine similarity, 1 = same meaning
    kind: str  # "note" | "history"
    title: str = ""
    source: str = ""
    athlete_id: int | None = None
    when: str = ""
    id: str = ""  # the note section's id ("cadence-1")
    topic: str = ""  # the note's title
    rank_score: float = 0.0  # what notes are ranked by: similarity plus the word match
    short: str = ""  # the note section's answer to a should-question, if it has one


def make_client(settings: Settings) -> Any:
    """An embedded Chroma in ``COACHG_HOME/chroma``, or a Chroma server at ``COACHG_CHROMA_URL``."""
    import chromadb  # a second to import: only when the notes or the history are searched
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


class KnowledgeStore:
    """Search over notes and history; embeddings are computed here, never by Chroma."""

    def __init__(self, client: Any, embedder: Embedder | None = None) -> None:
        self._embedder = embedder or default_embedder()
        options = {"embedding_function": None, "configuration": {"hnsw": {"space": "cosine"}}}
        self._notes = client.get_or_create_collection(NOTES, **options)
        self._history = client.get_or_create_collection(HISTORY, **options)
        self._words: tuple[list[str], BM25] | None = None

    @classmethod
    def open(cls, settings: Settings) -> KnowledgeStore:
        return cls(make_client(settings))

    def index_notes(self, passages: Iterable[Passage] | None = None) -> int:
        """Add new or changed note passages and drop removed ones; returns how many were
        (re)embedded."""
        passages = list(passages if passages is not None else load_passages())
        known = self._notes.get(include=["metadatas"])
        metadatas = zip(known["ids"], known["metadatas"], strict=True)
        digests = {i: (m or {}).get("digest") for i, m in metadatas}
        gone = sorted(set(digests) - {p.id for p in passages})
        if gone:
            self._notes.delete(ids=gone)
        stale = [p for p in passages if digests.get(p.id) != p.digest]
        if stale:
            self._notes.upsert(
                ids=[p.id for p in stale],
                documents=[p.text for p in stale],
                embeddings=self._note_vectors(stale),
                metadatas=[
                    {
                        "title": p.title,
                        "topic": p.topic,
                        "source": p.source,
                        "short": p.short,
                        "digest": p.digest,
                    }
                    for p in stale
                ],
            )
        if stale or gone:
            self._words = None
        return len(stale)

    def _note_vectors(self, passages: list[Passage]) -> list[list[float]]:
        """The passages' embeddings, each computed once per process and embedder (a new home,
        a test's or a second server's, indexes the same notes again)."""
        known = _NOTE_VECTORS.setdefault(self._embedder, {})
        missing = [p for p in passages if p.digest not in known]
        for passage, vector in zip(
            missing, self._embedder.embed([p.searchable for p in missing]), strict=True
        ):
            known[passage.digest] = vector
        return [known[p.digest] for p in passages]

    def _word_index(self) -> tuple[list[str], BM25]:
        """The note ids and a BM25 index of their searchable text, built once per store."""
        if self._words is None:
            notes = self._notes.get(include=["documents", "metadatas"])
            texts = [
                f"{m.get('topic', '')}: {m.get('title', '')}. {doc}"
                for doc, m in zip(notes["documents"], notes["metadatas"], strict=True)
            ]
            self._words = (list(notes["ids"]), BM25(texts))
        return self._words

    def add_history(self, athlete_id: int, entry_id: str, text: str, kind: str = "chat") -> None:
        """Remember something about ``athlete_id`` (a summary of an analysis or a chat turn)."""
        self._history.upsert(
            ids=[f"{athlete_id}:{entry_id}"],
            documents=[text],
            embeddings=self._embedder.embed([text]),
            metadatas=[
                {"athlete_id": athlete_id, "kind": kind, "when": datetime.now(UTC).isoformat()}
            ],
        )

    def forget_athlete(self, athlete_id: int) -> None:
        """Delete everything remembered about ``athlete_id``."""
        self._history.delete(where={"athlete_id": athlete_id})

    def search(self, query: str, visible_athlete_ids: Iterable[int], k: int = 4) -> list[Hit]:
        """The ``k`` note sections and up to ``k`` history entries closest to ``query``: notes
        best first by :attr:`Hit.rank_score`, then history entries best first.

        ``visible_athlete_ids`` must come from ``storage.access.visible_athlete_ids`` for the
        asking user: history of anyone else is never returned.
        """
        ids = sorted(set(visible_athlete_ids))
        (vector,) = self._embedder.embed([expand(query)])
        return self._notes_for(query, vector, k) + self._history_for(vector, ids, k)

    def _notes_for(self, query: str, vector: list[float], k: int) -> list[Hit]:
        count = self._notes.count()
        if not count:
            return []
        note_ids, words = self._word_index()
        matched = dict(zip(note_ids, words.scores(expand(query)), strict=True))
        best_words = max(matched.values(), default=0.0) or 1.0
        result = self._notes.query(query_embeddings=[vector], n_results=count)
        hits = [
            Hit(
                text=doc,
                score=1.0 - dist,
                kind="note",
                title=meta.get("title", ""),
                source=meta.get("source", ""),
                id=note_id,
                topic=meta.get("topic", ""),
                short=meta.get("short", ""),
                rank_score=1.0 - dist + WORD_WEIGHT * matched.get(note_id, 0.0) / best_words,
            )
            for note_id, doc, meta, dist in _rows(result)
        ]
        return sorted(hits, key=lambda hit: hit.rank_score, reverse=True)[:k]

    def _history_for(self, vector: list[float], ids: list[int], k: int) -> list[Hit]:
        if not ids or not self._history.count():
            return []
        where = {"athlete_id": {"$in": ids}}
        result = self._history.query(query_embeddings=[vector], n_results=k, where=where)
        hits = [
            Hit(
                text=doc,
                score=1.0 - dist,
                kind="history",
                athlete_id=int(meta["athlete_id"]),
                when=meta.get("when", ""),
                id=entry_id,
                rank_score=1.0 - dist,
            )
            for entry_id, doc, meta, dist in _rows(result)
            if int(meta["athlete_id"]) in ids
        ]
        return sorted(hits, key=lambda hit: hit.score, reverse=True)


def _rows(result: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], float]]:
    if not result["ids"] or not result["ids"][0]:
        return []
    return list(
        zip(
            result["ids"][0],
            result["documents"][0],
            result["metadatas"][0],
            result["distances"][0],
            strict=True,
        )
    )
