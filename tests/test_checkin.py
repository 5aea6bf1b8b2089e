"""The weekly check-in as whole conversations, on a real history (the 1132 recorded Strava
activities): start to end, free answers, skip, resume, start again, a red flag in the middle,
and what a coach may see. Expected week numbers are computed here from the raw pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from agent.coach import Coach
from agent.replies import SEE_A_DOCTOR
from storage.users import create_user, link_coach
from storage.wellness import finished_entries, get_entry
from tests.worlds import World
from tools.checkin.answers import read_message
from tools.checkin.tool import week_of

TODAY = date(2025, 10, 8)  # a Wednesday of a week with runs in the recorded history
WEEK = week_of(TODAY)


@pytest.fixture
def world(history_world: World) -> World:
    return history_world


@pytest.fixture
def runner(world: World, request: pytest.FixtureRequest):
    """A fresh athlete with the last 120 days of Ann's recorded history (and a coach of
    theirs), per test."""
    from stravalib import model

    from storage.activities import add_activity
    from tests.conftest import SHARED_DATA
    from tests.worlds import recorded_activities
    from tools.strava.convert import summary_to_activity

    name = f"r{abs(hash(request.node.name)) % 10**8}"
    with world.db.session() as session:
        athlete = create_user(session, name, password="runner-pass-1")
        coach = create_user(session, f"c{name}", role="coach", password="coach-pass-1")
        link_coach(session, coach, athlete)
        for item in recorded_activities(SHARED_DATA):
            day = item["start_date_local"][:10]
            if (TODAY - timedelta(days=120)).isoformat() <= day <= TODAY.isoformat():
                new = summary_to_activity(model.SummaryActivity.model_validate(item))
                add_activity(session, athlete, athlete.id, new)
    return athlete, coach


def _week_km(world: World) -> float:
    return sum(
        i["distance"] / 1000
        for i in world.raw
        if i["sport_type"] in ("Run", "TrailRun", "Walk", "Hike")
        and WEEK.isoformat() <= i["start_date_local"][:10] <= TODAY.isoformat()
    )


def test_a_whole_check_in_from_numbers_to_focus(world: World, runner) -> None:
    athlete, coach_user = runner
    coach = Coach(world.db, world.settings, today=TODAY)

    opening = coach.turn(athlete, "let's do my weekly check-in").text
    assert f"{_week_km(world):.1f} km" in opening
    assert opening.rstrip().endswith(
        "How did you sleep this week? A word is fine, or 1 (very well) to 7 (very badly)."
    )
    # one free answer covers three questions; the next one asked is the first still open
    assert coach.turn(athlete, "slept badly, legs are fine, work was mad").text.startswith(
        "And your mood"
    )
    assert coach.turn(athlete, "hmm").text.startswith("I couldn't read a score")
    assert coach.turn(athlete, "skip").text.startswith("How hard did your key sessions feel")
    assert coach.turn(athlete, "the long run was hard, 8").text.startswith("Any pain")
    assert coach.turn(athlete, "none").text.startswith("Anything that limits next week")
    done = coach.turn(athlete, "away for work tue-thu")

    result = done.results[0]
    scores = {f.name: f.value for f in result.facts}
    assert scores["sleep"] == 5 and scores["soreness"] == 2 and scores["stress"] == 6
    assert "mood" not in scores and scores["session_effort"] == 8
    assert "Mood: skipped." in done.text and "away for work tue-thu" in done.text
    assert "Focus for next week" in done.text and "Hooper" in done.text
    with world.db.session() as session:
        entry = get_entry(session, athlete, athlete.id, WEEK.isoformat())
        assert entry.status == "done" and entry.answers["stress"]["words"] == "work was mad"

    # the athlete's coach sees the finished check-in; a coach of others does not
    seen = Coach(world.db, world.settings, today=TODAY).turn(
        coach_user, "how did the weekly check-in go?", athlete_id=athlete.id
    )
    assert "work was mad" in seen.text
    with world.db.session() as session:
        stranger = create_user(session, f"x{athlete.name}", role="coach", password="x-pass-123")
    refused = Coach(world.db, world.settings, today=TODAY).turn(
        stranger, "how did the weekly check-in go?", athlete_id=athlete.id
    )
    assert "work was mad" not in refused.text


def test_stop_and_come_back_later_the_same_day(world: World, runner) -> None:
    athlete, coach_user = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    coach.turn(athlete, "weekly check-in please")
    coach.turn(athlete, "4")
    assert coach.turn(athlete, "stop").text == "Okay, we'll stop here."
    # the coach sees nothing while it is unfinished
    unfinished = Coach(world.db, world.settings, today=TODAY).turn(
        coach_user, "how did the weekly check-in go?", athlete_id=athlete.id
    )
    assert "has not finished a weekly check-in" in unfinished.text

    later = Coach(world.db, world.settings, today=TODAY).turn(athlete, "let's do my check-in")
    assert later.text.startswith("Welcome back")
    assert later.text.rstrip().endswith(
        "How do your legs and body feel: fresh, or sore? 1 (fresh) to 7 (very sore)."
    )


def test_stop_then_a_request_answers_it_and_stop_for_later_pauses(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    coach.turn(athlete, "weekly check-in please")
    paused = coach.turn(athlete, "stop, i'll finish it later")
    assert "is paused" in paused.text and "back to it" in paused.text
    resumed = coach.turn(athlete, "back to it")
    assert "How do your legs and body feel" in resumed.text or "1 (" in resumed.text

    answered = coach.turn(athlete, "never mind that. how many runs did I do in October 2026?")
    assert [call.name for call in answered.tool_calls] == ["list_activities"]
    assert answered.tool_calls[0].args.get("since") == "2026-10-01"
    assert "stop here" not in answered.text


def test_a_coach_reporting_an_athletes_week_gets_it_back_with_next_weeks_ceiling(
    world: World, runner
) -> None:
    athlete, coach_user = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    reply = coach.turn(
        coach_user,
        "her check-in: 3 runs, 20k, longest 9k, no pain, sleep good. anything to change?",
        athlete_id=athlete.id,
    )
    name = athlete.display_name or athlete.name
    assert f"{name} reports 3 runs, 20 km, longest 9 km." in reply.text, reply.text
    assert "up to about 22.0 km" in reply.text and "up to about 9.9 km" in reply.text
    assert "Frandsen" in reply.text and "not stored" in reply.text
    with world.db.session() as session:  # the athlete's own check-in is theirs to do
        assert finished_entries(session, athlete, athlete.id) == []


def test_a_red_flag_answer_gets_see_a_doctor_and_the_check_in_waits(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    coach.turn(athlete, "let's do my weekly check-in")
    for answer in ("good", "fine", "calm", "great", "6"):
        coach.turn(athlete, answer)
    warned = coach.turn(athlete, "I had chest pain and felt dizzy on tuesday's run")
    assert warned.text.startswith(SEE_A_DOCTOR)  # and the question that waits, asked again
    assert "back to where we were: Any pain" in warned.text
    assert coach.turn(athlete, "none").text.startswith("Anything that limits next week")


def test_start_again_after_finishing(world: World, runner) -> None:
    athlete, _ = runner
    coach = Coach(world.db, world.settings, today=TODAY)
    coach.turn(athlete, "let's do my weekly check-in")
    for answer in ("good", "fine", "calm", "great", "6", "none", "nothing"):
        coach.turn(athlete, answer)
    again = coach.turn(athlete, "weekly check-in")
    assert again.text.startswith("You've done this week's check-in already")
    fresh = coach.turn(athlete, "start my check-in again")
    assert fresh.text.rstrip().endswith("(very badly).")
    with world.db.session() as session:
        assert get_entry(session, athlete, athlete.id, WEEK.isoformat()).answers == {}


def test_last_weeks_check_in_opens_this_weeks(world: World, runner) -> None:
    athlete, _ = runner
    earlier = Coach(world.db, world.settings, today=TODAY - timedelta(days=7))
    earlier.turn(athlete, "let's do my weekly check-in")
    for answer in ("terrible", "fine", "calm", "great", "6", "none", "nothing"):
        earlier.turn(athlete, answer)
    opening = Coach(world.db, world.settings, today=TODAY).turn(athlete, "weekly check-in")
    assert "Last check-in" in opening.text and "“terrible”" in opening.text


@pytest.mark.parametrize(
    ("message", "asked", "expected"),
    [
        # scores by hand: 1 very good ... 7 very bad
        ("slept badly, legs are fine, work was mad", "sleep",
         {"sleep": 5, "soreness": 2, "stress": 6}),
        ("4", "sleep", {"sleep": 4}),
        ("8/10", "sleep", {"sleep": 2}),  # out of 10, sleep is a quality: 8/10 is good
        ("8/10", "stress", {"stress": 6}),  # ... and stress a load: 8/10 is a lot
        ("not bad", "mood", {"mood": 3}),
        ("really sore calves", "soreness", {"soreness": 6}),
        ("tired legs and low motivation", None, {"soreness": 5, "mood": 5}),
        ("easy", "effort", {"effort": 3}),
        ("none", "pain", {"pain": 0}),
        # a number on the scale the question states (mood: 1 great ... 7 very low)
        ("maybe a 4", "mood", {"mood": 4}),
        ("8", "sleep", {"sleep": None}),  # no score of 7: asked again
        ("slept 6-7h, ok", "sleep", {"sleep": 4}),  # hours are no score
        ("slept well, 6/7", "sleep", {"sleep": 2}),  # 6/7 meant as good, as the words say
        ("slept fine, work stress low", "sleep", {"sleep": 2, "stress": 2}),
        # only the question asked, and those answered clearly in the same message
        ("slept badly, mood 3/7", "sleep", {"sleep": 5, "mood": 3}),
        ("mood 3/7", "sleep", {"mood": 3}),
        ("pain went away, all good", "sleep", {"sleep": 2, "pain": 0}),
        ("no soreness, and all my sessions felt easy, like 4/10", "soreness",
         {"soreness": 2, "effort": 4}),
        ("my left calf is sore and I'm limping", "constraints", {"soreness": 5, "pain": 1}),
        ("the long run was hard, 8", "effort", {"effort": 8}),
        ("intervals 8 and long run 6", "effort", {"effort": 8}),  # each kept; see sessions
    ],
)  # fmt: skip
def test_free_answers_are_read_as_a_person_would(
    message: str, asked: str | None, expected: dict[str, float]
) -> None:
    found = read_message(message, asked)
    assert {k: v.score for k, v in found.items()} == expected


def test_a_check_in_that_opens_with_the_week_told_says_it_back(world: World, runner) -> None:
    """ "weekly check in: 3 runs, 5k 6k 8k all easy, motivation 6/10" starts the check-in (not a
    listing of 6 October), says the told week back beside the stored one, and does not ask
    again what the message answered; with nothing stored lately, the focus builds from it."""
    athlete, _ = runner
    later = TODAY + timedelta(days=200)  # long after the stored runs
    coach = Coach(world.db, world.settings, today=later)
    reply = coach.turn(athlete, "weekly check in: 3 runs, 5k 6k 8k all easy, motivation 6/10")
    assert reply.pending is None and "You report 3 runs, 19 km (5, 6 and 8 km), all easy" in (
        reply.text
    )
    assert "Taken from your message: mood (“motivation 6/10”)" in reply.text
    assert "How did you sleep" in reply.text and "your mood" not in reply.text.lower()
    for answer in ("ok", "fine", "low", "6", "none", "no race", "nothing"):
        done = coach.turn(athlete, answer)
        if done.results:
            break
    assert "Build from the week you told me about (3 runs, 19 km" in done.text
