"""The weekly check-in on the real histories, for what was reported wrong with it: pain comes
first (the safety answer of knowledge.pain, where it hurts, whether a race is near, the place
kept and "get it assessed before running" first in the focus, never a treatment); an answer
fills only the question asked and those it clearly answers; numbers are read on the scale the
question states; every session's effort is kept; an opening long after the latest activity says
so once and dates its figures; a coach reads the check-in about the athlete by name.

Expected values come from the raw files (Bob's 908-run series) or from the runner's own words;
the safety text is knowledge.pain's, for the words the runner said."""

# ruff: noqa: F811 (the fixtures imported from test_checkin are taken as arguments)

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest

from agent.coach import Coach
from knowledge.pain import pain_answer
from storage.wellness import get_entry
from tests.test_checkin import TODAY, WEEK, runner, world  # noqa: F401 (its fixtures, shared)
from tests.worlds import World
from tools.checkin.answers import QUESTIONS, SCORED, read_message
from tools.checkin.tool import week_of

#: A treatment, which the check-in never suggests (the coach exams' rubric).
TREATMENT = re.compile(
    r"\bic(e|ing)\b|ibuprofen|naproxen|nsaid|paracetamol|acetaminophen|advil|aspirin|stretch"
    r"|foam[- ]?roll|\btap(e|ing)\b|kinesio|massage|compression sock|\brice\b|rest days?\b",
    re.I,
)
RACE_QUESTION = "Is a race coming up in the next weeks?"
WHERE_QUESTION = "Where does it hurt"
#: The day Bob's check-ins are done on: long after his series ends (its latest run is
#: 19 Oct 2025); each test of Bob's uses a week of its own.
LATE = date(2026, 12, 7)


def _treatment_free(*texts: str) -> None:
    for text in texts:
        assert not TREATMENT.search(text), TREATMENT.search(text)


def _outside_quotes(text: str) -> str:
    return re.sub(r"“[^”]*”", "", text)


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


@pytest.fixture
def bob_coach(world: World) -> Iterator[Callable[[date], Coach]]:
    """Coach G for Bob on a day long after his series; a check-in left open is stopped after."""
    coaches: list[Coach] = []

    def make(day: date) -> Coach:
        coaches.append(Coach(world.db, world.settings, today=day))
        return coaches[-1]

    yield make
    for coach in coaches:
        coach.turn(world.bob, "stop")


def _begin(coach: Coach, athlete, answers: tuple[str, ...]) -> None:
    coach.turn(athlete, "let's do my weekly check-in")
    for answer in answers:
        coach.turn(athlete, answer)


def test_pain_with_a_limp_gets_the_safety_answer_first_and_is_kept(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    _begin(coach, athlete, ("good", "fine", "calm", "great", "6"))
    said = "my left calf is sore and I'm limping"
    reply = coach.turn(athlete, said).text
    # safety first: knowledge.pain's answer to these very words, then whether a race is near
    assert reply.startswith(pain_answer(said).text)
    first = reply.split("\n", 1)[0]
    assert "left calf" in first and "limp" in first and "physio" in first
    assert "Warning signs" in reply
    assert reply.rstrip().endswith(RACE_QUESTION)
    assert WHERE_QUESTION not in reply  # the place was given
    raced = coach.turn(athlete, "yes, a 10k on the 26th").text
    assert raced.startswith(QUESTIONS["constraints"])
    done = coach.turn(athlete, "nothing").text

    assert "- Pain: left calf, limping (“my left calf is sore and I'm limping”)." in done
    focus = done.split("**Focus for next week**", 1)[1].strip().split("\n")
    assert focus[0].startswith("- Get it assessed before running")
    assert "left calf" in focus[0] and "race" in focus[0]
    _treatment_free(reply, raced, done)
    with world.db.session() as session:
        answers = get_entry(session, athlete, athlete.id, WEEK.isoformat()).answers
    assert answers["pain"]["place"] == "left calf" and answers["pain"]["limping"]
    assert answers["race"]["score"] == 1
    # the pain answer filled no other question: next week was asked, and said "nothing"
    assert answers["constraints"]["words"] == "none"


def test_pain_with_no_place_asks_where_then_gives_that_parts_signs(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    _begin(coach, athlete, ("good", "fine", "calm", "great", "6"))
    said = "it hurts when I push off"
    reply = coach.turn(athlete, said).text
    assert reply.startswith(pain_answer(said).text)
    assert reply.rstrip().endswith(QUESTIONS["pain_where"])
    shin = coach.turn(athlete, "my right shin").text
    # the shin's own warning signs (a bone stress injury), then the race question
    assert "bone stress injury" in shin and "right shin" in shin.split("\n", 1)[0]
    assert shin.rstrip().endswith(RACE_QUESTION)
    assert coach.turn(athlete, "no").text.startswith(QUESTIONS["constraints"])
    done = coach.turn(athlete, "nothing").text
    assert "- Pain: right shin (“it hurts when I push off”)." in done
    assert "- Race in the next weeks: no" in done
    focus = done.split("**Focus for next week**", 1)[1].strip()
    assert focus.startswith("- Get it assessed before running") and "right shin" in focus
    _treatment_free(reply, shin, done)


def test_pain_told_in_another_answer_comes_first_and_that_question_returns(
    world: World,
    runner,
) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    coach.turn(athlete, "let's do my weekly check-in")
    said = "slept badly, and my right knee hurts on the stairs"
    reply = coach.turn(athlete, said).text
    assert reply.startswith(pain_answer(said).text)
    assert "right knee" in reply.split("\n", 1)[0]
    assert reply.rstrip().endswith(RACE_QUESTION)
    assert coach.turn(athlete, "no race").text.startswith(QUESTIONS["soreness"])
    with world.db.session() as session:
        answers = get_entry(session, athlete, athlete.id, WEEK.isoformat()).answers
    assert answers["sleep"]["score"] == 5 and answers["sleep"]["words"] == "slept badly"
    assert answers["pain"]["place"] == "right knee"
    assert "constraints" not in answers and "stress" not in answers


def test_ordinary_soreness_gets_a_short_line_and_the_pain_question_still_comes(
    world: World,
    runner,
) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    _begin(coach, athlete, ("good",))
    reply = coach.turn(athlete, "legs a bit sore after the long run").text
    assert reply.rstrip().endswith(QUESTIONS["stress"])
    assert "Warning signs" not in reply and "physio" in reply
    assert len(reply.split("\n\n")) == 2  # one short line, then the next question
    asked = [coach.turn(athlete, a).text for a in ("calm", "great", "6")]
    assert asked[-1].startswith(QUESTIONS["pain"])
    _treatment_free(reply)


def test_an_answer_fills_only_its_question_and_those_it_clearly_answers(
    world: World,
    runner,
) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    coach.turn(athlete, "let's do my weekly check-in")
    asked = [coach.turn(athlete, "slept badly, mood 3/7").text]
    for answer in ("fine", "calm", "6", "my left calf is sore and I'm limping", "no"):
        asked.append(coach.turn(athlete, answer).text)
    # mood was answered with sleep, so it is never asked
    assert not any(QUESTIONS["mood"] in text for text in asked)
    assert asked[-1].startswith(QUESTIONS["constraints"])  # asked, not filled from the pain
    with world.db.session() as session:
        answers = get_entry(session, athlete, athlete.id, WEEK.isoformat()).answers
    assert answers["mood"] == {"score": 3.0, "words": "mood 3/7", "skipped": False}
    assert answers["sleep"]["words"] == "slept badly"
    assert answers["soreness"]["words"] == "fine"  # the pain answer did not overwrite it
    assert "constraints" not in answers


def test_an_answer_to_another_question_is_noted_and_the_question_asked_again(
    world: World, runner
) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    _begin(coach, athlete, ("good",))
    again = coach.turn(athlete, "mood fine, energy decent").text
    assert again == f"Noted, thanks. {QUESTIONS['soreness']}"
    with world.db.session() as session:
        answers = get_entry(session, athlete, athlete.id, WEEK.isoformat()).answers
    assert answers["mood"]["words"] == "mood fine, energy decent" and "soreness" not in answers


def test_maybe_a_4_for_mood_is_4_of_7(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    _begin(coach, athlete, ("good", "fine", "calm"))
    assert coach.turn(athlete, "maybe a 4").text.startswith(QUESTIONS["effort"])
    for answer in ("6", "none"):
        coach.turn(athlete, answer)
    done = coach.turn(athlete, "nothing")
    assert {f.name: f.value for f in done.results[0].facts}["mood"] == 4
    mood = next(line for line in done.text.split("\n") if line.startswith("- Mood:"))
    assert mood == "- Mood: so-so (“maybe a 4”)."


def test_each_sessions_effort_is_kept(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    _begin(coach, athlete, ("good", "fine", "calm", "great"))
    coach.turn(athlete, "intervals 8 and long run 6")
    coach.turn(athlete, "none")
    done = coach.turn(athlete, "nothing")
    facts = {f.name: f.value for f in done.results[0].facts}
    assert (facts["session_effort_1"], facts["session_effort_2"]) == (8, 6)
    assert "intervals 8 of 10" in done.text and "long run 6 of 10" in done.text
    with world.db.session() as session:
        effort = get_entry(session, athlete, athlete.id, WEEK.isoformat()).answers["effort"]
    assert [(s["name"], s["score"]) for s in effort["sessions"]] == [
        ("intervals", 8),
        ("long run", 6),
    ]


def test_an_opening_long_after_the_latest_activity_dates_its_figures(
    world: World,
    bob_coach,
) -> None:
    """Bob's series ends long before the check-in: his latest activity is said once, and the
    week's figures are those of the week to that day, each dated (from the raw series)."""
    days = [(date.fromisoformat(r["start_date_local"][:10]), r) for r in world.series]
    latest = max(day for day, _ in days)
    monday = latest - timedelta(days=latest.weekday())
    week = [float(r["distance"]) / 1000 for day, r in days if monday <= day <= latest]
    before = [
        float(r["distance"]) / 1000
        for day, r in days
        if monday - timedelta(weeks=4) <= day < monday
    ]
    assert (LATE - latest).days > 7  # the case at hand

    opening = bob_coach(LATE).turn(world.bob, "let's do my weekly check-in").text
    assert opening.count(f"latest activity is {_day(latest)}") == 1
    assert opening.count("latest activity") == 1
    assert (
        f"{sum(week):.1f} km in {len(week)} sessions, against {sum(before) / 4:.1f} km and "
        f"{len(before) / 4:.1f} sessions a week" in opening
    )
    assert f"{monday.day}–{_day(latest)}" in opening
    assert f"{max(week):.1f} km on " in opening
    load = next(line for line in opening.split("\n") if "fitness" in line)
    assert _day(latest) in load
    assert "0.0 km" not in opening
    assert opening.rstrip().endswith(QUESTIONS["sleep"])


def test_a_current_opening_says_nothing_of_a_latest_activity(world: World, runner) -> None:
    athlete, _ = runner
    opening = Coach(world.db, world.settings, today=TODAY).turn(athlete, "weekly check-in").text
    assert "latest activity" not in opening
    assert "Load today: fitness" in opening


def test_a_coach_reads_the_check_in_about_the_athlete_by_name(world: World, bob_coach) -> None:
    day = LATE + timedelta(weeks=1)
    bob = bob_coach(day)
    _begin(bob, world.bob, ("slept badly, mood 3/7", "fine", "calm", "intervals 8"))
    bob.turn(world.bob, "my left calf is sore and I'm limping")
    bob.turn(world.bob, "no")
    mine = bob.turn(world.bob, "away tue-thu").text
    assert "**What you told me**" in mine and "your left calf" in mine

    seen = Coach(world.db, world.settings, today=day).turn(
        world.cora, "how did Bob's weekly check-in go?"
    )
    assert f"week of {week_of(day).isoformat()}" in seen.text
    assert "**What Bob told me**" in seen.text and "Bob's left calf" in seen.text
    assert "Bob's latest activity is" in seen.text
    assert not re.search(r"\b(you|your)\b", _outside_quotes(seen.text), re.I)
    assert "away tue-thu" in seen.text


@pytest.mark.parametrize("item", [*SCORED, "effort"])
def test_a_number_is_read_on_the_scale_its_question_states(item: str) -> None:
    found = re.search(r"\b(\d+) \([^)]*\) to (\d+) \(", QUESTIONS[item])
    low, high = int(found[1]), int(found[2])
    for value in (low, (low + high) // 2, high):
        assert read_message(f"maybe a {value}", item)[item].score == value
    assert read_message(str(high + 1), item)[item].score is None
