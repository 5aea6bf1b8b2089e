"""The strength history answers a coach's questions, led by the answer: the heaviest set of an
exercise (or of its variant, said so), the last session (of an exercise or a body part) with
its top sets, and how often the athlete lifts beside the two sessions a week that strength
programmes for runners commonly use - for the athlete, and for their coach in the third person.

Real data: Ann imported the Hevy export, Sam the Strong one (the ``imported`` fixture of
:mod:`tests.test_strength`). Every expected value is computed here from the CSV files with the
csv module, never from the code under test.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from agent.coach import Coach
from agent.verifier import ungrounded_numbers
from storage.models import User
from storage.users import create_user, link_coach
from tests import test_strength
from tests.test_strength import Imported
from tools.context import ToolContext
from tools.markdown import escape
from tools.registry import TOOLS
from tools.result import Finding, ToolResult
from tools.strength.history_tool import body_part, exercise_words, show_of, strength_history

#: Ann's Hevy export and Sam's Strong export, imported once for this module.
imported = test_strength.imported
#: A day long after both logs end (so "how long ago" is said plainly).
TODAY = date(2026, 11, 29)
NOTES = Path(__file__).resolve().parents[1] / "knowledge" / "notes" / "strength.md"
#: Exercise names (as the apps write them) that train the legs, for the expectations.
LEG_WORDS = re.compile(r"squat|\bleg\b|lunge|calf|deadlift|glute|hip (thrust|abduction|adduction)")


@dataclass(frozen=True)
class Set:
    """One set of an app's CSV export."""

    session: tuple[str, str]  # (start, title): one workout
    day: date
    title: str
    exercise: str
    working: bool
    weight: float | None
    reps: int | None


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def hevy_sets(folder: Path) -> list[Set]:
    with (folder / "hevy_export.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        Set(
            (r["start_time"], r["title"]),
            datetime.strptime(r["start_time"], "%d %b %Y, %H:%M").date(),
            r["title"],
            r["exercise_title"],
            r["set_type"] != "warmup",
            _number(r["weight_kg"]),
            int(r["reps"]) if r["reps"] else None,
        )
        for r in rows
    ]


def strong_sets(folder: Path) -> list[Set]:
    with (folder / "strong_export.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        Set(
            (r["Date"], r["Workout Name"]),
            datetime.strptime(r["Date"], "%Y-%m-%d %H:%M:%S").date(),
            r["Workout Name"],
            r["Exercise Name"],
            True,  # Strong marks no warm-ups
            _number(r["Weight"]),
            int(float(r["Reps"])) if r["Reps"] else None,
        )
        for r in rows
    ]


def words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def kg(weight: float) -> str:
    return f"{round(weight, 1):g} kg"


def heaviest(sets: list[Set]) -> tuple[float, int, date]:
    """The heaviest working set: the most weight, then the most reps, the first such day."""
    weighted = [s for s in sets if s.working and s.weight and s.reps]
    top = max((s.weight or 0.0, s.reps or 0) for s in weighted)
    day = min(s.day for s in weighted if (s.weight, s.reps) == top)
    return top[0], top[1], day


def top_sets(sets: list[Set]) -> dict[str, tuple[float, int]]:
    """Each exercise's top working set (weight, reps), in the order the session did them."""
    out: dict[str, tuple[float, int]] = {}
    for s in sets:
        if s.working and (s.weight or s.reps):
            out[s.exercise] = max(out.get(s.exercise, (0.0, 0)), (s.weight or 0.0, s.reps or 0))
    return out


def epley(weight: float, reps: int) -> float:
    return weight if reps == 1 else weight * (1 + reps / 30)


@dataclass
class Gym:
    imported: Imported
    ann: ToolContext
    sam: ToolContext
    cora: User
    ann_sets: list[Set]
    sam_sets: list[Set]


@pytest.fixture(scope="module")
def gym(imported: Imported, shared_data: Path) -> Iterator[Gym]:
    """Ann's and Sam's logs seen on :data:`TODAY`, and Cora, Ann's coach."""
    with imported.db.session() as session:
        cora = create_user(session, "cora", role="coach", password="cora-pass-1")
        link_coach(session, cora, session.get(User, imported.ann.id))
    settings = imported.ctx.settings
    folder = shared_data / "strength"
    yield Gym(
        imported,
        ToolContext(db=imported.db, actor=imported.ann, settings=settings, today=TODAY),
        ToolContext(db=imported.db, actor=imported.sam_ctx.actor, settings=settings, today=TODAY),
        cora,
        hevy_sets(folder),
        strong_sets(folder),
    )


def finding(result: ToolResult, topic: str, kind: str | None = None) -> Finding:
    assert result.ok, result.message
    names = [f.name for f in result.facts]
    assert len(names) == len(set(names)), "each fact once, so each finding quotes its own"
    found = [f for f in result.rendered_findings(kind) if f.topic == topic]
    assert found, f"no {topic} finding for {kind}: {[f.topic for f in result.findings]}"
    return found[0]


def mapped(gym: Gym, app_name: str) -> str:
    """The name an app's exercise was stored under (the library's, when it was matched)."""
    logs = [*gym.imported.report.strength, *gym.imported.sam_report.strength]
    return next((log.mapped[app_name] for log in logs if app_name in log.mapped), app_name)


def test_the_heaviest_squat_leads_with_its_set_day_and_exercise(gym: Gym) -> None:
    squat = [s for s in gym.ann_sets if s.exercise == "Squat (Barbell)"]
    weight, reps, day = heaviest(squat)
    first_day = min(s.day for s in squat if s.working and s.weight == weight and s.reps)
    best = max(epley(s.weight, s.reps) for s in squat if s.working and s.weight and s.reps
               and s.reps <= 12)  # fmt: skip
    result = strength_history(gym.ann, exercise="squat")
    record = finding(result, "record", "extreme")
    assert record.verdict == (
        f"Your heaviest squat was {kg(weight)} × {reps} on {words(day)} (Barbell Squat)."
    )
    evidence = " ".join(record.evidence)
    assert f"Best estimated 1RM: {round(best, 1)} kg" in evidence and "estimate" in evidence
    assert f"First lifted at {kg(weight)} on {words(first_day)}" in evidence
    # the other squats logged are named, each with its own heaviest set
    smith = [s for s in gym.ann_sets if s.exercise == "Squat (Smith Machine)"]
    w, r, d = heaviest(smith)
    assert f"heaviest {kg(w)} × {r} on {words(d)}" in evidence

    # Sam's squat comes from Sam's log, not Ann's
    sam_squat = [s for s in gym.sam_sets if s.exercise == "Squat (Barbell)"]
    weight, reps, day = heaviest(sam_squat)
    sam = finding(strength_history(gym.sam, exercise="squats"), "record", "extreme")
    assert sam.verdict.startswith(f"Your heaviest squat was {kg(weight)} × {reps} on {words(day)}")


def test_a_deadlift_without_a_plain_deadlift_is_its_variant_said_so(gym: Gym) -> None:
    names = {s.exercise for s in gym.ann_sets}
    assert not [n for n in names if "deadlift" in n.lower() and "romanian" not in n.lower()]
    rdl = [s for s in gym.ann_sets if s.exercise == "Romanian Deadlift (Barbell)"]
    weight, reps, day = heaviest(rdl)
    record = finding(strength_history(gym.ann, exercise="deadlift"), "record", "extreme")
    assert record.verdict == (
        f"Your heaviest deadlift was {kg(weight)} × {reps} on {words(day)} "
        "(Romanian Deadlift; no plain deadlift is logged)."
    )
    # "when did I last do deadlifts": the last session with one, and its top set
    last_day = max(s.day for s in rdl if s.working)
    w, r = top_sets([s for s in rdl if s.day == last_day])["Romanian Deadlift (Barbell)"]
    result = strength_history(gym.ann, exercise="deadlifts", show="last_session")
    last = finding(result, "last_session")
    assert last.verdict == (
        f"Your last deadlift session was on {words(last_day)} "
        "(Romanian Deadlift; no plain deadlift is logged)."
    )
    assert last.evidence[0].startswith(f"Romanian Deadlift: top set {kg(w)} × {r} ")
    assert f"{(TODAY - last_day).days} days before today" in last.margin


def test_the_last_session_names_its_day_and_top_sets(gym: Gym) -> None:
    latest = max(gym.ann_sets, key=lambda s: (s.day, s.session[0])).session
    session = [s for s in gym.ann_sets if s.session == latest]
    day, title = session[0].day, session[0].title
    result = strength_history(gym.ann, show="last_session")
    last = finding(result, "last_session")
    assert last.verdict == f"Your last strength session was on {words(day)} (“{title}”)."
    expected = [
        f"{escape(mapped(gym, name))}: top set {kg(w)} × {r}"
        if w
        else f"{escape(mapped(gym, name))}: top set {r}"
        for name, (w, r) in top_sets(session).items()
    ]
    assert [e.split(" (")[0] for e in last.evidence] == expected
    assert (
        last.margin == f"That was {(TODAY - day).days} days before today; nothing is logged since."
    )
    # the lookup's reply is that answer, not the whole history
    reply = TOOLS["strength_history"].phrase(result)  # type: ignore[misc]
    assert reply.splitlines()[0] == last.verdict
    assert "By exercise" not in reply

    # three days after it, it is "3 days ago"
    soon = ToolContext(
        db=gym.ann.db, actor=gym.ann.actor, settings=gym.ann.settings, today=day + timedelta(days=3)
    )
    recent = finding(strength_history(soon, show="last_session"), "last_session")
    assert recent.verdict.endswith(", 3 days ago.") and not recent.margin


def test_the_last_leg_session_is_the_last_that_trained_legs(gym: Gym) -> None:
    legs = [s for s in gym.sam_sets if LEG_WORDS.search(s.exercise.lower())]
    leg_day = max(s.day for s in legs)
    assert max(s.day for s in gym.sam_sets) > leg_day  # later sessions trained no legs
    session = [s for s in legs if s.day == leg_day]
    result = strength_history(gym.sam, part="legs", show="last_session")
    last = finding(result, "last_session")
    assert last.verdict == f"You last trained legs on {words(leg_day)} (“{session[0].title}”)."
    shown = {e.split(":")[0] for e in last.evidence}
    assert shown == {mapped(gym, s.exercise) for s in session}
    for name, (w, r) in top_sets(session).items():
        assert any(
            e.startswith(f"{mapped(gym, name)}: top set {kg(w)} × {r} ") for e in last.evidence
        )


def test_how_often_counts_the_last_eight_weeks_of_the_log(gym: Gym) -> None:
    days = {s.session: s.day for s in gym.ann_sets}
    end = max(days.values())
    start = end - timedelta(days=55)
    sessions = sum(start <= d <= end for d in days.values())
    rate = round(sessions / 8, 1)
    result = strength_history(gym.ann)
    for kind in ("judgement", "should"):
        often = finding(result, "how_often", kind)
        assert often.verdict == (
            f"More than enough: you already lift {rate} times a week (the last 8 weeks of your "
            f"log, to {words(end)}); nothing is logged since."
        )
    assert f"{sessions} sessions from {words(start)} to {words(end)}." in often.evidence
    assert "2 sessions a week" in often.action and "commonly use" in often.action
    assert rate > 2.5 and "no need to add one" in often.action
    # the source cited is one the strength note holds
    note = " ".join(NOTES.read_text(encoding="utf-8").split())
    assert often.source.startswith("Lauersen JB") and often.source in note
    assert often.confidence < 1  # the log ended long before today: said, and less sure

    # Sam: 2025 sessions only, once the one from 2024 is more than 8 weeks back
    days = {s.session: s.day for s in gym.sam_sets}
    end = max(days.values())
    sessions = sum(end - timedelta(days=55) <= d <= end for d in days.values())
    assert sessions < len(days)
    sam = finding(strength_history(gym.sam), "how_often", "should")
    assert sam.verdict.startswith(f"Enough: you already lift {round(sessions / 8, 1)} times a week")
    assert "about the 2 sessions a week" in sam.action


def test_a_coach_reads_it_about_their_athlete(gym: Gym) -> None:
    cora = ToolContext(
        db=gym.imported.db,
        actor=gym.cora,
        settings=gym.ann.settings,
        athlete_id=gym.imported.ann.id,
        today=TODAY,
    )
    result = strength_history(cora, exercise="squat")
    often = finding(result, "how_often", "judgement")
    name = cora.who
    assert (
        often.verdict.startswith(f"More than enough: {name} already lifts ")
        and f"of {name}'s log" in often.verdict
    )
    record = finding(result, "record", "extreme")
    assert record.verdict.startswith(f"{name}'s heaviest squat was ")
    for f in (often, record, finding(result, "last_session")):
        text = " ".join([f.verdict, *f.evidence, f.action, f.margin])
        assert not re.search(r"\b(you|your)\b", text, re.I), text


def test_the_readers_take_what_the_questions_ask() -> None:
    assert body_part("When did I last train legs?") == "legs"
    assert exercise_words("When did I last train legs?") is None
    assert show_of("When did I last train legs?") == "last_session"
    assert show_of("What did I lift in my last gym session?") == "last_session"
    assert exercise_words("What did I lift in my last gym session?") is None
    assert show_of("Should I add a second strength session each week?") == "how_often"
    assert exercise_words("Should I add a second strength session each week?") is None
    assert show_of("am I doing too much in the gym?") == "how_often"
    assert show_of("what's my squat PR") is None and show_of("what did I lift last week") is None
    assert body_part("what's my leg press PR") is None
    assert exercise_words("what's my leg press PR") == "leg press"
    assert body_part("when did I last hit my back") == "back"
    assert body_part("back squat PR") is None


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("**Ann")]
    return lines[0]


def test_the_chat_leads_each_answer_with_it(gym: Gym) -> None:
    coach = Coach(gym.imported.db, gym.ann.settings, today=TODAY)
    ann = gym.imported.ann
    squat = [s for s in gym.ann_sets if s.exercise == "Squat (Barbell)"]
    weight, reps, day = heaviest(squat)
    days = {s.session: s.day for s in gym.ann_sets}
    end = max(days.values())
    rate = round(sum(end - timedelta(days=55) <= d <= end for d in days.values()) / 8, 1)
    latest = max(days.values())
    asked = {
        (ann, "What's my heaviest squat?"): f"Your heaviest squat was {kg(weight)} × {reps} on "
        f"{words(day)} (Barbell Squat).",
        (ann, "Should I add a second strength session each week?"): "More than enough: you "
        f"already lift {rate} times a week",
        (ann, "What did I lift in my last session?"): "Your last strength session was on "
        f"{words(latest)}",
        (gym.cora, "Is Ann doing too much in the gym?"): "More than enough: Ann already "
        f"lifts {rate} times a week",
    }
    for (who, message), lead in asked.items():
        reply = coach.turn(who, message)
        assert [c.name for c in reply.tool_calls] == ["strength_history"], message
        assert _first_line(reply.text).startswith(lead), reply.text
        assert "By exercise" not in reply.text, message
        args = [c.args for c in reply.tool_calls]
        assert not ungrounded_numbers(reply.text, reply.results, args, message), reply.text


def test_is_my_squat_still_going_up_reads_the_log_s_last_weeks_against_before(gym: Gym) -> None:
    """The heaviest working set of the log's last eight weeks against the best before them,
    with where it started, from the Hevy CSV; and the question's verb ("the heaviest I've
    squatted") names the exercise."""
    squat = sorted(
        (s for s in gym.ann_sets if s.exercise == "Squat (Barbell)" and s.working and s.weight),
        key=lambda s: s.day,
    )
    end = squat[-1].day
    recent = max(s.weight for s in squat if s.day > end - timedelta(weeks=8))
    before = max(s.weight for s in squat if s.day <= end - timedelta(weeks=8))
    first = max(s.weight for s in squat if s.day == squat[0].day)
    result = strength_history(gym.ann, exercise="squat")
    progress = next(
        f
        for f in result.rendered_findings("trend", "is it still going up?")
        if f.topic == "progress"
    )
    assert progress.verdict.startswith("Yes, still going up" if recent > before else "Not lately")
    assert f"from {kg(first)} on {words(squat[0].day)}" in progress.verdict or (recent <= before)
    assert kg(recent) in progress.verdict and kg(before) in progress.verdict
    assert exercise_words("what's the heaviest i've squatted?") == "squat"
    assert exercise_words("is my squat still going up?") == "squat"
