"""Knowledge retrieval: does a runner's question find the note sections that answer it, and does
Coach G's reply cite only what supports it?

Each question of a hand-labelled set (``evals/knowledge_questions.jsonl``, written before the
retrieval code was tuned, and ``evals/knowledge_questions_holdout.jsonl``, written at the same
time and never tuned on) names the note sections (``<note file>-<section number>``, as
:func:`knowledge.notes.load_passages` numbers them) that answer it. Two figures:

- **recall@3**: the share of questions with at least one labelled section among the three note
  passages the store ranks first (``KnowledgeStore.search(question, [], k=3)``);
- **citation support**: the share of questions whose reply (the ``search_knowledge`` tool run on a
  real temporary database, phrased by the composer as a runner sees it) cites at least one note and
  cites only labelled sections. A reply cites a section when both the section's claim and its source
  are written out in it. A reply that points at text the reader cannot see ("above", "see note")
  counts as unsupported.

Also printed: the mean share of labelled sections found in the top 3 (capped at 3 labels) and the
mean reciprocal rank of the first labelled section in the top 10.

    python -m evals.knowledge_retrieval [--set PATH] [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.composer import compose
from knowledge.notes import Passage, load_passages
from knowledge.store import KnowledgeStore, make_client
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user
from tools.context import ToolContext
from tools.knowledge import search_knowledge

HERE = Path(__file__).resolve().parent
SETS = {
    "tuning": HERE / "knowledge_questions.jsonl",
    "holdout": HERE / "knowledge_questions_holdout.jsonl",
}
#: Words that point the reader at text they cannot see.
DANGLING = re.compile(
    r"\((above|below|see [^)]*)\)"
    r"|\b(mentioned|noted|cited|said|shown|quoted) (above|below|earlier)\b"
    r"|\b(the )?(notes?|sources?|passages?|sections?|studies|study) (above|below)\b"
    r"|\bsee (the |my |that |this )?(notes?|sources?|section|passage)\b",
    re.I,
)


@dataclass(frozen=True)
class Question:
    text: str
    sections: frozenset[str]


@dataclass
class Scores:
    """The figures of one run over one question set."""

    questions: int = 0
    hit_at_3: int = 0
    recall_at_3: float = 0.0  # mean share of labelled sections found in the top 3
    mrr: float = 0.0
    supported: int = 0
    dangling: int = 0
    misses: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)

    def line(self, name: str) -> str:
        n = max(self.questions, 1)
        return (
            f"{name}: {self.questions} questions  recall@3 {self.hit_at_3 / n:.1%}"
            f" ({self.hit_at_3}/{self.questions})  labelled-found@3 {self.recall_at_3 / n:.1%}"
            f"  MRR@10 {self.mrr / n:.3f}  citation support {self.supported / n:.1%}"
            f" ({self.supported}/{self.questions})  dangling references {self.dangling}"
        )


def load_questions(path: Path) -> list[Question]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [Question(row["question"], frozenset(row["sections"])) for row in rows]


def ranked_ids(store: KnowledgeStore, question: str, by_text: dict[str, str], k: int) -> list[str]:
    """The ids of the note passages the store ranks first for ``question``."""
    hits = [hit for hit in store.search(question, [], k=k) if hit.kind == "note"]
    return [by_text.get(hit.text, "?") for hit in hits][:k]


def cited(reply: str, passages: Sequence[Passage]) -> set[str]:
    """The sections a reply cites: both the claim and its source are written out in it."""
    flat = " ".join(reply.split())
    return {p.id for p in passages if p.text in flat and p.source in flat}


def supports(reply: str, labelled: frozenset[str], passages: Sequence[Passage]) -> bool:
    """A reply supports itself when it cites something, cites only sections labelled as
    answering the question, and refers to no text the reader cannot see."""
    sections = cited(reply, passages)
    return bool(sections) and sections <= labelled and not DANGLING.search(reply)


def score(questions: Sequence[Question], home: Path) -> Scores:
    """Run every question through the store and the tool, in a temporary home."""
    passages = load_passages()
    by_text = {p.text: p.id for p in passages}
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'coachg.db'}")
    db = Database(settings.database_url)
    with db.session() as session:
        runner = create_user(session, "runner", password="runner-pass-1")
    ctx = ToolContext(db=db, actor=runner, settings=settings)
    store = KnowledgeStore(make_client(settings))
    store.index_notes()
    scores = Scores()
    for question in questions:
        scores.questions += 1
        top = ranked_ids(store, question.text, by_text, 10)
        found = question.sections & set(top[:3])
        scores.hit_at_3 += bool(found)
        scores.recall_at_3 += len(found) / min(3, len(question.sections))
        rank = next((i for i, pid in enumerate(top, 1) if pid in question.sections), None)
        scores.mrr += 1.0 / rank if rank else 0.0
        if not found:
            want = sorted(question.sections)
            scores.misses.append(f"{question.text!r}: got {top[:3]}, want {want}")
        reply = compose(search_knowledge(ctx, question.text))
        scores.dangling += bool(DANGLING.search(reply))
        if supports(reply, question.sections, passages):
            scores.supported += 1
        else:
            got = sorted(cited(reply, passages))
            scores.unsupported.append(
                f"{question.text!r}: cites {got}, want {sorted(question.sections)}"
            )
    db.dispose()
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", help="a question file (default: both sets)")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    paths = {Path(p).stem: Path(p) for p in args.set} if args.set else SETS
    for name, path in paths.items():
        with tempfile.TemporaryDirectory() as tmp:
            scores = score(load_questions(path), Path(tmp))
        print(scores.line(name))
        if args.show_misses:
            for miss in scores.misses:
                print("  miss:", miss)
            for line in scores.unsupported:
                print("  unsupported:", line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
