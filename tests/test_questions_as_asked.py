"""Questions read as a coach would read them, through the real agent on the shared real history
(Ann: the 1132 recorded Strava activities, ending 19 Oct 2025; Cora, her coach), asked on 7 Dec
2026: a dated listing named and totalled first, years set side by side, a record found by the
reading that finds it, a should-question about a write answered as advice, a correction, a
return after a break, and a check-in's sore spot. Expected figures are computed here from the
recorded pages, not by the code tested.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from agent.coach import Coach
from agent.dates import parse_dates
from storage.models import StrengthSet, WellnessEntry
from tests.worlds import World
from tools.checkin.answers import read_message

TODAY = date(2026, 12, 7)
RUNNING = ("Run", "TrailRun")
SKIING = ("AlpineSki", "BackcountrySki", "NordicSki")


def _runs(world: World) -> list[dict]:
    return [a for a in world.raw if a.get("sport_type") in RUNNING and a["distance"] > 0]


def _day(activity: dict) -> date:
    return date.fromisoformat(activity["start_date_local"][:10])


def _words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def test_a_dated_listing_leads_with_its_period_by_name_and_its_totals(
    history_world: World, history_coach: Coach
) -> None:
    september = [a for a in _runs(history_world) if _day(a).strftime("%Y-%m") == "2025-09"]
    km = sum(a["distance"] for a in september) / 1000
    reply = history_coach.turn(history_world.ann, "how far did I run in september 2025?")
    first = next(line for line in reply.text.splitlines() if line.strip())
    assert first.startswith(f"**September 2025**: {len(september)} runs, {km:.2f} km, "), first


def test_yearly_volume_from_one_year_to_another_is_each_years_running(
    history_world: World, history_coach: Coach
) -> None:
    by_year: dict[int, float] = defaultdict(float)
    for activity in _runs(history_world):
        by_year[_day(activity).year] += activity["distance"] / 1000
    latest = max(_day(a) for a in _runs(history_world))
    first_rate = by_year[2023] / 365 * 7
    last_rate = by_year[2025] / ((latest - date(2025, 1, 1)).days + 1) * 7
    way = (
        "Up"
        if last_rate >= 1.1 * first_rate
        else "Down"
        if last_rate <= 0.9 * first_rate
        else ("About level")
    )
    reply = history_coach.turn(history_world.ann, "how did my yearly volume go from 2023 to 2025?")
    first = reply.text.splitlines()[0]
    assert first.startswith(f"{way} from 2023 to 2025: your running was "), first
    for year in (2023, 2024, 2025):
        assert f"{by_year[year]:.1f} km in {year}" in first, first
    assert f"to {_words(latest)}: {last_rate:.1f} km a week" in first


def test_a_year_against_a_year_counts_runs_and_keeps_the_table_a_step_away(
    history_world: World, history_coach: Coach
) -> None:
    km = defaultdict(float)
    for activity in _runs(history_world):
        km[_day(activity).year] += activity["distance"] / 1000
    reply = history_coach.turn(history_world.ann, "was 2024 a better year than 2023 for me?")
    assert reply.text.startswith(
        f"2024 was the bigger year: {km[2024]:.1f} km of running in 2024"
    ), reply.text
    assert f"against {km[2023]:.1f} km in 2023" in reply.text
    assert "| Running km |" not in reply.text and "show me the numbers" in reply.text


def test_skiing_is_a_sport_and_strava_questions_read_the_stored_activities(
    history_world: World, history_coach: Coach
) -> None:
    days = sum(a.get("sport_type") in SKIING for a in history_world.raw)
    reply = history_coach.turn(
        history_world.ann, "how many times have I gone skiing according to strava"
    )
    assert [c.name for c in reply.tool_calls] == ["list_activities"]
    assert reply.tool_calls[0].args.get("sport") == "ski"
    assert f"Count: {days} ski days" in reply.text


def test_a_coach_asking_whether_to_add_a_strength_day_gets_advice_not_a_log(
    history_world: World, history_coach: Coach
) -> None:
    def sets() -> int:
        with history_world.db.session() as session:
            return session.scalar(select(func.count()).select_from(StrengthSet)) or 0

    before = sets()
    reply = history_coach.turn(history_world.cora, "Should Ann add a third strength day?")
    assert [c.name for c in reply.tool_calls] == ["strength_history"], reply.text
    assert "Nothing was logged" not in reply.text and sets() == before


def test_thanks_after_a_roster_comparison_is_only_thanks(
    history_world: World, history_coach: Coach
) -> None:
    history_coach.turn(history_world.cora, "compare all my athletes' last 4 weeks")
    reply = history_coach.turn(history_world.cora, "thanks!")
    assert reply.tool_calls == [] and reply.text.startswith("You're welcome")


def test_a_correction_changes_the_year_and_top_3_keeps_it(
    history_world: World, history_coach: Coach
) -> None:
    in_2024 = sorted(
        (a for a in _runs(history_world) if _day(a).year == 2024), key=lambda a: -a["distance"]
    )
    history_coach.turn(history_world.ann, "longest run in 2025")
    reply = history_coach.turn(history_world.ann, "no, I meant 2024")
    assert f"Your longest run in 2024 was {in_2024[0]['distance'] / 1000:.2f} km" in reply.text
    top = history_coach.turn(history_world.ann, "top 3")
    ranked = [line for line in top.text.splitlines() if line[:3] in ("1. ", "2. ", "3. ")]
    assert len(ranked) == 3 and all(line[3:7] == "2024" for line in ranked), top.text


def test_a_record_asked_about_an_athlete_is_looked_up_as_a_record(
    history_world: World, history_coach: Coach
) -> None:
    reply = history_coach.turn(history_world.cora, "her longest run this year")
    reply = history_coach.turn(history_world.cora, "Ann's longest run in 2024")
    assert [c.name for c in reply.tool_calls] == ["list_activities"]
    assert reply.tool_calls[0].args.get("order") == "longest"


def test_getting_back_into_running_names_the_old_usual_pace_and_says_slower(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    latest = max(_day(a) for a in runs)
    recent = [a for a in runs if _day(a) > latest - timedelta(weeks=8) and a["moving_time"]]
    pace = statistics.median(a["moving_time"] / (a["distance"] / 1000) for a in recent)
    seconds = round(pace)
    reply = history_coach.turn(
        history_world.ann, "i want to get back into running. should i start with my old easy pace?"
    )
    assert [c.name for c in reply.tool_calls] == ["coach_overview"]
    assert reply.text.startswith("Build back gradually"), reply.text
    assert f"usual pace then was {seconds // 60}:{seconds % 60:02d} /km" in reply.text
    assert "slower than that usual pace" in reply.text


def test_a_run_put_forward_then_ok_is_judged_against_the_month_before(
    history_world: World, history_coach: Coach
) -> None:
    reply = history_coach.turn(history_world.ann, "a 30k long run on sunday, ok?")
    assert reply.text.startswith("No, not yet: 30.0 km"), reply.text


def test_a_run_named_by_distance_a_day_off_is_the_one_judged(
    history_world: World, history_coach: Coach
) -> None:
    near = [a for a in _runs(history_world) if abs((_day(a) - date(2025, 10, 5)).days) <= 2]
    judged = min(near, key=lambda a: abs(a["distance"] / 1000 - 32))
    reply = history_coach.turn(history_world.ann, "was the 32k on 5 october too much?")
    assert f"the {judged['distance'] / 1000:.1f} km run on {_words(_day(judged))}" in reply.text


def test_a_checkin_keeps_a_sore_spot_in_its_focus(
    history_world: World, history_coach: Coach
) -> None:
    with history_world.db.session() as session:  # this week's check-in, not one done before
        session.execute(delete(WellnessEntry).where(WellnessEntry.user_id == history_world.ann.id))
    reply = history_coach.turn(
        history_world.ann,
        "weekly checkin: did 2 runs, both felt great, sleep fine, some calf tightness tho",
    )
    for _ in range(8):
        if "Focus for next week" in reply.text:
            break
        asked = reply.text.splitlines()[-1].lower()
        answer = "none" if "pain" in asked else "no" if "next week" in asked else "3"
        reply = history_coach.turn(history_world.ann, answer)
    focus = reply.text.split("**Focus for next week**", 1)[1]
    assert "Keep an eye on your calf" in focus and "get it assessed" in focus, focus


@pytest.mark.parametrize(
    ("text", "since", "until"),
    [
        ("how did it trend from late August to mid October 2025?", "2025-08-21", "2025-10-21"),
        ("was my 30k on sunday 5 october 2025 ok?", "2025-10-05", "2025-10-06"),
        ("my runs in mid october 2025", "2025-10-01", "2025-11-01"),
        ("since early may 2026", "2026-05-01", None),
    ],
)
def test_days_said_as_people_say_them(text: str, since: str, until: str | None) -> None:
    dates = parse_dates(text, TODAY)
    assert dates is not None
    assert dates.since.isoformat() == since
    assert (dates.until.isoformat() if dates.until else None) == until


def test_hours_of_sleep_and_tightness_are_read() -> None:
    found = read_message("legs a bit heavy, sleeping ~6h a night, some calf tightness", None)
    assert found["sleep"].score == 4.0 and found["soreness"].score == 3.0
    assert read_message("slept 8 hours", "sleep")["sleep"].score == 2.0


def test_asked_whether_it_was_safe_the_verdict_reads_the_other_way(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    run = max((a for a in runs if _day(a) == date(2025, 8, 24)), key=lambda a: a["distance"])
    before = [a["distance"] for a in runs if date(2025, 7, 25) <= _day(a) < date(2025, 8, 24)]
    longer = run["distance"] > 1.1 * max(before)
    safe = history_coach.turn(history_world.cora, "was Ann's 22.6k on aug 24 2025 a safe step up?")
    too = history_coach.turn(history_world.cora, "was Ann's 22.6k on aug 24 2025 too much?")
    first = [r.text.splitlines()[1] for r in (safe, too)]  # after the athlete's name
    assert first[0].startswith("No," if longer else "Yes,"), first
    assert first[1].startswith("Yes," if longer else "No,"), first
    assert first[0][3:] == first[1][4:] or first[0][4:] == first[1][3:]  # the same verdict


def test_a_verdict_no_finding_gives_is_said_with_what_leads_not_a_list(
    history_world: World, history_coach: Coach
) -> None:
    august = [a for a in history_world.raw if _day(a).strftime("%Y-%m") == "2025-08"]
    km = sum(a["distance"] for a in august) / 1000
    reply = history_coach.turn(
        history_world.ann, "was august 2025 enough training to get ready for a fall marathon?"
    )
    lines = [line for line in reply.text.splitlines() if line.strip()]
    assert lines[0].startswith("I can't give a verdict on that"), reply.text
    assert (
        lines[1]
        == f"**August 2025**: {len(august)} activities, {km:.2f} km, " + lines[1].split(" km, ")[1]
    )
    assert not any(line.startswith(("- ", "Yes,", "No,")) for line in lines), reply.text

    reply = history_coach.turn(history_world.ann, "is my 10k time good?")
    assert [c.name for c in reply.tool_calls] == ["list_activities"]
    assert reply.tool_calls[0].args.get("order") == "fastest"
    assert reply.text.startswith("I can't give a verdict on that")
    assert "Your fastest 10K was " in reply.text and "spike" not in reply.text


def test_a_notes_short_answer_leads_only_a_question_about_its_topic(
    history_world: World, history_coach: Coach
) -> None:
    swim = history_coach.turn(
        history_world.ann, "should i stop swimming so i can focus on running?"
    )
    assert swim.text.startswith("Not necessarily"), swim.text  # the cross-training note's answer
    days = history_coach.turn(history_world.ann, "is it a good idea to run 6 days a week?")
    assert not days.text.startswith(("Probably", "Possibly", "Yes", "No")), days.text


def test_mild_pain_in_a_joint_is_met_safety_first(
    history_world: World, history_coach: Coach
) -> None:
    reply = history_coach.turn(
        history_world.ann,
        "hip hurts a bit when i run, nothing major. should i just stretch it out?",
    )
    assert reply.tool_calls == [] and reply.text.startswith("Stop running on your hip")
    assert "stretch" not in reply.text.lower()  # never a treatment
    sore = history_coach.turn(history_world.ann, "quads a bit sore after the long run, ok to run?")
    assert not sore.text.startswith("Stop running")
