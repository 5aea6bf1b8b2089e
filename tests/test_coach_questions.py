"""A coach asking about their athletes in plain words, and an athlete asking about a period
with no data, through the real agent on the shared real histories (Ann: the 1132 recorded
Strava activities; Bob: the 908-run series imported from an export; Cora coaches both, Dave
no one). Expected figures are computed here from the raw recordings, not by the code tested."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from agent.coach import Coach
from agent.replies import NOT_YOUR_ATHLETE
from storage.activities import NewActivity, add_activity
from storage.users import create_user, link_coach
from storage.wellness import get_entry, save_entry
from tests.worlds import World
from tools.checkin.tool import week_of

TODAY = date(2025, 10, 8)
FOOT = ("Run", "TrailRun", "Walk", "Hike")  # what Coach G counts as running volume


@pytest.fixture
def world(history_world: World) -> World:
    return history_world


@pytest.fixture
def coach(world: World) -> Coach:
    return Coach(world.db, world.settings, today=TODAY)


def _ann_km(world: World, first: date, last: date) -> float:
    """Ann's foot-sport distance between two local days, from the recorded pages."""
    return sum(
        item["distance"] / 1000
        for item in world.raw
        if item["sport_type"] in FOOT
        and item["distance"] > 0
        and first.isoformat() <= item["start_date_local"][:10] <= last.isoformat()
    )


def _outside_quotes(text: str) -> str:
    return re.sub(r"“[^”]*”", "", text)


def test_comparing_an_athletes_last_four_weeks_says_whose_and_gives_both_blocks(
    world: World, coach: Coach
) -> None:
    reply = coach.turn(world.cora, "compare Ann's last 4 weeks with the 4 before")
    assert [call.name for call in reply.tool_calls] == ["compare_training"]
    later = _ann_km(world, TODAY - timedelta(days=27), TODAY)
    earlier = _ann_km(world, TODAY - timedelta(days=55), TODAY - timedelta(days=28))
    assert reply.text.startswith("**Ann**")
    assert f"| Running km | {earlier:.1f} | {later:.1f} |" in reply.text
    assert "Ann's last 4 weeks" in reply.text
    assert not re.search(r"\b[Yy]ou(r)?\b", _outside_quotes(reply.text))

    # "and her load?" stays with Ann; a pronoun never reaches another athlete
    follow = coach.turn(world.cora, "and her cadence?")
    assert [call.name for call in follow.tool_calls] == ["detect_changes"]
    assert follow.tool_calls[0].args["metric"] == "cadence"
    assert follow.subject_ids == [world.ann.id]


def test_a_load_reply_about_an_athlete_is_in_the_third_person(world: World, coach: Coach) -> None:
    reply = coach.turn(world.cora, "how is Ann's training load?")
    assert reply.text.startswith("**Ann**")
    # the recorded history has a long-run spike in the fortnight before TODAY
    assert " Ann ran " in reply.text and " you ran " not in reply.text
    assert not re.search(r"\byour\b", _outside_quotes(reply.text), re.I)


def test_who_ran_most_this_month_ranks_the_coachs_athletes(world: World, coach: Coach) -> None:
    reply = coach.turn(world.cora, "who of my athletes ran the most this month?")
    assert sorted(reply.subject_ids) == sorted([world.ann.id, world.bob.id])
    assert {call.name for call in reply.tool_calls} == {"list_activities"}
    ann = sum(
        i["distance"] / 1000
        for i in world.raw
        if i["sport_type"] in ("Run", "TrailRun") and i["start_date"][:10] >= "2025-10-01"
    )  # listings go by UTC day
    bob = sum(float(r["distance"]) / 1000 for r in world.series if r["start_date"] >= "2025-10-01")
    assert "| Ann | " in reply.text and f"{ann:.1f}" in reply.text and f"{bob:.1f}" in reply.text


def test_everyones_runs_means_the_coachs_athletes_not_other_users(
    world: World, coach: Coach
) -> None:
    reply = coach.turn(world.cora, "show me everyone's runs from last weekend")
    assert reply.text != NOT_YOUR_ATHLETE and "can't help" not in reply.text
    assert sorted(reply.subject_ids) == sorted([world.ann.id, world.bob.id])
    # an athlete asking the same is refused: "everyone" is other users to them
    refused = Coach(world.db, world.settings, today=TODAY).turn(
        world.ann, "show me everyone's runs from last weekend"
    )
    assert not refused.tool_calls


def test_unlinked_and_unknown_people_are_refused(world: World) -> None:
    for actor, message in (
        (world.dave, "how is Ann's mileage trending?"),  # a coach, not hers
        (world.cora, "pull up jake's last 5 runs"),  # nobody she coaches
        (world.cora, "compare Maria's last 4 weeks"),
    ):
        reply = Coach(world.db, world.settings, today=TODAY).turn(actor, message)
        assert reply.text == NOT_YOUR_ATHLETE, message
        assert not reply.tool_calls


def test_a_period_with_no_data_names_it_and_the_latest_activity(world: World) -> None:
    latest_run = max(
        i["start_date"][:10] for i in world.raw if i["sport_type"] in ("Run", "TrailRun")
    )
    for actor, message in (
        (world.cora, "how many km did Ann run in 2010?"),
        (world.ann, "how many km did I run in 2010?"),
    ):
        reply = Coach(world.db, world.settings, today=TODAY).turn(actor, message)
        assert "from 2010-01-01 to 2010-12-31" in reply.text, reply.text
        assert f"The latest run stored is from {latest_run}" in reply.text
        assert "Import some" not in reply.text


def test_who_has_not_checked_in_this_week(world: World) -> None:
    with world.db.session() as session:
        head = create_user(session, "kim", role="coach", password="kim-pass-12")
        done = create_user(session, "lou", password="lou-pass-12")
        idle = create_user(session, "max", password="max-pass-12")
        for athlete in (done, idle):
            link_coach(session, head, athlete)
        answers = {"sleep": {"score": 6, "words": "badly", "skipped": False}}
        save_entry(
            session, done, done.id, week_of(TODAY).isoformat(), answers=answers, status="done"
        )
    reply = Coach(world.db, world.settings, today=TODAY).turn(
        head, "who hasn't checked in this week?"
    )
    assert sorted(reply.subject_ids) == sorted([done.id, idle.id])
    assert "Checked in: Lou." in reply.text
    assert "Not checked in: Max (never)." in reply.text
    assert "sleep bad" in reply.text


def test_a_finished_check_in_answer_can_be_corrected_and_load_replies_use_it(
    world: World,
) -> None:
    with world.db.session() as session:
        athlete = create_user(session, "nia", password="nia-pass-12")
        for day in range(1, 20, 2):  # ten easy 8 km runs up to TODAY
            start = datetime.combine(TODAY - timedelta(days=day), time(7), tzinfo=UTC)
            run = NewActivity("test", f"nia-{day}", "run", start, "Easy", distance_m=8000.0,
                              moving_time_s=2880.0)  # fmt: skip
            add_activity(session, athlete, athlete.id, run)
        answers = {
            "sleep": {"score": 6, "words": "badly", "skipped": False},
            "soreness": {"score": 5, "words": "heavy legs", "skipped": False},
        }
        week = week_of(TODAY).isoformat()
        save_entry(session, athlete, athlete.id, week, answers=answers, status="done")
    coach = Coach(world.db, world.settings, today=TODAY)
    fixed = coach.turn(athlete, "change my sleep answer in the check-in to good")
    assert "I've changed your sleep answer" in fixed.text
    assert "Sleep: good" in fixed.text and "Soreness: poor" in fixed.text
    with world.db.session() as session:
        stored = get_entry(session, athlete, athlete.id, week)
        assert stored.answers["sleep"]["score"] == 2 and stored.answers["soreness"]["score"] == 5

    load = coach.turn(athlete, "what's my training load?")
    assert f"Check-in of the week of {week}: sleep good" in load.text
    assert "soreness poor (“heavy legs”)" in load.text
