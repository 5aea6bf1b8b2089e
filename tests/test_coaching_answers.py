"""Coach G answers the question it was asked: the verdict first, from facts by name; pain
safety first; what to work on; and a conversation that never traps. Through the real agent on
the shared real history (Ann: the 1132 recorded Strava activities, ending 19 Oct 2025), asked on
7 Dec 2026. Expected figures are computed here from the recorded pages, not by the code tested.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

from agent.coach import Coach
from agent.conversation import NOTHING_WAITING
from agent.replies import SEE_A_DOCTOR, SEE_A_DOCTOR_TODAY
from storage.conversation import clear_state, states_of
from tests.worlds import World

TODAY = date(2026, 12, 7)
RUNNING = ("Run", "TrailRun")
TREATMENTS = re.compile(r"\b(ice|icing|ibuprofen|stretch\w*|massage|foam roll\w*|tape|taping)\b")


def _words(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _runs(world: World) -> list[tuple[date, float]]:
    return [
        (date.fromisoformat(item["start_date_local"][:10]), item["distance"] / 1000)
        for item in world.raw
        if item.get("sport_type") in RUNNING and item["distance"] > 0
    ]


def test_am_i_overtraining_long_after_the_data_says_not_now_then_the_jump(
    history_world: World, history_coach: Coach
) -> None:
    weeks: dict[date, float] = defaultdict(float)
    for day, km in _runs(history_world):
        weeks[day - timedelta(days=day.weekday())] += km
    latest = max(day for day, _ in _runs(history_world))
    recent = sorted(w for w in weeks if w > latest - timedelta(weeks=8))
    rises = [(weeks[w] / weeks[w - timedelta(weeks=1)], w) for w in recent if weeks.get(
        w - timedelta(weeks=1))]  # fmt: skip
    _, jump = max(rises)
    before, after = weeks[jump - timedelta(weeks=1)], weeks[jump]

    reply = history_coach.turn(history_world.ann, "am I overtraining?")
    first = reply.text.splitlines()[0]
    # asked 414 days after the last run: not now; the jump of that time follows, dated
    assert first.startswith(f"No, not now: your latest session is {_words(latest)}"), first
    assert f"{(TODAY - latest).days} days ago" in first
    assert (
        f"That was a big jump: your weekly running went from {before:.1f} km to {after:.1f} km "
        f"in the week of {_words(jump)}"
    ) in reply.text
    assert "**What to do:**" in reply.text and "**How sure:**" in reply.text
    assert "Frandsen" in reply.text and "Nielsen" in reply.text
    # the figures are one step away
    numbers = history_coach.turn(history_world.ann, "show me the numbers")
    assert [c.name for c in numbers.tool_calls] == ["training_load"]
    assert "Fitness:" in numbers.text and "Monotony" in numbers.text


def test_is_my_long_run_too_long_judges_the_latest_long_run(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    latest = max(day for day, _ in runs)
    day, km = max(((d, k) for d, k in runs if d > latest - timedelta(days=14)), key=lambda r: r[1])
    month = max(k for d, k in runs if day - timedelta(days=30) <= d < day)
    change = round(abs(km / month - 1) * 100)
    reply = history_coach.turn(history_world.ann, "is my long run too long?")
    first = reply.text.splitlines()[0]
    verdict = "Yes" if km > 1.1 * month else "No"
    assert first.startswith(f"{verdict}, your latest long run")
    assert f"{km:.1f} km on {_words(day)}" in first and f"{month:.1f} km" in first
    assert f"{change} %" in first


def test_a_pain_question_gets_safety_first_and_no_treatment(
    history_world: World, history_coach: Coach
) -> None:
    reply = history_coach.turn(history_world.ann, "should I run through shin pain?")
    assert reply.tool_calls == []
    assert reply.text.startswith("No. Stop running on your shin and get it assessed")
    assert "physiotherapist" in reply.text and "one spot on the bone" in reply.text
    assert "Warden SJ" in reply.text  # its source
    assert not TREATMENTS.search(reply.text)
    # a coach reads it about the athlete; a limp always means stop
    coach_reply = history_coach.turn(
        history_world.cora, "Ann's left calf is sore and she is limping"
    )
    assert coach_reply.text.startswith("Stop running on Ann's left calf")
    assert "Ann is limping" in coach_reply.text and not TREATMENTS.search(coach_reply.text)


def test_a_swollen_hot_calf_is_a_doctor_today(history_world: World, history_coach: Coach) -> None:
    reply = history_coach.turn(
        history_world.ann, "my calf is swollen and hot since the flight, can I run?"
    )
    assert reply.text == SEE_A_DOCTOR_TODAY and reply.tool_calls == []


def test_what_should_i_work_on_gives_focus_points_with_reasons(
    history_world: World, history_coach: Coach
) -> None:
    latest = max(day for day, _ in _runs(history_world))
    reply = history_coach.turn(history_world.ann, "what should I work on?")
    assert [c.name for c in reply.tool_calls] == ["coach_overview"]
    first = reply.text.splitlines()[0]
    assert first.startswith(f"Build back gradually: your latest run is {_words(latest)}")
    assert f"{(TODAY - latest).days} days ago" in first
    assert re.search(r"^2\. Build up more gradually", reply.text, re.M)  # the next focus
    assert "Sources:" in reply.text and "You can ask me to" not in reply.text


def test_a_question_mid_check_in_pauses_it_and_back_to_it_resumes(
    history_world: World, history_coach: Coach
) -> None:
    ann = history_world.ann
    history_coach.turn(ann, "let's do my weekly check-in again")
    asked = history_coach.turn(ann, "slept well")
    question = asked.text.splitlines()[-1]
    aside = history_coach.turn(ann, "what was my longest run in 2025?")
    assert [c.name for c in aside.tool_calls] == ["list_activities"]
    assert "check-in is paused" in aside.text
    assert not history_coach.turn(ann, "thanks").tool_calls  # a paused check-in does not reopen
    back = history_coach.turn(ann, "back to it")
    assert back.text == f"Back to it. {question}"


def test_a_write_waiting_for_yes_is_set_aside_when_the_talk_moves_on_and_a_yes_saves_it(
    history_world: World, history_coach: Coach
) -> None:
    from storage.models import StrengthSession, StrengthSet

    def stored_sets() -> int:  # read from the tables
        with history_world.db.session() as session:
            return (
                session.query(StrengthSet)
                .join(StrengthSession, StrengthSet.session_id == StrengthSession.id)
                .filter(StrengthSession.user_id == ann.id)
                .count()
            )

    ann = history_world.ann
    before = stored_sets()
    asked = history_coach.turn(ann, "log 3x8 squats at 60 kg")
    assert asked.pending is not None and asked.pending.name == "log_strength"
    moved = history_coach.turn(ann, "what's my training load like?")
    assert [c.name for c in moved.tool_calls] == ["training_load"]
    assert "I haven't done this yet: log a strength session. Say “yes”" in moved.text
    other = history_coach.turn(ann, "what was my longest run in 2024?")  # not captured by the write
    assert [c.name for c in other.tool_calls] == ["list_activities"]
    saved = history_coach.turn(ann, "ok yes save the squats")
    assert saved.text.startswith("Logged"), saved.text
    assert stored_sets() == before + 3
    late = history_coach.turn(ann, "yes")
    assert late.text == NOTHING_WAITING and late.tool_calls == []


def test_a_follow_up_says_what_it_kept_and_the_last_few_drop_old_dates(
    history_world: World, history_coach: Coach
) -> None:
    ann = history_world.ann
    history_coach.turn(ann, "show me my runs in September 2025")
    rides = history_coach.turn(ann, "and rides?")
    assert rides.tool_calls[0].args == {
        "since": "2025-09-01", "until": "2025-09-30", "sport": "ride"
    }  # fmt: skip
    assert "Kept from your last question: 1 Sep 2025 to 30 Sep 2025" in rides.text
    last = history_coach.turn(ann, "just the last 3")
    assert last.tool_calls[0].args == {"sport": "ride", "limit": 3}


def test_a_verdict_a_tool_cannot_give_is_said_not_hidden(history_world: World) -> None:
    from agent.composer import compose
    from tools.activities import list_activities

    ctx = history_world.ctx(history_world.ann)
    listing = list_activities(ctx, sport="run", limit=5)  # no day or week asked: nothing to judge
    assert compose(listing, "judgement").startswith("I can't give a verdict on that")
    assert not compose(listing, "listing").startswith("I can't")  # a listing is what it gives


def _week_km(runs: list[tuple[date, float]], monday: date) -> float:
    return sum(km for day, km in runs if monday <= day < monday + timedelta(days=7))


def test_a_run_on_a_named_day_is_judged_against_its_month_and_its_week(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    day = date(2025, 6, 14)
    km = max(k for d, k in runs if d == day)
    before = max(k for d, k in runs if day - timedelta(days=30) <= d < day)
    monday = day - timedelta(days=day.weekday())
    week = _week_km(runs, monday)

    reply = history_coach.turn(history_world.ann, "was the 29k on june 14 too long for that week?")
    first = reply.text.splitlines()[0]
    verdict = "Yes" if km > 1.1 * before else "No"
    assert first.startswith(f"{verdict}, "), first
    assert f"{km:.1f} km run on {_words(day)}" in first and f"({before:.1f} km)" in first
    assert f"{round(100 * (km / before - 1))} %" in first
    assert f"{round(100 * km / week)} % of its week ({week:.1f} km" in reply.text
    assert "Frandsen" in reply.text and not re.match(r"^- 20\d\d-", reply.text)


def test_a_week_named_is_judged_against_the_four_before(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    september = [m for m in (date(2025, 9, 1) + timedelta(days=7 * i) for i in range(5))]

    def growth(monday: date) -> float:
        return (
            _week_km(runs, monday)
            - sum(_week_km(runs, monday - timedelta(days=7 * i)) for i in range(1, 5)) / 4
        )

    jump = max((m for m in september if m.month == 9 and m.day <= 10), key=growth)
    average = sum(_week_km(runs, jump - timedelta(days=7 * i)) for i in range(1, 5)) / 4
    week = _week_km(runs, jump)

    reply = history_coach.turn(
        history_world.ann, "was going from 25k to 72k a week in early sept 2025 a dumb idea?"
    )
    first = reply.text.splitlines()[0]
    assert first.startswith("Yes, that was a big jump"), first
    assert f"{week:.1f} km in the week of {_words(jump)}" in first
    assert f"average of {average:.1f} km a week over the 4 weeks before" in first
    assert f"+{round(100 * (week / average - 1))} %" in first


def test_a_day_named_after_the_data_ends_is_that_day_a_year_back_and_that_week_follows(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    latest = max(d for d, _ in runs)
    august = sum(k for d, k in runs if d.year == latest.year and d.month == 8)

    reply = history_coach.turn(history_world.ann, "how far did i run in august?")
    assert f"so here is from 1 Aug to 31 Aug {latest.year}" in reply.text
    assert f"**August {latest.year}**: " in reply.text and f"{august:.2f} km" in reply.text

    weeks = {d - timedelta(days=d.weekday()) for d, _ in runs}
    biggest = max(weeks, key=lambda m: _week_km(runs, m))
    history_coach.turn(history_world.ann, "biggest week i've ever done?")
    that_week = history_coach.turn(history_world.ann, "how long was the long run that week?")
    args = that_week.tool_calls[0].args
    sunday = biggest + timedelta(days=6)
    assert (args["since"], args["until"]) == (biggest.isoformat(), sunday.isoformat())
    longest = max(k for d, k in runs if biggest <= d <= sunday)
    assert f"{longest:.2f} km" in that_week.text


def test_a_coachs_he_and_she_keep_meaning_the_athlete_they_meant(
    history_world: World, history_coach: Coach
) -> None:
    world = history_world
    with world.db.session() as session:
        for state in states_of(session, world.cora):
            clear_state(session, world.cora, state.subject_id, state.kind)
    cora, ann, bob = world.cora, world.ann.id, world.bob.id
    said = [
        ("how is ann doing?", ann),
        ("her last 3 runs", ann),
        ("what was bob's biggest week?", bob),
        ("his longest run?", bob),
        ("and her longest run?", ann),  # "her" meant Ann before, whoever came last
        ("and his swims that month?", bob),
    ]
    for message, whom in said:
        reply = history_coach.turn(cora, message)
        assert reply.subject_ids == [whom], (message, reply.text[:120])


def test_check_in_answers_stay_answers_and_a_mood_is_not_a_person(
    history_world: World, history_coach: Coach
) -> None:
    ann = history_world.ann
    history_coach.turn(ann, "let's do my weekly check-in again")
    for answer in ("Sleep's been fine", "stress is low, energy high", "Energy's low, mood meh."):
        reply = history_coach.turn(ann, answer)
        assert not reply.tool_calls, (answer, reply.text[:120])  # a step, not another tool
        assert "paused" not in reply.text and "only see your own data" not in reply.text


def test_a_crushing_chest_mid_session_is_no_running_and_a_doctor(
    history_coach: Coach, history_world: World
) -> None:
    reply = history_coach.turn(
        history_world.ann, "I got a tight crushing feeling in my chest during the last set"
    )
    assert reply.text == SEE_A_DOCTOR and not reply.tool_calls


def test_is_my_mileage_going_up_compares_months_by_km_a_week(
    history_world: World, history_coach: Coach
) -> None:
    runs = _runs(history_world)
    latest = max(d for d, _ in runs)

    def month_km(year: int, month: int) -> float:
        return sum(k for d, k in runs if (d.year, d.month) == (year, month) and d <= latest)

    august, last = month_km(2025, 8), month_km(latest.year, latest.month)
    august_weekly = august / 31 * 7
    last_weekly = last / latest.day * 7
    way = "Yes, going up" if last_weekly >= 1.1 * august_weekly else "No"

    reply = history_coach.turn(
        history_world.cora, "is Ann's weekly mileage going up since august 2025?"
    )
    verdict = reply.text.splitlines()[1]  # under the athlete's name
    assert verdict.startswith(way), verdict
    assert (
        f"from {august_weekly:.1f} km a week in Aug 2025 to {last_weekly:.1f} km a week" in verdict
    )
    assert f"Aug 2025 {august:.1f} km" in reply.text
    # a question about what was run, not which way it went, still gets the listing
    listing = history_coach.turn(history_world.ann, "what did I run since august 2025?")
    assert "going up" not in listing.text and "Total distance:" in listing.text
