"""A run put forward for a verdict ("a 20 mile long run this weekend, ok?"), a judgement of
training as it is now long after the data ends, periods shifted on ("and the month after?"),
"since my last marathon" without a race marked, years named ("from 2019 to 2024"), and the
small words of a chat. Through the real agent on the shared real histories; expected figures
are computed here from the recorded files, not by the code tested.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from statistics import median

import pytest

from agent.coach import Coach
from agent.replies import NOT_YOUR_ATHLETE
from agent.router import route
from storage.conversation import clear_state, states_of
from storage.db import Database
from storage.gait_reports import save_gait_report
from storage.settings import Settings
from tests.conftest import People
from tests.worlds import World
from tools.activities import list_activities
from tools.context import ToolContext
from tools.gait.analyze import analyze_track
from tools.trends.changes import detect_changes

TODAY = date(2026, 12, 7)
RUNNING = ("Run", "TrailRun")


def _runs(world: World) -> list[tuple[date, float]]:
    return [
        (date.fromisoformat(item["start_date_local"][:10]), item["distance"] / 1000)
        for item in world.raw
        if item.get("sport_type") in RUNNING and item["distance"] > 0
    ]


def _coach(world: World, today: date) -> Coach:
    for user in (world.ann, world.bob, world.cora):
        with world.db.session() as session:
            for state in states_of(session, user):
                clear_state(session, user, state.subject_id, state.kind)
    return Coach(world.db, world.settings, today=today)


def _longest_before(runs: list[tuple[date, float]], day: date) -> float:
    return max(km for d, km in runs if day - timedelta(days=30) < d <= day)


@pytest.mark.parametrize("km, said", [(38.0, "38k"), (25 * 1.609344, "25 mile")])
def test_a_proposed_long_run_is_judged_against_the_longest_of_the_month_before(
    history_world: World, km: float, said: str
) -> None:
    day = date(2025, 10, 20)  # the day after Ann's latest run
    longest = _longest_before(_runs(history_world), day)
    coach = _coach(history_world, day)
    reply = coach.turn(history_world.ann, f"thinking of a {said} long run this weekend, ok?")
    first = reply.text.splitlines()[0]
    change = round((round(km, 1) / longest - 1) * 100)
    if km <= 1.1 * longest:
        assert first.startswith("Yes, that is within the line"), first
    else:
        assert first.startswith("No, that is too big a step"), first
        assert f"{1.1 * longest:.1f} km" in reply.text  # the most within the line
    assert f"{round(km, 1):.1f} km is {change:+d} %" in first or f"would be {change:+d} %" in first
    assert f"({longest:.1f} km)" in first
    assert "Frandsen" in reply.text


def test_a_marathon_proposed_long_after_the_data_ends_is_a_no_with_the_break_named(
    history_world: World,
) -> None:
    latest = max(d for d, _ in _runs(history_world))
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.cora, "should ann race a marathon next weekend?")
    lines = reply.text.splitlines()
    assert lines[0] == "**Ann**"
    assert lines[1].startswith("No, not yet: 42.2 km would come after no running at all"), lines
    assert f"{latest.day} {latest:%b %Y}, {(TODAY - latest).days} days ago" in lines[1]
    assert "up to about 8 km" in reply.text
    assert "Training load" not in reply.text  # a verdict, not the load table


def test_am_i_overtraining_right_now_long_after_the_data_is_not_now(
    history_world: World,
) -> None:
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.cora, "is bob training too hard right now?")
    assert reply.text.splitlines()[1].startswith("No, not now: Bob's latest session is")
    # a judgement of a past run is still answered as of its day
    reply = coach.turn(history_world.ann, "is my long run too long?")
    assert not reply.text.startswith("No, not now")


def test_and_the_month_after_shifts_the_period_on(history_world: World) -> None:
    coach = _coach(history_world, TODAY)
    coach.turn(history_world.ann, "list my swims in october 2024")
    reply = coach.turn(history_world.ann, "and the month after?")
    swims = [
        (date.fromisoformat(i["start_date_local"][:10]), i["distance"] / 1000)
        for i in history_world.raw
        if i.get("sport_type") == "Swim" and i["start_date_local"].startswith("2024-11")
    ]
    assert swims
    assert f"Total distance: {sum(km for _, km in swims):.2f} km" in reply.text
    for day, km in swims:
        assert f"{day.day} {day:%b %Y}" in reply.text or day.isoformat() in reply.text
        assert f"{km:.2f} km" in reply.text


def test_since_my_last_marathon_finds_the_marathon_distance_run_when_none_is_marked(
    history_world: World,
) -> None:
    marathons = [
        date.fromisoformat(r["start_date_local"][:10])
        for r in history_world.series
        if r["sport_type"] == "Run" and 41.0 <= float(r["distance"]) / 1000 <= 43.5
    ]
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.bob, "has my cadence changed since my last marathon?")
    assert f"since your marathon-distance run on {max(marathons).isoformat()}" in reply.text
    assert "didn't understand" not in reply.text


def test_pace_from_one_year_to_another_compares_those_years(history_world: World) -> None:
    paces: dict[int, list[float]] = {}
    for r in history_world.series:
        minutes = float(r["moving_time"]) / 60
        if r["sport_type"] != "Run" or minutes < 10 or not float(r["distance"]):
            continue
        year = int(r["start_date_local"][:4])
        paces.setdefault(year, []).append(float(r["moving_time"]) / float(r["distance"]) * 1000)

    def clock(seconds: float) -> str:
        return f"{int(seconds // 60)}:{round(seconds % 60):02d}"

    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.bob, "how did my pace change from 2019 to 2024?")
    first = reply.text.splitlines()[0]
    way = "Slower" if median(paces[2024]) > median(paces[2019]) else "Faster"
    assert first.startswith(way), first
    for year in (2019, 2024):  # each year's median pace, to the second or one off it
        seconds = median(paces[year])
        said = {clock(seconds - 1), clock(seconds), clock(seconds + 1)}
        assert any(f"{s} /km in {year}" in first for s in said), (year, clock(seconds), first)


@pytest.mark.parametrize(
    "message, kind", [("👍", "smalltalk"), ("ok makes sense", "smalltalk"), ("?", None)]
)
def test_an_emoji_or_an_acknowledgement_is_small_talk(message: str, kind: str | None) -> None:
    found = route(message, today=TODAY)
    assert (found.kind == "smalltalk") == (kind == "smalltalk")


def test_what_next_is_answered_with_the_focus_not_the_help_menu(history_world: World) -> None:
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.bob, "what next coach?")
    assert [c.name for c in reply.tool_calls] == ["coach_overview"]
    assert not re.search(r"You can ask me to", reply.text)


def test_the_only_run_is_said_to_be_the_only_one(history_world: World) -> None:
    runs = _runs(history_world)
    day, km = next((d, k) for d, k in sorted(runs) if sum(1 for e, _ in runs if e == d) == 1)
    ctx = history_world.ctx(history_world.ann)
    result = list_activities(
        ctx, since=day.isoformat(), until=day.isoformat(), order="longest", sport="run"
    )
    [finding] = result.rendered_findings("extreme")
    assert finding.verdict.startswith(f"Your only run on {day.day} {day:%b %Y} (so your longest)")
    assert f"{km:.2f} km" in finding.verdict  # to the metre, as its row reads


def test_is_my_cadence_ok_with_too_few_runs_is_judged_from_the_analysed_video(
    db: Database, people: People, ann_ctx: ToolContext, real_clip_pose: tuple
) -> None:
    real = analyze_track(*real_clip_pose).to_dict()
    cadence = real["metrics"]["cadence"]
    assert cadence["reliable"]
    with db.session() as session:
        save_gait_report(session, people.ann, people.ann.id, real, "tread_mill.mp4")
    result = detect_changes(ann_ctx, metric="cadence")  # Ann has no runs here
    assert result.ok, result.message
    [finding] = result.rendered_findings("judgement", "is my cadence ok?")
    verdict = "Yes, your cadence is fine" if 160 <= cadence["value"] <= 185 else "Your cadence is"
    assert finding.verdict.startswith(verdict), finding.verdict
    assert f"{cadence['value']:.1f} steps/min (from your video of " in finding.verdict
    assert "tread\\_mill.mp4" in finding.verdict  # the user's file name, escaped
    # asked whether it changed (or just what it is): why no change can be told, and the level
    from agent.composer import compose

    for kind in ("trend", "lookup"):
        said = compose(result, kind, "has my cadence changed?")
        assert said.startswith("Not enough data to tell a change: I have 0 runs"), said
        assert f"measured {cadence['value']:.1f} steps/min" in said
    assert compose(result, "judgement", "is my cadence ok?").startswith(finding.verdict)


def test_a_level_from_old_runs_is_dated(history_world: World) -> None:
    latest = max(d for d, _ in _runs(history_world))
    ctx = history_world.ctx(history_world.ann)
    ctx = ToolContext(db=ctx.db, actor=ctx.actor, settings=ctx.settings, athlete_id=ctx.athlete_id,
                      today=TODAY)  # fmt: skip
    result = detect_changes(ctx, metric="cadence")
    [finding] = [f for f in result.rendered_findings("judgement") if f.topic == "cadence_range"]
    assert f"(from your runs up to {latest.day} {latest:%b %Y}, over a year ago)" in finding.verdict


@pytest.mark.parametrize("message", ["now bob", "and bob's?"])
def test_a_coach_turning_to_someone_not_theirs_by_name_alone_is_refused(
    db: Database, people: People, settings: Settings, message: str
) -> None:
    coach = Coach(db, settings, today=TODAY)
    coach.turn(people.cora, "how many km did ann run in october 2026?")
    reply = coach.turn(people.cora, message)
    assert reply.text == NOT_YOUR_ATHLETE
    assert reply.tool_calls == []
    # an athlete's own "and swims?" is a follow-up, never a stranger
    assert coach.turn(people.ann, "and bench?").text != NOT_YOUR_ATHLETE


@pytest.mark.parametrize(
    "message, args",
    [
        ("top 3 longest hikes ever", {"limit": 3, "sport": "hike", "order": "longest"}),
        ("whats my longst run in 2024", {"order": "longest", "sport": "run"}),
    ],
)
def test_top_n_and_a_slip_in_a_record_word_are_read(message: str, args: dict) -> None:
    found = route(message, today=TODAY)
    assert found.tool == "list_activities"
    assert args.items() <= found.args.items()


@pytest.mark.parametrize("message", ["hi! what can you do for a coach?", "how does this work?"])
def test_what_can_you_do_gets_the_help(message: str) -> None:
    assert route(message, today=TODAY).kind == "help"


def test_am_i_improving_with_one_run_says_it_cant_tell_yet(
    ann_ctx: ToolContext, fit_runs: list
) -> None:
    from storage.activities import add_activity
    from tools.trends.overview import coach_overview

    run = next(new for new in fit_runs if new.sport == "run")
    with ann_ctx.session() as session:
        add_activity(session, ann_ctx.actor, ann_ctx.athlete_id, run)
    result = coach_overview(ann_ctx)
    first = result.rendered_findings("trend", "am i improving?")[0]
    day = run.start_time.date()
    assert first.verdict == (
        f"I can't tell yet whether you are improving: there is only 1 run stored, on "
        f"{day.day} {day:%b %Y}."
    )
    assert all(f.topic != "too_few" for f in result.rendered_findings("what_next"))


@pytest.mark.parametrize(
    "message", ["how many lifting sessions did bob log in september 2025?", "how many gym days"]
)
def test_counting_lifting_sessions_is_strength_not_activities(message: str) -> None:
    assert route(message, today=TODAY).tool == "strength_history"


def test_who_has_the_longest_run_sets_two_athletes_records_side_by_side(
    history_world: World,
) -> None:
    ann = max(km for d, km in _runs(history_world) if d.year == 2023)
    bob = max(
        float(r["distance"]) / 1000
        for r in history_world.series
        if r["start_date_local"].startswith("2023") and r["sport_type"] == "Run"
    )
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.cora, "who had the longest run in 2023, ann or bob?")
    first = reply.text.splitlines()[0]
    if round(ann, 2) == round(bob, 2):
        assert first == f"Ann and Bob are level: {ann:.2f} km each.", first
    else:
        (top, best), (other, second) = sorted((("Ann", ann), ("Bob", bob)), key=lambda r: -r[1])
        assert first == f"{top} is ahead: {best:.2f} km, against {other}'s {second:.2f} km."
    assert "- **Ann**: Ann's longest run in 2023 was" in reply.text
    assert "- **Bob**: Bob's longest run in 2023 was" in reply.text


@pytest.mark.parametrize(
    "message, exercise",
    [
        ("who squats heavier, ann or bob?", "squat"),
        ("my bulgarian split squat progress", "bulgarian split squat"),
        ("heaviest romanian deadlift ever", "romanian deadlift"),
    ],
)
def test_the_exercise_is_read_out_of_the_words_around_it(message: str, exercise: str) -> None:
    from tools.strength.history_tool import exercise_words

    assert exercise_words(message) == exercise


def test_the_overview_of_metrics_with_too_few_runs_and_a_video_says_why(
    db: Database, people: People, ann_ctx: ToolContext, real_clip_pose: tuple
) -> None:
    with db.session() as session:
        save_gait_report(
            session, people.ann, people.ann.id, analyze_track(*real_clip_pose).to_dict(), "a.mp4"
        )
    result = detect_changes(ann_ctx)  # "anything unusual in my metrics?"
    assert result.message.startswith("Not enough data to tell a change"), result.message


def test_a_run_named_by_its_distance_is_the_one_judged(history_world: World) -> None:
    runs = _runs(history_world)
    september = [(d, km) for d, km in runs if d.year == 2024 and d.month == 9]
    day, km = min(september, key=lambda r: abs(r[1] - 37.0))
    before = max(k for d, k in runs if day - timedelta(days=30) <= d < day)
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.cora, "was ann's 37k in budapest in sept 2024 too long?")
    first = reply.text.splitlines()[1]
    assert f"the {km:.1f} km run on {day.day} {day:%b %Y}" in first, first
    assert f"{round(100 * (km / before - 1))} % longer" in first
    assert f"({before:.1f} km)" in first
    assert first.startswith("Yes") == (km > 1.1 * before)


def test_has_my_mileage_gone_up_this_year_long_after_the_data_answers_its_last_year(
    history_world: World,
) -> None:
    runs = _runs(history_world)
    latest = max(d for d, _ in runs)
    january = sum(k for d, k in runs if (d.year, d.month) == (latest.year, 1)) / 31 * 7
    last = sum(k for d, k in runs if (d.year, d.month) == (latest.year, latest.month))
    last = last / latest.day * 7
    coach = _coach(history_world, TODAY)
    reply = coach.turn(history_world.ann, "has my weekly mileage gone up this year?")
    assert reply.text.startswith(f"Nothing logged since 1 Jan {TODAY.year}"), reply.text
    way = "Going up" if last > 1.1 * january else "Going down" if last < 0.9 * january else ""
    assert f"{way}: your running went from {january:.1f} km a week in Jan {latest.year}" in (
        reply.text
    )
    assert f"to {last:.1f} km a week in {latest:%b %Y} (to {latest.day} {latest:%b})" in reply.text


def test_am_i_getting_faster_sets_the_last_3_months_against_the_3_before(
    history_world: World,
) -> None:
    paces = [
        (date.fromisoformat(i["start_date_local"][:10]), i["moving_time"] / i["distance"] * 1000)
        for i in history_world.raw
        if i.get("sport_type") in RUNNING and i["distance"] > 0 and i["moving_time"] >= 600
    ]
    latest = max(d for d, _ in paces)
    cut, start = latest - timedelta(days=91), latest - timedelta(days=182)
    recent = [p for d, p in paces if d > cut]
    before = [p for d, p in paces if start < d <= cut]

    def clock(seconds: float) -> set[str]:
        near = (round(s) for s in (seconds - 1, seconds, seconds + 1))
        return {f"{s // 60}:{s % 60:02d}" for s in near}

    coach = _coach(history_world, TODAY)
    first = coach.turn(history_world.ann, "am I getting faster?").text.splitlines()[0]
    way = "Slower" if median(recent) > median(before) else "Faster"
    assert first.startswith((f"{way} lately", "About the same lately")), first
    assert f"over the 3 months to {latest.day} {latest:%b %Y}" in first
    assert f"({len(recent)} runs), against" in first and f"({len(before)} runs)." in first
    assert any(f"was {c} /km" in first for c in clock(median(recent))), first
    assert any(f"against {c} /km" in first for c in clock(median(before))), first


def test_are_my_long_runs_getting_longer_compares_each_months_longest(
    history_world: World,
) -> None:
    runs = _runs(history_world)
    latest = max(d for d, _ in runs)
    months = []
    for back in (3, 2, 1, 0):
        index = latest.year * 12 + latest.month - 1 - back
        year, month = divmod(index, 12)
        months.append(max(k for d, k in runs if (d.year, d.month) == (year, month + 1)))
    coach = _coach(history_world, TODAY)
    first = coach.turn(history_world.ann, "are my long runs getting longer?").text.splitlines()[0]
    way = (
        "Yes, getting longer"
        if months[-1] >= 1.1 * months[0]
        else "No, getting shorter"
        if months[-1] <= 0.9 * months[0]
        else "About the same"
    )
    assert first.startswith(f"{way}: your longest run went from {months[0]:.1f} km"), first
    assert f"to {months[-1]:.1f} km in {latest:%b %Y} (to {latest.day} {latest:%b})" in first


@pytest.mark.parametrize(
    "message, km",
    [
        ("can I do a 20 mile run this weekend?", 32.2),
        ("may I run a marathon on sunday?", 42.2),
        ("should I sign up for a spring marathon?", None),  # months ahead: a plan's question
        ("thinking of a 30k in may, ok?", None),
        ("is 50 km a week ok?", None),  # a week's distance, not one run's
    ],
)
def test_only_a_run_soon_is_read_as_proposed(message: str, km: float | None) -> None:
    from tools.trends.proposed import read_proposed_km

    assert read_proposed_km(message) == km
