"""The ``search_knowledge`` tool: biomechanics notes with their sources, and the athlete's own
history, as far as the acting user may see it."""

from __future__ import annotations

from knowledge.store import KnowledgeStore
from storage.access import visible_athlete_ids
from tools.context import ToolContext
from tools.result import ToolResult

# Below this cosine similarity a passage is treated as not about the question.
RELEVANT = 0.35


def search_knowledge(ctx: ToolContext, query: str, k: int = 4) -> ToolResult:
    """Look up running biomechanics notes (with sources) and the athlete's own history.

    Use for "why", "what does the research say" and "what did we find last time" questions.
    """
    query = query.strip()[:500]
    if not query:
        return ToolResult.failure("search_knowledge", "Ask me what you would like to know.")
    store = KnowledgeStore.open(ctx.settings)
    store.index_notes()
    with ctx.session() as session:
        visible = visible_athlete_ids(session, ctx.actor) & {ctx.athlete_id}
    hits = [
        hit for hit in store.search(query, visible, k=max(1, min(k, 10))) if hit.score >= RELEVANT
    ]
    if not hits:
        return ToolResult(
            tool="search_knowledge",
            message="I found nothing in my notes or your history about that.",
            confidence=0.2,
            reasons=["no passage was close enough to the question"],
        )
    best = hits[0].score
    return ToolResult(
        tool="search_knowledge",
        data={
            "hits": [
                {
                    "kind": h.kind,
                    "title": h.title,
                    "text": h.text,
                    "source": h.source,
                    "when": h.when,
                    "score": round(h.score, 3),
                }
                for h in hits
            ]
        },
        confidence=0.9 if best >= 0.5 else 0.7 if best >= 0.4 else 0.5,
        reasons=["the notes cite published studies"]
        if best >= 0.5
        else ["the closest notes are only loosely related to the question"],
        caveats=["Notes summarise published studies; they are general, not a diagnosis."],
    )
