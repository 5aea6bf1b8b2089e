"""The Chroma index of the biomechanics notes and of each athlete's own history.

Notes are shared by everyone. History passages (summaries of analyses and chat turns) carry the
athlete's id, and every query is filtered to the athletes the asking user may see, so one athlete's
history never comes back in another's search.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import chromadb
from chromadb.config import Settings as ChromaSettings

from knowledge.notes import Passage, load_passages
from models.embedding import Embedder, default_embedder
from storage.settings import Settings

NOTES = "coachg_notes"
HISTORY = "coachg_history"


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


def make_client(settings: Settings) -> Any:
    """An embedded Chroma in ``COACHG_HOME/chroma``, or a Chroma server at ``COACHG_CHROMA_URL``."""
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

    @classmethod
    def open(cls, settings: Settings) -> KnowledgeStore:
        return cls(make_client(settings))

    def index_notes(self, passages: Iterable[Passage] | None = None) -> int:
        """Add new or changed note passages; returns how many were (re)embedded."""
        passages = list(passages if passages is not None else load_passages())
        known = self._notes.get(ids=[p.id for p in passages], include=["metadatas"])
        metadatas = zip(known["ids"], known["metadatas"], strict=True)
        digests = {i: (m or {}).get("digest") for i, m in metadatas}
        stale = [p for p in passages if digests.get(p.id) != p.digest]
        if stale:
            self._notes.upsert(
                ids=[p.id for p in stale],
                documents=[p.text for p in stale],
                embeddings=self._embedder.embed([f"{p.title}. {p.text}" for p in stale]),
                metadatas=[
                    {"title": p.title, "topic": p.topic, "source": p.source, "digest": p.digest}
                    for p in stale
                ],
            )
        return len(stale)

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
        """The ``k`` notes and up to ``k`` history entries closest to ``query``, best first.

        ``visible_athlete_ids`` must come from ``storage.access.visible_athlete_ids`` for the
        asking user: history of anyone else is never returned.
        """
        ids = sorted(set(visible_athlete_ids))
        (vector,) = self._embedder.embed([query])
        hits = [
            Hit(
                text=doc,
                score=1.0 - dist,
                kind="note",
                title=meta.get("title", ""),
                source=meta.get("source", ""),
            )
            for doc, meta, dist in _rows(self._notes.query(query_embeddings=[vector], n_results=k))
        ]
        if ids and self._history.count():
            where = {"athlete_id": {"$in": ids}}
            result = self._history.query(query_embeddings=[vector], n_results=k, where=where)
            hits += [
                Hit(
                    text=doc,
                    score=1.0 - dist,
                    kind="history",
                    athlete_id=int(meta["athlete_id"]),
                    when=meta.get("when", ""),
                )
                for doc, meta, dist in _rows(result)
                if int(meta["athlete_id"]) in ids
            ]
        return sorted(hits, key=lambda hit: hit.score, reverse=True)


def _rows(result: dict[str, Any]) -> list[tuple[str, dict[str, Any], float]]:
    if not result["ids"] or not result["ids"][0]:
        return []
    return list(
        zip(result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True)
    )
