"""Knowledge answers with the real notes, real Chroma and the real embedding model: every claim
with its source written out, replies that cite what answers the question and point at nothing the
reader cannot see, the runner's own numbers beside the notes (checked against the recorded runs),
and who to ask about food and medicines."""

from __future__ import annotations

import re
import statistics
from datetime import date, timedelta
from pathlib import Path

import pytest

from agent.composer import compose, with_sources
from agent.reading import normalise
from agent.replies import DECLINE, decline_answer
from agent.safety import MEDICATION, OUTSIDE, check
from evals.knowledge_retrieval import DANGLING, SETS, cited, load_questions, supports
from knowledge import scope
from knowledge.notes import load_passages
from storage.db import Database
from storage.gait_reports import save_gait_report
from storage.settings import Settings
from storage.users import create_user
from tests.worlds import World
from tools.context import ToolContext
from tools.knowledge import search_knowledge
from tools.result import ToolResult

#: The topics a runner asks about (issue 10), each a note file.
TOPICS = {
    "cadence",
    "foot_strike",
    "overstriding",
    "vertical_oscillation",
    "contact_time",
    "trunk_lean",
    "arm_swing",
    "hip_and_pelvis",
    "knee_alignment",
    "shoes",
    "economy",
    "training_load",
    "progression",
    "intensity",
    "tapering",
    "recovery_sleep",
    "heat",
    "strength",
    "injuries",
    "return_to_running",
}
AUTHOR = re.compile(
    r"^(?:(?:van|von|de|der|den|da|di|le|la) )*[A-Z][\w'\u00c0-\u017f-]+ [A-Z]{1,4}\b"
)
YEAR = re.compile(r"\b(19[5-9]\d|20[0-2]\d)\b")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Chroma home for the module, so the notes are embedded once."""
    return tmp_path_factory.mktemp("knowledge-home")


@pytest.fixture(scope="module")
def runner(home: Path) -> ToolContext:
    """A runner with no activities yet."""
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'runner.db'}")
    db = Database(settings.database_url)
    with db.session() as session:
        user = create_user(session, "runner", password="runner-pass-1")
    return ToolContext(db=db, actor=user, settings=settings)


def test_notes_cover_the_topics_and_each_claim_names_author_year_and_journal() -> None:
    passages = load_passages()
    assert {p.id.rsplit("-", 1)[0] for p in passages} >= TOPICS
    assert len({p.id for p in passages}) == len(passages)
    for passage in passages:
        assert passage.title and passage.text, passage.id
        assert AUTHOR.match(passage.source), f"{passage.id}: no author first: {passage.source}"
        assert YEAR.search(passage.source), f"{passage.id}: no year: {passage.source}"
        assert passage.source.count(".") >= 3, f"{passage.id}: no title and journal"
        for text in (passage.title, passage.text, passage.source):
            assert not DANGLING.search(text), f"{passage.id} points at unseen text: {text}"


def test_replies_cite_sources_in_full_and_only_what_answers(runner: ToolContext) -> None:
    """A slice of both labelled question sets (the evaluation runs them all)."""
    passages = load_passages()
    questions = load_questions(SETS["tuning"])[::20] + load_questions(SETS["holdout"])[::10]
    supported = 0
    for question in questions:
        reply = compose(search_knowledge(runner, question.text))
        sections = cited(reply, passages)
        assert sections, f"{question.text!r} cites nothing: {reply}"
        assert reply.count("Source: ") == len(sections), reply  # every source written out
        assert not DANGLING.search(reply), reply
        supported += supports(reply, question.sections, passages)
    assert supported >= 0.7 * len(questions), f"{supported}/{len(questions)} supported"


def test_food_and_medicine_questions_say_who_to_ask(runner: ToolContext) -> None:
    for question in ("how many gels per hour in a marathon?", "what should I eat before a 10k"):
        reply = compose(search_knowledge(runner, question))
        assert "outside what I can help with" in reply and "dietitian" in reply
        assert "Source:" not in reply
    reply = compose(search_knowledge(runner, "is ibuprofen ok before a long run"))
    assert "pharmacist" in reply and "Source:" not in reply
    # In chat the safety rules stop a medicine question first, with the same answer.
    reason = check(normalise("how much ibuprofen should I take before a race"))
    assert reason == MEDICATION and decline_answer(reason) == scope.MEDICATION.answer
    # A diagnosis request keeps its own answer; a food question is left to the notes' tool.
    diagnosis = check(normalise("sharp pain in my shin, stress fracture? tell me what I have"))
    assert diagnosis == OUTSIDE and decline_answer(diagnosis) == DECLINE
    assert check(normalise("what should I eat before a long run")) is None


def _bob_runs(world: World) -> list[dict[str, str]]:
    """Bob's runs: the world writes every row of the series as a run."""
    return world.series


def test_an_answer_quotes_the_runners_own_cadence_and_weekly_distance(
    history_world: World, home: Path
) -> None:
    today = date(2025, 10, 20)  # a Monday, the day after the series' last run
    settings = Settings(home=home, database_url=history_world.db.url)
    bob = history_world.bob
    ctx = ToolContext(db=history_world.db, actor=bob, settings=settings, today=today)

    # Expected from the recorded series itself: Strava counts one leg, so steps = 2 x cadence.
    recent = [
        r
        for r in _bob_runs(history_world)
        if today - timedelta(days=91) <= date.fromisoformat(r["start_date_local"][:10]) <= today
        and int(r["moving_time"]) >= 600
        and r["average_cadence"]
    ]
    low, median, high = (
        round(q)
        for q in statistics.quantiles(
            [2 * float(r["average_cadence"]) for r in recent], n=4, method="inclusive"
        )
    )
    reply = compose(search_knowledge(ctx, "why does cadence matter?"))
    assert "Heiderscheit" in reply and "Source: " in reply
    last = max(date.fromisoformat(r["start_date_local"][:10]) for r in recent)
    to = f"{last.day} {last:%b %Y}"
    assert f"Your cadence over the 3 months to {to} was {low}-{high} steps/min" in reply, reply
    assert f"{len(recent)} runs of 10 minutes or more, median {median} steps/min" in reply

    mondays = [date(2025, 9, 22) + timedelta(weeks=i) for i in range(4)]
    weekly = [
        sum(
            float(r["distance"]) / 1000
            for r in _bob_runs(history_world)
            if monday <= date.fromisoformat(r["start_date_local"][:10]) < monday + timedelta(7)
        )
        for monday in mondays
    ]
    reply = compose(search_knowledge(ctx, "is the 10% rule legit?"))
    shown = re.search(r"last 4 full weeks, from 22 Sep 2025, was ([\d., and]+) km", reply)
    assert shown, reply
    numbers = [float(n) for n in re.findall(r"\d+\.\d", shown.group(1))]
    assert numbers == pytest.approx(weekly, abs=0.06)

    # A coach asking about the athlete sees the same numbers, worded for a third person.
    coach = ToolContext(
        db=history_world.db,
        actor=history_world.cora,
        settings=settings,
        athlete_id=bob.id,
        today=today,
    )
    reply = compose(search_knowledge(coach, "why does cadence matter?"))
    assert f"Bob's cadence over the 3 months to {to} was {low}-{high}" in reply


def test_a_technique_answer_quotes_the_latest_reliable_video_value(runner: ToolContext) -> None:
    with runner.session() as session:
        walker = create_user(session, "walker", password="walker-pass-1")
        overstride = {"label": "Overstride (heel ahead of hip)", "unit": "% leg length"}
        save_gait_report(
            session,
            walker,
            walker.id,
            {"metrics": {"overstride": {**overstride, "value": 14.3, "reliable": True}}},
            "first.mp4",
        )
        save_gait_report(
            session,
            walker,
            walker.id,
            {"metrics": {"overstride": {**overstride, "value": 30.0, "reliable": False}}},
            "shaky.mp4",
        )
    ctx = ToolContext(db=runner.db, actor=walker, settings=runner.settings)
    reply = compose(search_knowledge(ctx, "what is overstriding"))
    assert "Souza" in reply
    assert "the overstride (heel ahead of hip) was 14.3 % leg length" in reply.replace("\\", "")
    assert "30.0" not in reply  # the newer analysis could not measure it reliably
    assert "Your" not in compose(search_knowledge(runner, "what is overstriding"))


def test_a_drafted_knowledge_reply_gets_its_sources_written_out() -> None:
    note = load_passages()[0]
    hits = [
        {"kind": "note", "text": note.text, "source": note.source},
        {"kind": "note", "text": "Another claim.", "source": note.source},
        {"kind": "history", "text": "2026-01-02 a chat turn", "source": ""},
    ]
    result = ToolResult(tool="search_knowledge", data={"hits": hits})
    text = with_sources("Swinging your arms is worth it.", [result])
    assert text.splitlines() == [
        "Swinging your arms is worth it.",
        "",
        "Sources:",
        f"- {note.source}",
    ]
    listing = ToolResult(tool="list_activities", data={"activities": []})
    assert with_sources("You ran twice.", [listing]) == "You ran twice."


def test_the_long_run_spike_note_comes_with_the_runners_own_spikes(
    history_world: World, home: Path
) -> None:
    from datetime import datetime

    today = date(2025, 10, 20)
    settings = Settings(home=home, database_url=history_world.db.url)
    ctx = ToolContext(db=history_world.db, actor=history_world.bob, settings=settings, today=today)
    runs = sorted(
        (datetime.fromisoformat(r["start_date"].replace("Z", "+00:00")), float(r["distance"]))
        for r in _bob_runs(history_world)
        if float(r["distance"]) > 0
    )
    spikes = []  # more than 10 % past the longest of the 30 days before (Frandsen et al. 2025)
    for i, (start, metres) in enumerate(runs):
        before = [m for s, m in runs[:i] if start - timedelta(days=30) <= s < start]
        if before and metres > 1.1 * max(before):
            spikes.append((start, metres, max(before)))
    start, metres, longest = spikes[-1]
    reply = compose(
        search_knowledge(ctx, "what does the research say about sudden long-run jumps?")
    )
    assert "Frandsen" in reply
    assert f"past the longest of the 30 days before: {len(spikes)} in all" in reply, reply
    assert f"{metres / 1000:.1f} km against {longest / 1000:.1f} km" in reply
    assert f"{round((metres / longest - 1) * 100):+d} %" in reply


@pytest.mark.parametrize(
    "message, declined",
    [
        ("can you make me a meal plan for race week?", True),
        ("I need a carb loading schedule for sunday", True),
        ("make me a training plan for race week", False),
        ("what's the plan for my long run?", False),
    ],
)
def test_a_meal_plan_is_declined_with_who_to_ask(message: str, declined: bool) -> None:
    from agent.safety import NUTRITION

    reason = check(normalise(message))
    assert (reason == NUTRITION) == declined
    if declined:
        assert decline_answer(reason, message) == scope.NUTRITION.answer
        assert "dietitian" in scope.NUTRITION.answer


def test_a_should_question_on_a_topic_leads_with_the_notes_short_answer(
    history_world: World, home: Path
) -> None:
    from knowledge.notes import NOTES_DIR

    note = (NOTES_DIR / "foot_strike.md").read_text()
    section = next(s for s in note.split("\n## ") if s.startswith("Changing foot strike"))
    short = " ".join(re.search(r"In short: (.+?)\nSource:", section, re.S)[1].split())
    settings = Settings(home=home, database_url=history_world.db.url)
    ctx = ToolContext(db=history_world.db, actor=history_world.ann, settings=settings)
    question = "should I change my foot strike?"
    reply = compose(search_knowledge(ctx, question), "should", question)
    assert reply.startswith(short), reply
    assert "Hamill" in reply and "not a verdict on you" in reply
    assert "In short" not in reply  # the line is the verdict, not part of the claim
    # a section only loosely related to the question gives no short answer of its own
    loose = search_knowledge(ctx, "is it ok to run every day?")
    assert all(f.topic != "in_short" for f in loose.findings)
    listing = compose(search_knowledge(ctx, "what does the research say about foot strike?"))
    assert listing.startswith("What the research says about foot strike")
    assert "In short" not in listing
