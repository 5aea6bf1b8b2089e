"""The ``search_knowledge`` tool: biomechanics notes with their sources, and the athlete's own
history, as far as the acting user may see it."""

from __future__ import annotations

from knowledge.store import KnowledgeStore
from storage.access import visible_athlete_ids
from tools.context import ToolContext
from tools.markdown import escape
from tools.reply import standard_reply
from tools.result import ToolResult
from tools.spec import ToolSpec

# Below this cosine similarity a passage is treated as not about the question.
RELEVANT = 0.35


def search_knowledge(ctx: ToolContext, query: str, k: int = 4) -> ToolResult:
    """Look up running biomechanics notes (with sources) and the athlete's own history.

    Use for "why", "what does the research say" and "what did we find last time" questions.

    Args:
        query: the question, in the user's words.
        k: how many passages to return (1-10).
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


def _phrase(result: ToolResult) -> str:
    lines = []
    for hit in (result.data.get("hits") or [])[:3]:
        source = f" ({hit['source']})" if hit.get("source") else ""
        text = hit["text"] if hit.get("kind") == "note" else escape(hit["text"])
        lines.append(f"- {text}{source}")
    return standard_reply(result, lines)


SPEC = ToolSpec(
    name="search_knowledge",
    function=search_knowledge,
    summary="explain running technique and training, with sources",
    examples=(
        "why does cadence matter?",
        "what does the research say about heel striking",
        "is overstriding bad for my knees",
        "how do I improve my running economy",
        "what is vertical oscillation",
        "what did we find in my last video",
        "how many gels per hour should I take in a marathon",
        "how much protein after a long run",
        "are carbon plated shoes worth it",
        "what is a tempo run",
        "tips for running downhill",
        "what should I eat before a race",
        "best breakfast before a long run",
        "how much water should I drink on a run",
        "is coffee before running a good idea",
    ),
    phrase=_phrase,
)
