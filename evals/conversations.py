"""Conversations: does Coach G keep track of a whole chat, not only of one message?

Each conversation of a set (``evals/conversations_*.jsonl``, written by someone who never read the
router) is played turn by turn through the real agent, on a fresh conversation, in the world of
:mod:`evals.routing_accuracy` (an athlete, "runner", and Cora, who coaches Sam and Ann). Per turn:

- tool selection: the tool that ran, was asked to confirm or holds the conversation (a check-in
  answer) is the expected one, or none where none is expected (small talk, help, refusals);
- kind: tool, smalltalk, help, decline (incl. a coach asking about someone not hers), red flag,
  clarify, and answers inside a flow or to a confirmation;
- the wrong person: an answer about someone other than the labelled subject;
- arguments: the expected ones are there; ``not_args`` were not carried over from earlier turns;
  ``says_carried`` were carried over and the reply says so (otherwise: silently carried).

    python -m evals.conversations [--set evals/conversations_a.jsonl] [--misses]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from agent.coach import Coach
from agent.replies import NOT_YOUR_ATHLETE, SEE_A_DOCTOR, SEE_A_DOCTOR_TODAY, Reply
from agent.safety import RED_FLAG
from evals.routing_accuracy import (
    TODAY,
    _forget_conversations,
    _last_subject,
    _settings,
    make_people,
)
from storage.db import Database
from storage.models import WellnessEntry
from storage.users import create_user

DEFAULT_SET = Path(__file__).with_name("conversations_a.jsonl")
#: The examiners' words for tools whose registry names differ.
TOOL_NAMES = {"analyze_video": "analyze_run_video", "import_files": "import_activities"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


@dataclass
class Turn:
    message: str
    tool: str | None
    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    not_args: list[str] = field(default_factory=list)
    subject: str | None = None
    says_carried: list[str] = field(default_factory=list)


@dataclass
class Played:
    conversation: str
    turn: Turn
    tool: str | None
    kind: str
    args: dict[str, Any]
    subject: str | None
    reply: str

    @property
    def tool_ok(self) -> bool:
        return self.tool == self.turn.tool

    @property
    def kind_ok(self) -> bool:
        answering = ("flow_answer", "confirm_answer", "tool")
        refusals = ("decline", "decline_person")  # a refusal is one, whoever it names
        if self.kind in refusals and self.turn.kind in refusals:
            return True
        return self.kind == self.turn.kind or (
            self.turn.kind in answering and self.kind in answering and self.tool_ok
        )

    @property
    def wrong_person(self) -> bool:
        expected = self.turn.subject
        if expected is None or self.tool is None:
            return False
        return (self.subject or "all") != expected

    @property
    def args_ok(self) -> bool:
        return all(_same(self.args.get(k), v) for k, v in self.turn.args.items())

    @property
    def wrongly_carried(self) -> list[str]:
        return [k for k in self.turn.not_args if self.args.get(k) is not None]

    @property
    def silently_carried(self) -> list[str]:
        return [
            k
            for k in self.turn.says_carried
            if self.args.get(k) is not None and not said(self.args[k], self.reply)
        ]


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str):  # "stride" names "stride length"
        return actual.lower().startswith(expected.lower())
    return actual == expected


def said(value: Any, reply: str) -> bool:
    """Whether the reply names ``value``: a sport, a count, or a date in any usual form."""
    text = reply.lower()
    shown = str(value).lower()
    if shown in text:
        return True
    if found := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", shown):
        year, month, day = int(found[1]), int(found[2]), int(found[3])
        name = _MONTHS[month - 1]
        return bool(
            re.search(rf"\b0?{day}\s+{name}\w*\s+{year}", text)
            or re.search(rf"\b{name}\w*\s+0?{day},?\s+{year}", text)
            or (day == 1 and re.search(rf"\b{name}\w*\s+{year}", text))
            or (day == 1 and month == 1 and re.search(rf"\b{year}\b", text))
        )
    return False


def load_set(path: Path) -> list[tuple[str, str, list[Turn]]]:
    conversations = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        turns = []
        for t in raw["turns"]:
            tool = TOOL_NAMES.get(t.get("tool"), t.get("tool"))
            turns.append(
                Turn(
                    t["message"],
                    tool,
                    t["kind"],
                    t.get("args") or {},
                    t.get("not_args") or [],
                    t.get("subject"),
                    t.get("says_carried") or [],
                )
            )
        conversations.append((raw["id"], raw.get("as", "runner"), turns))
    return conversations


def _observe(reply: Reply) -> tuple[str | None, str, dict[str, Any]]:
    """(tool, kind, arguments) of what the agent did with a turn."""
    call = reply.tool_calls[0] if reply.tool_calls else reply.pending
    if reply.text == NOT_YOUR_ATHLETE:
        return None, "decline_person", {}
    if reply.text.startswith((SEE_A_DOCTOR, SEE_A_DOCTOR_TODAY)):
        return None, "red_flag", {}
    route = reply.route
    if call is not None:
        reason = route.reason if route else ""
        kind = "tool"
        if reason in ("a step of a conversation", "the end of a conversation"):
            kind = "flow_answer"
        elif reason == "confirmed":
            kind = "confirm_answer"
        return call.name, kind, dict(call.args)
    if route is None:
        return None, "unknown", {}
    if route.kind == "decline" and route.reason == RED_FLAG:
        return None, "red_flag", {}
    if route.kind in ("clarify", "coming_soon"):
        return route.tool, "clarify", {}
    if route.reason == "declined a confirmation":
        return route.tool, "confirm_answer", {}
    return (route.tool if route.kind == "tool" else None), route.kind, dict(route.args)


def play(conversations: list[tuple[str, str, list[Turn]]], today: date = TODAY) -> list[Played]:
    played: list[Played] = []
    with tempfile.TemporaryDirectory(prefix="coachg-conversations-") as folder:
        root = Path(folder)
        db = Database(f"sqlite:///{root / 'coachg.db'}")
        settings = _settings(root / "home", db.url, "rules")
        people = make_people(db)
        runner, cora, names = people.runner, people.cora, people.names
        with db.session() as session:  # other users, whom Cora does not coach
            for other in ("bob", "max"):
                create_user(session, other, display_name=other.title(), password="other-pass-1")
        coach = Coach(db, settings, today=today)
        for name, sender_name, turns in conversations:
            sender = cora if sender_name == "cora" else runner
            _forget_conversations(db, sender)
            with db.session() as session:  # each conversation is its own week: no check-in yet
                session.execute(delete(WellnessEntry))
            for turn in turns:
                reply = coach.turn(sender, turn.message)
                tool, kind, args = _observe(reply)
                subject = _last_subject(db, sender, names) if tool else None
                played.append(Played(name, turn, tool, kind, args, subject, reply.text))
        db.dispose()
    return played


def _pct(flags: list[bool]) -> float:
    return round(100 * sum(flags) / len(flags), 1) if flags else 100.0


def scores(played: list[Played]) -> dict[str, Any]:
    coach_turns = [p for p in played if p.conversation and p.turn.subject in ("sam", "ann", "all")]
    with_args = [p for p in played if p.tool_ok and p.turn.args]
    return {
        "conversations": len({p.conversation for p in played}),
        "turns": len(played),
        "tool_pct": _pct([p.tool_ok for p in played]),
        "kind_pct": _pct([p.kind_ok for p in played]),
        "coach_tool_pct": _pct([p.tool_ok for p in coach_turns]),
        "args_pct": _pct([p.args_ok for p in with_args]),
        "wrong_person": sum(p.wrong_person for p in played),
        "wrongly_carried": sum(bool(p.wrongly_carried) for p in played),
        "silently_carried": sum(bool(p.silently_carried) for p in played),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--misses", action="store_true", help="print every turn that went wrong")
    parser.add_argument("--only", help="conversation ids to play, comma-separated")
    parser.add_argument("--show", action="store_true", help="print every turn's reply")
    options = parser.parse_args(argv)
    conversations = load_set(options.set)
    if options.only:
        wanted = set(options.only.split(","))
        conversations = [c for c in conversations if c[0] in wanted]
    played = play(conversations)
    if options.show:
        for p in played:
            print(f"- {p.conversation} {p.turn.message!r} -> {p.tool}/{p.kind}")
            print("    " + (p.reply or "(empty)").replace("\n", "\n    ")[:1200])
    if options.misses:
        for p in played:
            problems = []
            if not p.tool_ok or not p.kind_ok:
                problems.append(f"expected {p.turn.tool}/{p.turn.kind}, got {p.tool}/{p.kind}")
            if p.tool_ok and not p.args_ok:
                problems.append(f"args {p.turn.args} vs {p.args}")
            if p.wrong_person:
                problems.append(f"about {p.subject}, not {p.turn.subject}")
            if p.wrongly_carried:
                problems.append(f"carried {p.wrongly_carried}")
            if p.silently_carried:
                problems.append(f"silently carried {p.silently_carried}")
            if problems:
                print(f"- {p.conversation} {p.turn.message!r}: " + "; ".join(problems))
                print("    " + p.reply.splitlines()[0][:160] if p.reply else "    (empty)")
    print(json.dumps(scores(played), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
