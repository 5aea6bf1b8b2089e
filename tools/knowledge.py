"""The ``search_knowledge`` tool: what the notes say, each claim with its source written out, the
athlete's own numbers that belong beside it, and what their history holds on it, as far as the
acting user may see it. Nutrition and medication questions get who to ask instead."""

from __future__ import annotations

import re
from dataclasses import replace

from knowledge import scope
from knowledge.store import Hit, KnowledgeStore
from storage.access import visible_athlete_ids
from tools.context import ToolContext
from tools.markdown import escape
from tools.own_numbers import own_numbers, range_finding
from tools.reply import standard_reply
from tools.result import Finding, ToolResult
from tools.spec import ToolSpec

# Below this cosine similarity a passage is treated as not about the question.
RELEVANT = 0.35
#: A section's short answer leads only when the section is this close to the question (a
#: loosely related one, "is it ok to run every day?" against the fitness-fatigue curves,
#: would answer something not asked).
SHORT_RELEVANT = 0.5
#: Note sections searched before choosing which to cite.
CANDIDATES = 6
#: Further sections of the best one's note are cited when they rank within this of it.
MARGIN = 0.02
#: At most this many sections are cited.
MOST = 2
#: A history entry this close to the question is shown, at most this many.
HISTORY_RELEVANT = RELEVANT
SHOWN_HISTORY = 3
CAVEAT = "These notes summarise published studies; they are general, not a diagnosis."


def cited_sections(hits: list[Hit]) -> list[Hit]:
    """The note sections an answer cites: the best one, and those of the same note that rank
    almost as well (a second note's section is more often beside the point than not)."""
    notes = [hit for hit in hits if hit.kind == "note" and hit.score >= RELEVANT]
    if not notes:
        return []
    best = notes[0]
    note = best.id.rsplit("-", 1)[0]
    close = [
        hit
        for hit in notes[1:]
        if hit.id.rsplit("-", 1)[0] == note and hit.rank_score >= best.rank_score - MARGIN
    ]
    return [best, *close][:MOST]


def search_knowledge(ctx: ToolContext, query: str, k: int = 2) -> ToolResult:
    """Look up running biomechanics and training notes (with sources) and the athlete's own
    numbers and history.

    Use for "why", "what does the research say" and "what did we find last time" questions.

    Args:
        query: the question, in the user's words.
        k: how many entries of the athlete's history may be shown (1-3).
    """
    query = query.strip()[:500]
    if not query:
        return ToolResult.failure("search_knowledge", "Ask me what you would like to know.")
    if (kind := scope.outside(query)) is not None:
        return ToolResult(
            tool="search_knowledge",
            message=kind.answer,
            data={"outside": kind.topic},
            confidence=0.9,
            reasons=[f"a {kind.topic} question is outside what the notes cover"],
        )
    store = KnowledgeStore.open(ctx.settings)
    store.index_notes()
    with ctx.session() as session:
        visible = visible_athlete_ids(session, ctx.actor) & {ctx.athlete_id}
    hits = store.search(query, visible, k=CANDIDATES)
    notes = cited_sections(hits)
    history = [h for h in hits if h.kind == "history" and h.score >= HISTORY_RELEVANT]
    history = history[: max(1, min(k, SHOWN_HISTORY))]
    if not notes and not history:
        return ToolResult(
            tool="search_knowledge",
            message="I found nothing in my notes or your history about that.",
            confidence=0.2,
            reasons=["no passage was close enough to the question"],
        )
    note = notes[0].id.rsplit("-", 1)[0] if notes else ""
    own = own_numbers(ctx, note) if notes else None
    judged = range_finding(note, own, ctx.whose) if own else None
    best = max(h.score for h in [*notes, *history])
    findings = [judged] if judged else []
    if (
        notes
        and notes[0].short
        and notes[0].score >= SHORT_RELEVANT
        and shares_a_topic(query, notes[0])
    ):  # the notes' answer first, to a question about what the section is about
        findings.append(in_short(notes[0], best))
    topic = notes[0].topic if notes else ""
    return ToolResult(
        tool="search_knowledge",
        message=f"What the research says about {topic[:1].lower()}{topic[1:]}:"
        if notes
        else "From your history:",
        facts=own.facts if own else [],
        data={
            "hits": [
                {
                    "kind": h.kind,
                    "id": h.id,
                    "title": h.title,
                    "text": h.text,
                    "source": h.source,
                    "when": h.when,
                    "score": round(h.score, 3),
                }
                for h in [*notes, *history]
            ],
            "own_numbers": own.sentence if own else "",
        },
        confidence=0.9 if best >= 0.5 else 0.7 if best >= 0.4 else 0.5,
        reasons=["the notes cite published studies"]
        if best >= 0.5
        else ["the closest notes are only loosely related to the question"],
        caveats=[CAVEAT] if notes else [],
        findings=findings,
    )


#: Words too common in running questions to tell what one is about.
_COMMON = frozenset(
    re.findall(
        r"[a-z]+",
        """
        about after alongside before being better could doing every first going great really
        should their there these thing things think thinking those training trained runner
        runners running week weeks which while would right start often
        """,
    )
)


def _topics(text: str) -> set[str]:
    """The longer words of ``text`` that say what it is about, by their first five letters
    ("squats" and "half-squats", "swimming" and "swimmers" agree)."""
    words = re.findall(r"[a-z]{5,}", text.lower())
    return {w[:5] for w in words if w not in _COMMON}


def shares_a_topic(question: str, hit: Hit) -> bool:
    """Whether the question names something the section's title or short answer is about: a
    short answer leads only a question it answers ("should I stop swimming?" and "Swimming
    helps running less than more running does"), not one that only sounds like it ("is it a
    good idea to run 6 days a week?" and six weeks of cycling instead of running)."""
    return bool(_topics(question) & _topics(f"{hit.title} {hit.short}"))


def in_short(hit: Hit, best: float) -> Finding:
    """The note section's own short answer as the verdict of a should-question, its claim as
    the evidence."""
    return Finding(
        topic="in_short",
        verdict=hit.short,
        evidence=(f"**{hit.title}.** {hit.text}",),
        source=hit.source,
        confidence=0.7 if best >= 0.5 else 0.5,
        margin="What studies found in general, not a verdict on you; "
        + CAVEAT[0].lower()
        + CAVEAT[1:],
        answers=("should", "judgement"),
        priority=2,
    )


def _phrase(result: ToolResult) -> str:
    """Each cited claim with its source written out in full, then the athlete's own numbers and
    history; nothing points at text the reader cannot see."""
    if not result.ok or result.data.get("outside"):
        return standard_reply(result)
    lines = []
    hits = result.data.get("hits") or []
    for hit in hits:
        if hit.get("kind") == "note":
            lines.append(f"- **{hit['title']}.** {hit['text']}  \n  Source: {hit['source']}")
    if own := result.data.get("own_numbers"):
        lines += ["", escape(own)]
    for hit in hits:
        if hit.get("kind") == "history":
            when = f" ({escape(hit['when'][:10])})" if hit.get("when") else ""
            lines += ["", f"**From your history{when}:** {escape(hit['text'])}"]
    return standard_reply(replace(result, facts=[]), lines)


SPEC = ToolSpec(
    name="search_knowledge",
    function=search_knowledge,
    summary="explain running technique and training, with sources",
    examples=(
        "why does cadence matter?",
        "explain the 10% rule using my numbers",
        "what's the 30% rule about weekly jumps, with my weeks",
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
        "what's the difference between fitness and form?",
        "what does form mean in training load?",
        "how do I return to running after an injury?",
    ),
    phrase=_phrase,
    # general questions ("is it bad to run every day?") are answered from the notes
    answers=frozenset({"lookup", "listing", "trend", "extreme", "judgement", "should"}),
    reads_athlete=False,
)
