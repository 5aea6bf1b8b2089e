"""Routing accuracy: does Coach G pick the right tool, with the right arguments, for what people
actually type (typos, slang, indirect requests, dates, attachments)?

Every message of a hand-labelled set goes through the real agent (:class:`agent.coach.Coach`)
on a real, temporary SQLite database with one athlete, and we measure:

- tool accuracy: the tool it called (or asked to confirm) is the expected one, or none when
  none is expected;
- argument accuracy: over the messages whose tool was right and that have expected arguments,
  every expected argument is there with the same value (paths compared by file name, a missing
  argument counts as the tool's default);
- kind accuracy: tool, smalltalk, help, decline, clarify, coming_soon or unknown, and for
  ``clarify``/``coming_soon`` the tool it is about;
- grounded share: replies whose every number comes from the turn's tool results or the message
  (Coach G's fixed help and clarifying texts are written in code and left out of the check);
- the median turn latency.

Attached files do not exist: a video or activity file is routed, and the tool then fails with
its own message (routing is what is measured). Strava syncs wait for a yes, so nothing reaches
the network. Dates are resolved against a fixed ``TODAY`` so labels stay valid.

    python -m evals.routing_accuracy [--backend rules|openai] [--set PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

import agent.coach as coach_module
from agent.coach import Coach
from agent.composer import help_text
from agent.replies import DECLINE, NOT_YOUR_ATHLETE, SEE_A_DOCTOR, SEE_A_DOCTOR_TODAY, Reply
from agent.router import Route
from agent.verifier import is_grounded
from knowledge.pain import ALL_SOURCES as PAIN_SOURCES
from knowledge.scope import MEDICATION
from storage import models as storage_models
from storage.activities import NewActivity, add_activity
from storage.db import Database
from storage.models import ChatMessage, User
from storage.settings import Settings
from storage.users import create_user, link_coach
from tools.checkin.answers import QUESTIONS as CHECKIN_QUESTIONS
from tools.registry import TOOLS, get_tool

TODAY = date(2026, 11, 24)
DEFAULT_SET = Path(__file__).resolve().parents[1] / "agent" / "examples" / "routing_set.jsonl"
# Coach G's fixed wording (help, clarifying questions): its numbers ("10-20 seconds", "my last 5
# runs") are written in code, not produced by a tool, so they are left out of the grounding check.
FIXED_TEXTS = (
    help_text(),
    DECLINE,
    NOT_YOUR_ATHLETE,
    SEE_A_DOCTOR,
    SEE_A_DOCTOR_TODAY,
    MEDICATION.answer,
    *(spec.needs for spec in TOOLS.values() if spec.needs),
    *CHECKIN_QUESTIONS.values(),  # the check-in's questions ("1 (very well) to 7")
    *PAIN_SOURCES,  # the papers a pain answer cites
)
KINDS = ("tool", "smalltalk", "help", "decline", "clarify", "coming_soon", "unknown")
PATH_ARGS = {"video_path", "paths"}


@dataclass(frozen=True)
class Case:
    """One labelled message: what a sensible coach app should do with it."""

    message: str
    tool: str | None
    kind: str
    args: dict[str, Any] = field(default_factory=dict)
    attachments: tuple[str, ...] = ()
    about: str | None = None  # the tool a ``clarify`` or ``coming_soon`` answer is about
    note: str = ""
    context: tuple[str, ...] = ()  # earlier messages of the same conversation
    as_coach: bool = False  # sent by Cora, who coaches Sam and Ann, rather than by an athlete
    subject: str | None = None  # whom the answer should be about (a coach's athlete)
    checks_subject: bool = False  # whether ``subject`` was labelled (None: all their athletes)


@dataclass
class Outcome:
    """What the agent did with one case."""

    case: Case
    tool: str | None
    args: dict[str, Any]
    kind: str
    about: str | None
    grounded: bool
    ms: float
    reply: str
    subject: str | None = None
    confidence: float | None = None  # the route's stated confidence

    @property
    def subject_ok(self) -> bool:
        return not self.case.checks_subject or self.subject == self.case.subject

    @property
    def tool_ok(self) -> bool:
        return self.tool == self.case.tool

    @property
    def args_checked(self) -> bool:
        return self.tool_ok and self.tool is not None and bool(self.case.args)

    @property
    def args_ok(self) -> bool:
        return all(_same(key, value, self._actual(key)) for key, value in self.case.args.items())

    @property
    def kind_ok(self) -> bool:
        if self.kind != self.case.kind:
            return False
        return self.case.about is None or self.about == self.case.about

    @property
    def ok(self) -> bool:
        return (
            self.tool_ok
            and (not self.args_checked or self.args_ok)
            and self.kind_ok
            and self.subject_ok
        )

    def _actual(self, key: str) -> Any:
        if key in self.args:
            return self.args[key]
        fields = get_tool(self.tool).arguments.model_fields if self.tool else {}
        return fields[key].default if key in fields else _MISSING


@dataclass
class RoutingResults:
    """The outcomes of a run and the measures over them."""

    backend: str
    outcomes: list[Outcome]

    @property
    def size(self) -> int:
        return len(self.outcomes)

    @property
    def tool_accuracy(self) -> float:
        return _share([o.tool_ok for o in self.outcomes])

    @property
    def argument_accuracy(self) -> float:
        return _share([o.args_ok for o in self.outcomes if o.args_checked])

    @property
    def arguments_checked(self) -> int:
        return sum(o.args_checked for o in self.outcomes)

    @property
    def kind_accuracy(self) -> float:
        return _share([o.kind_ok for o in self.outcomes])

    @property
    def subject_accuracy(self) -> float:
        return _share([o.subject_ok for o in self.outcomes if o.case.checks_subject])

    def calibration(self, bins: int = 5) -> tuple[float, list[tuple[float, float, float, int]]]:
        """How reliable the stated confidence is: the expected calibration error (the gap
        between stated confidence and the share of right routes, weighted by messages) and,
        per confidence bin, (low, mean confidence, share right, messages)."""
        scored = [(o.confidence, o.ok) for o in self.outcomes if o.confidence is not None]
        rows, error = [], 0.0
        for index in range(bins):
            low, high = index / bins, (index + 1) / bins
            inside = [(c, ok) for c, ok in scored if low <= c < high or (high == 1 and c == 1)]
            if not inside:
                continue
            stated = statistics.fmean(c for c, _ in inside)
            right = statistics.fmean(ok for _, ok in inside)
            rows.append((low, stated, right, len(inside)))
            error += len(inside) * abs(stated - right)
        return (error / len(scored) if scored else 0.0), rows

    @property
    def grounded_share(self) -> float:
        return _share([o.grounded for o in self.outcomes])

    @property
    def median_ms(self) -> float:
        return statistics.median(o.ms for o in self.outcomes) if self.outcomes else 0.0

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok or not o.grounded]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else 1.0


def _same(key: str, expected: Any, actual: Any) -> bool:
    if key in PATH_ARGS:
        return _names(expected) == _names(actual)
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return abs(expected - actual) <= 0.05
    return expected == actual


def _names(value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple)):
        return [Path(str(v)).name for v in value]
    return [Path(str(value)).name] if isinstance(value, (str, Path)) else None


# -- the set ------------------------------------------------------------------------------


def _built(name: str | None) -> bool:
    spec = TOOLS.get(name or "")
    return spec is not None and not spec.planned


def load_set(path: Path | str = DEFAULT_SET) -> list[Case]:
    """The labelled cases of a JSON-lines file (blank lines and ``#`` lines are skipped)."""
    cases = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        row = json.loads(line)
        if row["kind"] not in KINDS:
            raise ValueError(f"{path}:{number}: unknown kind {row['kind']!r}")
        if row["kind"] == "coming_soon" and _built(row.get("about")):
            # Labelled when the tool was planned; now it is built, the message should reach it
            # (its arguments were never labelled, so they are not checked).
            row = {**row, "kind": "tool", "tool": row["about"], "about": None, "args": {}}
        cases.append(
            Case(
                message=row["message"],
                tool=row.get("tool"),
                kind=row["kind"],
                args=dict(row.get("args") or {}),
                attachments=tuple(row.get("attachments") or ()),
                about=row.get("about"),
                note=row.get("note", ""),
                context=tuple(row.get("context") or ()),
                as_coach=row.get("as") == "coach",
                subject=row.get("subject"),
                checks_subject="subject" in row,
            )
        )
    return cases


# -- running it ---------------------------------------------------------------------------


def _seed(db: Database, athlete: User, days_offset: int = 0) -> None:
    """Two years of varied training up to the day before ``TODAY``, so listings have numbers
    to ground."""
    start = datetime(2026, 11, 23, 7, tzinfo=UTC)
    plan = [("run", 8.2), ("ride", 31.0), ("run", 12.5), ("swim", 1.8), ("walk", 4.1), ("hike", 9)]
    with db.session() as session:
        for index in range(150):
            sport, km = plan[index % len(plan)]
            add_activity(
                session,
                athlete,
                athlete.id,
                NewActivity(
                    source="eval",
                    source_id=f"eval-{index}",
                    sport=sport,
                    name=f"{sport} {index}",
                    start_time=start - timedelta(days=index * 5 + days_offset, hours=index % 5),
                    distance_m=km * 1000 + index * 37,
                    moving_time_s=km * (330 if sport == "run" else 150) + index * 11,
                ),
            )


@dataclass
class People:
    """The routing world's people: an athlete, and Cora, who coaches Sam and Ann."""

    runner: User
    cora: User
    sam: User
    ann: User

    @property
    def names(self) -> dict[int, str]:
        return {user.id: user.name for user in (self.runner, self.cora, self.sam, self.ann)}


def make_people(db: Database) -> People:
    """The routing world's people in ``db``, each athlete with two years of varied training."""
    with db.session() as session:
        people = People(
            runner=create_user(session, "runner", password="runner-pass-1"),
            cora=create_user(session, "cora", role="coach", password="cora-pass-1"),
            sam=create_user(session, "sam", display_name="Sam", password="sam-pass-1"),
            ann=create_user(session, "ann", display_name="Ann", password="ann-pass-1"),
        )
        link_coach(session, people.cora, people.sam)
        link_coach(session, people.cora, people.ann)
    for offset, person in enumerate((people.runner, people.sam, people.ann)):
        _seed(db, person, days_offset=offset)
    return people


@contextmanager
def _watching_routes(seen: list[Route]) -> Iterator[None]:
    """Record what the agent's router proposes for each turn (its kind is not in the reply)."""
    original: Callable[..., Route] = coach_module.route

    def watched(*args: Any, **kwargs: Any) -> Route:
        proposed = original(*args, **kwargs)
        seen.append(proposed)
        return proposed

    coach_module.route = watched
    try:
        yield
    finally:
        coach_module.route = original


def _observe(
    case: Case, reply: Reply, seen: list[Route], ms: float, subject: str | None = None
) -> Outcome:
    call = reply.tool_calls[0] if reply.tool_calls else reply.pending
    if call is not None:
        kind, about = "tool", call.name
    elif reply.route is not None:
        kind, about = reply.route.kind, reply.route.tool
        if kind == "pain":  # a fixed, safe answer with no tool: a decline of the request
            kind = "decline"
    elif reply.text == NOT_YOUR_ATHLETE:  # refused whatever was read from it
        kind, about = "decline", None
    elif seen:
        kind, about = seen[-1].kind, seen[-1].tool
    else:  # the agent answered before routing: someone else's athlete
        kind, about = ("decline" if reply.text == NOT_YOUR_ATHLETE else "unknown"), None
    return Outcome(
        case=case,
        tool=call.name if call else about if kind == "tool" else None,
        args=dict(call.args) if call else {},
        kind=kind,
        about=about,
        grounded=is_grounded(
            _without_fixed_texts(reply.text),
            reply.results,
            [c.args for c in reply.tool_calls],
            case.message,
        ),
        ms=ms,
        reply=reply.text,
        subject=subject,
        confidence=reply.route.confidence if reply.route is not None else None,
    )


def _forget_conversations(db: Database, user: User) -> None:
    """Delete ``user``'s chat (and any conversation state kept beside it)."""
    with db.session() as session:
        session.execute(delete(ChatMessage).where(ChatMessage.user_id == user.id))
        state = getattr(storage_models, "ConversationState", None)
        if state is not None:
            session.execute(delete(state).where(state.user_id == user.id))


def _last_subject(db: Database, user: User, names: dict[int, str]) -> str | None:
    """The user name of whom ``user``'s last answer was about (None: no one, or all)."""
    with db.session() as session:
        last = session.scalars(
            select(ChatMessage)
            .where(ChatMessage.user_id == user.id, ChatMessage.role == "assistant")
            .order_by(ChatMessage.id.desc())
            .limit(1)
        ).first()
        return names.get(last.athlete_id) if last and last.athlete_id else None


def _without_fixed_texts(text: str) -> str:
    for fixed in FIXED_TEXTS:
        text = text.replace(fixed, "")
    return text


def _settings(home: Path, url: str, backend: str) -> Settings:
    if backend == "rules":
        return Settings(home=home, database_url=url)
    return replace(Settings.from_env(), home=home, database_url=url, llm=backend)


def evaluate(cases: Sequence[Case], backend: str = "rules", today: date = TODAY) -> RoutingResults:
    """Run every case through a fresh Coach G and measure what it did."""
    with tempfile.TemporaryDirectory(prefix="coachg-routing-") as folder:
        root = Path(folder)
        db = Database(f"sqlite:///{root / 'coachg.db'}")
        try:
            settings = _settings(root / "home", db.url, backend)
            people = make_people(db)
            athlete, cora, names = people.runner, people.cora, people.names
            coach = Coach(db, settings, today=today)
            uploads = root / "uploads"  # named, never created: tools report missing files
            outcomes = []
            for case in cases:
                sender = cora if case.as_coach else athlete
                _forget_conversations(db, sender)  # every case starts a new conversation
                seen: list[Route] = []
                files = [str(uploads / name) for name in case.attachments]
                with _watching_routes(seen):
                    for earlier in case.context:
                        coach.turn(sender, earlier)
                    seen.clear()
                    started = time.perf_counter()
                    reply = coach.turn(sender, case.message, files)
                    ms = (time.perf_counter() - started) * 1000
                subject = _last_subject(db, sender, names)
                outcomes.append(_observe(case, reply, seen, ms, subject))
            return RoutingResults(coach.llm.name, outcomes)
        finally:
            db.dispose()


# -- reporting ----------------------------------------------------------------------------


def _expected(case: Case) -> str:
    if case.tool:
        return f"{case.tool}({_args_text(case.args)})"
    return f"[{case.kind}{' ' + case.about if case.about else ''}]"


def _got(outcome: Outcome) -> str:
    if outcome.tool:
        return f"{outcome.tool}({_args_text(outcome.args)})"
    return f"[{outcome.kind}{' ' + outcome.about if outcome.about else ''}]"


def _args_text(args: dict[str, Any]) -> str:
    return ", ".join(
        f"{key}={_names(value) if key in PATH_ARGS else value!r}" for key, value in args.items()
    )


def report(results: RoutingResults) -> str:
    """The measures and the misses as text."""
    lines = [
        f"routing set: {results.size} messages, backend {results.backend}",
        f"tool accuracy      {results.tool_accuracy:.3f}",
        f"argument accuracy  {results.argument_accuracy:.3f}"
        f"  (over {results.arguments_checked} messages with expected arguments)",
        f"kind accuracy      {results.kind_accuracy:.3f}",
        f"subject accuracy   {results.subject_accuracy:.3f}",
        f"grounded share     {results.grounded_share:.3f}",
        f"median latency     {results.median_ms:.1f} ms",
    ]
    error, rows = results.calibration()
    lines.append(f"calibration error  {error:.3f}  (stated confidence vs share right, by bin)")
    lines += [
        f"  confidence {low:.1f}+: stated {stated:.2f}, right {right:.2f} ({n} messages)"
        for low, stated, right, n in rows
    ]
    misses = results.misses()
    lines.append(f"misses: {len(misses)}")
    for outcome in misses:
        attached = f" +{list(outcome.case.attachments)}" if outcome.case.attachments else ""
        grounded = "" if outcome.grounded else "  (UNGROUNDED reply)"
        lines.append(
            f"- {outcome.case.message!r}{attached}\n"
            f"    expected {_expected(outcome.case)}\n"
            f"    got      {_got(outcome)}{grounded}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["rules", "openai"], default="rules")
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="a JSON-lines routing set")
    options = parser.parse_args(argv)
    results = evaluate(load_set(options.set), backend=options.backend)
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
