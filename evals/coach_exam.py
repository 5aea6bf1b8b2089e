"""The coach exam: is Coach G's answer what a good coach would say?

Each question of an exam (``evals/coach_exam_*.jsonl``, written by examiners who never read the
reply code) is asked of the real agent, on the real histories in ``../shared/data``, by the
athlete or coach it names, and its reply is scored against the question's rubric:

- ``verdict_first``: the pattern matches the reply's first sentence (the direct answer);
- ``must``: the pattern matches somewhere in the reply;
- ``must_not``: the pattern matches nowhere.

Beside the rubric, every judgement, should-I and what-next question is checked for a *dump*: a
reply that opens with a list or table instead of a sentence, or that is mostly figures.

The worlds, on a fixed day (2026-12-07, more than a year after the histories end):

- ann: the 1132 activities of the recorded Strava API pages and the Hevy export;
- bob: the 908-run series as a Strava export and the Strong export;
- cy: the real Strava bulk export and one analysed run video (the side-view treadmill clip);
- cora: a coach of ann and bob (not of cy).

    python -m evals.coach_exam [--exam evals/coach_exam_a.jsonl] [--show] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from stravalib import model

from agent.coach import Coach
from storage.activities import add_activity
from storage.conversation import states_of
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, link_coach
from tools.context import ToolContext
from tools.importing.importer import import_paths
from tools.strava.convert import summary_to_activity

TODAY = date(2026, 12, 7)
ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DEFAULT_EXAM = Path(__file__).with_name("coach_exam_a.jsonl")
#: Kinds of question whose answer is a judgement: a list or a dump of figures fails them.
JUDGED = {"judgement", "should", "what_next", "pain"}
_FIRST = re.compile(r"^(.+?(?:[.!?](?=\s)|\n|$))", re.S)


@dataclass
class Item:
    type: str  # verdict_first | must | must_not
    pattern: str
    why: str = ""

    def met(self, reply: str) -> bool:
        found = re.search(
            self.pattern,
            first_sentence(reply) if self.type == "verdict_first" else reply,
            re.I | re.M,
        )
        return found is None if self.type == "must_not" else found is not None


@dataclass
class Question:
    id: str
    sender: str
    message: str
    kind: str
    rubric: list[Item]
    context: list[str] = field(default_factory=list)
    truth: str = ""

    @classmethod
    def from_line(cls, raw: dict[str, Any]) -> Question:
        return cls(
            id=raw["id"],
            sender=raw["as"],
            message=raw["message"],
            kind=raw.get("kind", ""),
            rubric=[Item(i["type"], i["pattern"], i.get("why", "")) for i in raw["rubric"]],
            context=list(raw.get("context") or []),
            truth=raw.get("truth", ""),
        )


@dataclass
class Answer:
    question: Question
    reply: str
    met: list[bool]
    dump: bool
    seconds: float

    @property
    def items(self) -> int:
        return len(self.met)

    @property
    def passed(self) -> bool:
        return all(self.met) and not self.dump


def first_sentence(reply: str) -> str:
    """The reply's opening: its first line or sentence, headings and bold marks aside."""
    lines = [ln for ln in reply.strip().splitlines() if ln.strip()]
    while lines and (lines[0].startswith("#") or re.fullmatch(r"\*\*[^*]+\*\*", lines[0].strip())):
        lines = lines[1:]  # a heading, or a coach's reply headed by the athlete's name
    text = "\n".join(lines).replace("**", "")
    match = _FIRST.match(text)
    return match[1] if match else text


def is_dump(reply: str) -> bool:
    """A reply that opens with a list or a table, or whose lines are mostly bare figures."""
    lines = [ln.strip() for ln in reply.strip().splitlines() if ln.strip()]
    lines = [ln for ln in lines if not re.fullmatch(r"\*\*[^*]+\*\*", ln)]
    if not lines:
        return True
    if lines[0].startswith(("-", "*", "|", "1.")):
        return True
    figures = [ln for ln in lines if re.match(r"^[-*|]", ln) and re.search(r"\d", ln)]
    return len(figures) > 8 and len(figures) > len(lines) / 2


def load_exam(path: Path) -> list[Question]:
    return [
        Question.from_line(json.loads(ln)) for ln in path.read_text().splitlines() if ln.strip()
    ]


# -- the worlds ---------------------------------------------------------------------------


def build_people(root: Path) -> tuple[Database, Settings, dict[str, User]]:
    """The exam's four people and their real histories, in a fresh SQLite database."""
    db = Database(f"sqlite:///{root / 'exam.db'}")
    settings = Settings(home=root / "home", database_url=db.url)
    with db.session() as session:
        people = {
            "ann": create_user(session, "ann", display_name="Ann", password="ann-pass-1"),
            "bob": create_user(session, "bob", display_name="Bob", password="bob-pass-1"),
            "cy": create_user(session, "cy", display_name="Cy", password="cy-pass-11"),
            "cora": create_user(
                session, "cora", display_name="Cora", role="coach", password="cora-pass-1"
            ),
        }
        link_coach(session, people["cora"], people["ann"])
        link_coach(session, people["cora"], people["bob"])
        listing = SHARED / "strava_api" / "strava-ruby-client"
        for page in sorted(listing.glob("client__all_athlete_activities__*.json")):
            for item in json.loads(page.read_text())["body"]:
                new = summary_to_activity(model.SummaryActivity.model_validate(item))
                add_activity(session, people["ann"], people["ann"].id, new)

    def ctx(who: str) -> ToolContext:
        user = people[who]
        return ToolContext(db=db, actor=user, settings=settings, athlete_id=user.id, today=TODAY)

    from tests.worlds import write_summary_export

    import_paths(ctx("ann"), [SHARED / "strength" / "hevy_export.csv"])
    import_paths(
        ctx("bob"), [write_summary_export(SHARED, root), SHARED / "strength" / "strong_export.csv"]
    )
    import_paths(ctx("cy"), [SHARED / "activity_files" / "strava_export"])
    from tools.registry import get_tool

    video = SHARED / "video" / "male_side_treadmill_30fps.mp4"
    get_tool("analyze_run_video").call(ctx("cy"), {"video_path": str(video)})
    return db, settings, people


def _forget(db: Database, user: User) -> None:
    """A new conversation: no waiting question, flow or last call of ``user``."""
    from storage.conversation import clear_state

    with db.session() as session:
        for state in states_of(session, user):
            clear_state(session, user, state.subject_id, state.kind)


def sit(questions: list[Question], show: bool = False) -> list[Answer]:
    """Ask every question of the exam and score the replies."""
    answers = []
    with tempfile.TemporaryDirectory(prefix="coachg-exam-") as folder:
        db, settings, people = build_people(Path(folder))
        coach = Coach(db, settings, today=TODAY)
        for question in questions:
            sender = people[question.sender]
            _forget(db, sender)
            for earlier in question.context:
                coach.turn(sender, earlier)
            started = time.perf_counter()
            reply = coach.turn(sender, question.message).text
            seconds = time.perf_counter() - started
            met = [item.met(reply) for item in question.rubric]
            dump = question.kind in JUDGED and is_dump(reply)
            answers.append(Answer(question, reply, met, dump, seconds))
            if show:
                _show(answers[-1])
        db.dispose()
    return answers


def _show(answer: Answer) -> None:
    q = answer.question
    print(f"\n=== {q.id} [{q.kind}] {q.sender}: {q.message}")
    print(answer.reply)
    for item, ok in zip(q.rubric, answer.met, strict=True):
        if not ok:
            print(f"  MISSED {item.type}: {item.pattern}  ({item.why})")
    if answer.dump:
        print("  DUMP: a judgement answered with a list or figures")


def report(answers: list[Answer]) -> dict[str, Any]:
    """The exam's scores: rubric items met, questions fully passed, dumps, by kind."""
    items = sum(a.items for a in answers)
    met = sum(sum(a.met) for a in answers)
    by_kind: dict[str, list[int]] = {}
    for a in answers:
        row = by_kind.setdefault(a.question.kind, [0, 0])
        row[0] += sum(a.met)
        row[1] += a.items
    missed = Counter(
        item.type
        for a in answers
        for item, ok in zip(a.question.rubric, a.met, strict=True)
        if not ok
    )
    return {
        "questions": len(answers),
        "items_met_pct": round(100 * met / items, 1) if items else 0.0,
        "questions_passed_pct": round(100 * sum(a.passed for a in answers) / len(answers), 1),
        "judged_dumps": sum(a.dump for a in answers),
        "judged_questions": sum(a.question.kind in JUDGED for a in answers),
        "missed_by_type": dict(missed),
        "by_kind_pct": {k: round(100 * m / n, 1) for k, (m, n) in sorted(by_kind.items())},
        "median_s": round(sorted(a.seconds for a in answers)[len(answers) // 2], 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exam", type=Path, default=DEFAULT_EXAM)
    parser.add_argument("--show", action="store_true", help="print every reply and its misses")
    parser.add_argument("--json", type=Path, help="write the replies and scores here")
    parser.add_argument("--only", help="ids to ask, comma-separated")
    args = parser.parse_args(argv)
    questions = load_exam(args.exam)
    if args.only:
        wanted = set(args.only.split(","))
        questions = [q for q in questions if q.id in wanted]
    answers = sit(questions, show=args.show)
    scores = report(answers)
    print(json.dumps(scores, indent=2))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "scores": scores,
                    "answers": [
                        {"id": a.question.id, "reply": a.reply, "met": a.met, "dump": a.dump}
                        for a in answers
                    ],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
