"""Records ("my longest run in 2025", "my biggest week") and questions about a period long after
the data ends ("this week", asked more than a year after the last activity), on Ann's 1132
recorded Strava activities (the shared history world). Every expected figure is computed here
from the recorded API pages (``world.raw``), not by the code tested."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest

from agent.coach import Coach
from agent.extractors import extract
from tests.worlds import World
from tools.activities import SPEC, list_activities, read_order
from tools.context import ToolContext
from tools.markdown import escape
from tools.trends.changes import _phrase as changes_phrase
from tools.trends.changes import detect_changes
from tools.trends.compare import _phrase as compare_phrase
from tools.trends.compare import compare_training

#: Long after Ann's data ends (2025-10-19): a Monday, so "this week" is one day so far.
LATE = date(2026, 12, 7)


@pytest.fixture
def world(history_world: World) -> World:
    return history_world


def _ctx(world: World, today: date) -> ToolContext:
    return ToolContext(db=world.db, actor=world.ann, settings=world.settings, today=today)


def _runs(world: World) -> list[dict[str, Any]]:
    return [item for item in world.raw if item["type"] == "Run"]


def _in_2025(item: dict[str, Any]) -> bool:
    return item["start_date"].startswith("2025-")  # the period filter is on the UTC start


def _local_day(item: dict[str, Any]) -> date:
    return date.fromisoformat(item["start_date_local"][:10])


def _pace(seconds_per_km: float) -> str:
    whole = round(seconds_per_km)
    return f"{whole // 60}:{whole % 60:02d}"


def _value(result: Any, name: str) -> Any:
    fact = result.fact(name)
    assert fact is not None, f"no fact {name}: {[f.name for f in result.facts]}"
    return fact.value


# --- records ---------------------------------------------------------------------------------


def test_the_longest_run_of_2025_leads_the_answer_with_its_runners_up(world: World) -> None:
    runs = sorted((i for i in _runs(world) if _in_2025(i)), key=lambda i: -i["distance"])
    best, second = runs[0], runs[1]
    assert round(best["distance"] / 1000, 1) == 35.4  # the recording itself
    assert _local_day(best) == date(2025, 10, 4)

    result = list_activities(
        _ctx(world, LATE), since="2025-01-01", until="2025-12-31", sport="run", order="longest"
    )

    assert _value(result, "longest_distance") == round(best["distance"] / 1000, 2)
    assert _value(result, "longest_date") == _local_day(best).isoformat()
    assert _value(result, "longest_name") == escape(best["name"])  # quotable in Markdown
    assert _value(result, "count") == len(runs)
    [finding] = result.rendered_findings("extreme")
    assert finding.verdict == (
        f"Your longest run in 2025 was {best['distance'] / 1000:.2f} km on "
        f"{_local_day(best).isoformat()} (“{escape(best['name'])}”)."
    )
    assert finding.evidence[0] == (
        f"Next: {second['distance'] / 1000:.2f} km on {_local_day(second).isoformat()} "
        f"(“{escape(second['name'])}”)."
    )
    assert not result.rendered_findings("trend")  # it answers only "what was my longest"

    text = SPEC.phrase(result)  # type: ignore[misc]
    lines = text.splitlines()
    assert lines[0] == finding.verdict
    ranked = [line for line in lines if line[:2] in {f"{n}." for n in range(1, 10)}]
    assert len(ranked) == 5  # the top 5, not the 10 newest
    for line, item in zip(ranked, runs[:5], strict=True):
        assert f"{item['distance'] / 1000:.1f} km" in line
        assert _local_day(item).isoformat() in line


def test_the_fastest_run_is_the_best_average_pace_of_runs_of_3_km_or_more(world: World) -> None:
    runs = [
        i
        for i in _runs(world)
        if _in_2025(i) and i["distance"] >= 3000 and (i["moving_time"] or i["elapsed_time"])
    ]
    runs.sort(key=lambda i: (i["moving_time"] or i["elapsed_time"]) / i["distance"])
    best = runs[0]

    # No sport said: "fastest" still ranks runs (a ride is always "faster").
    result = list_activities(_ctx(world, LATE), since="2025-01-01", until="2025-12-31",
                             order="fastest")  # fmt: skip

    assert _value(result, "fastest_pace") == _pace(best["moving_time"] / best["distance"] * 1000)
    assert result.fact("fastest_pace").unit == "/km"  # type: ignore[union-attr]
    assert _value(result, "fastest_date") == _local_day(best).isoformat()
    assert _value(result, "fastest_distance") == round(best["distance"] / 1000, 2)
    verdict = result.rendered_findings("extreme")[0].verdict
    assert verdict.startswith(
        f"Your fastest run in 2025 (of 3 km or more) was "
        f"{_pace(best['moving_time'] / best['distance'] * 1000)} /km"
    )
    assert {row["sport"] for row in result.data["rows"]} == {"run"}
    assert all(row["distance_km"] >= 3 for row in result.data["rows"])


def _biggest(world: World, first_of: Any) -> list[tuple[float, date, int]]:
    """Ann's running distance per period (by local day), biggest first: (km, first day, runs)."""
    km: dict[date, float] = defaultdict(float)
    count: dict[date, int] = defaultdict(int)
    for item in _runs(world):
        start = first_of(_local_day(item))
        km[start] += item["distance"] / 1000
        count[start] += 1
    return sorted(
        ((k, d, count[d]) for d, k in km.items()), key=lambda t: (-t[0], -t[1].toordinal())
    )


def test_the_biggest_week_is_a_monday_to_sunday_week_of_local_days(world: World) -> None:
    weeks = _biggest(world, lambda day: day - timedelta(days=day.weekday()))
    km, monday, runs = weeks[0]

    result = list_activities(_ctx(world, LATE), sport="run", order="biggest_week")

    assert _value(result, "biggest_week_distance") == round(km, 1)
    assert _value(result, "biggest_week_start") == monday.isoformat()
    assert _value(result, "biggest_week_end") == (monday + timedelta(days=6)).isoformat()
    assert _value(result, "biggest_week_count") == runs
    assert _value(result, "biggest_week_2_distance") == round(weeks[1][0], 1)
    assert result.rendered_findings("extreme")[0].verdict == (
        f"Your biggest week of running was {km:.1f} km from {monday.isoformat()} to "
        f"{(monday + timedelta(days=6)).isoformat()} ({runs} runs)."
    )
    assert [e["date"] for e in result.data["ranked"]] == [w[1].isoformat() for w in weeks[:5]]
    # Every week, by the local day of each run (a Sunday-evening run in New York is Monday in
    # UTC): "my 1000 biggest weeks" ranks them all.
    every = list_activities(_ctx(world, LATE), sport="run", order="biggest_week", limit=1000)
    assert [(e["date"], e["distance_km"]) for e in every.data["ranked"]] == [
        (w[1].isoformat(), round(w[0], 1)) for w in weeks
    ]


def test_the_biggest_month_is_a_calendar_month(world: World) -> None:
    months = _biggest(world, lambda day: day.replace(day=1))
    km, first, runs = months[0]

    result = list_activities(_ctx(world, LATE), sport="run", order="biggest_month")

    assert _value(result, "biggest_month_distance") == round(km, 1)
    assert _value(result, "biggest_month") == f"{first:%B %Y}"
    assert _value(result, "biggest_month_count") == runs


@pytest.mark.parametrize(
    ("message", "order"),
    [
        ("what was my longest run in 2025", "longest"),
        ("my furthest ride", "longest"),
        ("what's my fastest run this year", "fastest"),
        ("quickest 10k", "fastest"),
        ("which run had my best pace", "fastest"),
        ("what was my biggest week", "biggest_week"),
        ("highest mileage week ever", "biggest_week"),
        ("most km in a week", "biggest_week"),
        ("most kilometres i ran in a single week", "biggest_week"),
        ("my biggest month of training", "biggest_month"),
        ("which run had the most climbing", "most_climb"),
        ("how many km did i run this week", None),
        ("my last 5 runs", None),
        ("biggest run this week", "longest"),
    ],
)
def test_the_record_asked_is_read_from_the_message(message: str, order: str | None) -> None:
    assert read_order(message) == order


def test_a_longest_run_question_reads_its_period_sport_and_order() -> None:
    args = extract(SPEC, "what was my longest run in 2025", "", LATE).args
    assert args == {"since": "2025-01-01", "until": "2025-12-31", "sport": "run",
                    "order": "longest"}  # fmt: skip


def test_the_coach_answers_the_longest_run_with_the_record_first(world: World) -> None:
    runs = sorted((i for i in _runs(world) if _in_2025(i)), key=lambda i: -i["distance"])
    reply = Coach(world.db, world.settings, today=LATE).turn(
        world.ann, "what was my longest run in 2025?"
    )
    assert [c.name for c in reply.tool_calls] == ["list_activities"]
    assert reply.tool_calls[0].args.get("order") == "longest"
    assert f"{runs[0]['distance'] / 1000:.2f} km on {_local_day(runs[0]).isoformat()}" in (
        reply.text
    )


# --- a period long after the data ends ---------------------------------------------------------


def _latest_utc_day(world: World) -> date:
    return max(date.fromisoformat(i["start_date"][:10]) for i in world.raw)


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _utc_day(item: dict[str, Any]) -> date:
    return date.fromisoformat(item["start_date"][:10])  # the period filter is on the UTC start


def test_this_week_long_after_the_data_ends_shows_the_week_of_the_latest_activity(
    world: World,
) -> None:
    latest = _latest_utc_day(world)
    monday = latest - timedelta(days=latest.weekday())
    inside = [i for i in world.raw if monday <= _utc_day(i) <= latest]
    assert inside

    result = list_activities(_ctx(world, LATE), since=LATE.isoformat())  # "this week", a Monday

    said = (
        f"You have no activities on {_day(LATE)}; your latest activity is {_day(latest)}, so "
        f"here is the week of {_day(monday)} to that day."
    )
    assert said == (
        "You have no activities on 7 Dec 2026; your latest activity is 19 Oct 2025, so here is "
        "the week of 13 Oct 2025 to that day."
    )
    assert result.message == said
    assert result.data["shifted"]["from"] == monday.isoformat()
    assert result.data["shifted"]["to"] == latest.isoformat()
    assert _value(result, "count") == len(inside)
    assert _value(result, "total_distance") == round(sum(i["distance"] for i in inside) / 1000, 2)
    text = SPEC.phrase(result)  # type: ignore[misc]
    assert text.startswith(said)
    assert text.count("latest activity") == 1  # said once


def test_this_year_long_after_the_data_ends_is_the_year_of_the_latest_activity(
    world: World,
) -> None:
    latest = _latest_utc_day(world)
    runs = [i for i in _runs(world) if _utc_day(i).year == latest.year]

    result = list_activities(_ctx(world, LATE), since="2026-01-01", sport="run")

    assert result.message == (
        f"You have no runs in 2026; your latest run is {_day(latest)}, so here is "
        f"{latest.year} to that day."
    )
    assert result.data["shifted"]["from"] == f"{latest.year}-01-01"
    assert _value(result, "count") == len(runs)
    assert _value(result, "total_distance") == round(sum(i["distance"] for i in runs) / 1000, 2)


def test_last_month_long_after_the_data_ends_is_the_month_of_the_latest_activity(
    world: World,
) -> None:
    latest = _latest_utc_day(world)
    first = latest.replace(day=1)
    inside = [i for i in world.raw if first <= _utc_day(i) <= latest]

    result = list_activities(_ctx(world, LATE), since="2026-11-01", until="2026-11-30")

    assert result.message == (
        f"You have no activities from 1 Nov to 30 Nov 2026; your latest activity is "
        f"{_day(latest)}, so here is {latest:%B %Y} to that day."
    )
    assert (result.data["shifted"]["from"], result.data["shifted"]["unit"]) == (
        first.isoformat(),
        "month",
    )
    assert _value(result, "count") == len(inside)


def test_a_period_that_is_no_calendar_unit_keeps_its_length(world: World) -> None:
    latest = _latest_utc_day(world)
    first = latest - timedelta(days=29)
    inside = [i for i in world.raw if first <= _utc_day(i) <= latest]

    result = list_activities(_ctx(world, LATE), since="2026-11-08")  # "the past 30 days"

    assert result.message == (
        f"You have no activities from 8 Nov to 7 Dec 2026; your latest activity is "
        f"{_day(latest)}, so here are the 30 days to that day."
    )
    assert _value(result, "count") == len(inside)


def test_last_week_ending_yesterday_is_shifted_and_a_past_month_goes_a_year_back(
    world: World,
) -> None:
    latest = _latest_utc_day(world)
    last_week = list_activities(_ctx(world, LATE), since="2026-11-30", until="2026-12-06")
    assert last_week.data["shifted"]["to"] == latest.isoformat()
    assert last_week.data["shifted"]["unit"] == "week"
    assert _value(last_week, "count") > 0

    # "in june" long after the data ends: the June the data reaches, said as such
    june = list_activities(_ctx(world, LATE), since="2026-06-01", until="2026-06-30")
    assert (june.data["shifted"]["from"], june.data["shifted"]["to"]) == (
        "2025-06-01",
        "2025-06-30",
    )
    in_june = [i for i in world.raw if date(2025, 6, 1) <= _utc_day(i) <= date(2025, 6, 30)]
    assert in_june and _value(june, "count") == len(in_june)
    assert june.message == (
        f"You have no activities from 1 Jun to 30 Jun 2026; your latest activity is "
        f"{_day(latest)}, so here is from 1 Jun to 30 Jun 2025."
    )


def test_a_week_with_activities_is_not_shifted(world: World) -> None:
    latest = _latest_utc_day(world)
    monday = latest - timedelta(days=latest.weekday())
    result = list_activities(_ctx(world, latest), since=monday.isoformat())
    assert "shifted" not in result.data
    assert result.message == ""
    assert _value(result, "count") == sum(
        monday <= date.fromisoformat(i["start_date"][:10]) <= latest for i in world.raw
    )


def test_the_longest_run_this_year_after_the_data_ends_is_of_the_latest_year(
    world: World,
) -> None:
    latest = max(_utc_day(i) for i in _runs(world))
    inside = [i for i in _runs(world) if _utc_day(i).year == latest.year]
    best = max(inside, key=lambda i: i["distance"])

    result = list_activities(_ctx(world, LATE), since="2026-01-01", sport="run", order="longest")

    assert result.message.startswith(f"You have no runs in 2026; your latest run is {_day(latest)}")
    assert _value(result, "longest_distance") == round(best["distance"] / 1000, 2)
    assert _value(result, "longest_date") == _local_day(best).isoformat()
    assert result.rendered_findings("extreme")[0].verdict.startswith(
        f"Your longest run in {latest.year} was {best['distance'] / 1000:.2f} km"
    )


def _foot_km(world: World, first: date, last: date) -> float:
    return sum(
        i["distance"] / 1000
        for i in world.raw
        if i["type"] in ("Run", "Walk", "Hike")
        and i["distance"] > 0
        and first <= _local_day(i) <= last
    )


def test_comparing_four_weeks_long_after_the_data_ends_compares_the_last_four(
    world: World,
) -> None:
    latest = max(_local_day(i) for i in world.raw)
    after = (latest - timedelta(days=27), latest)
    before = (latest - timedelta(days=55), latest - timedelta(days=28))

    result = compare_training(_ctx(world, LATE), weeks=4)

    assert result.ok, result.message
    assert result.data["shifted"]["to"] == latest.isoformat()
    assert result.data["after"]["period"] == f"{after[0].isoformat()} to {after[1].isoformat()}"
    assert result.data["before"]["period"] == (
        f"{before[0].isoformat()} to {before[1].isoformat()}"
    )
    assert _value(result, "run_km_after") == round(_foot_km(world, *after), 1)
    assert _value(result, "run_km_before") == round(_foot_km(world, *before), 1)
    said = (
        f"Your latest activity is {latest.day} {latest:%b %Y}; here are the 4 weeks to that day "
        "against the 4 weeks before."
    )
    assert result.message == said
    text = compare_phrase(result)
    assert text.startswith(said)
    assert text.count("latest activity") == 1


def test_comparing_weeks_that_hold_training_is_not_shifted(world: World) -> None:
    latest = max(_local_day(i) for i in world.raw)
    result = compare_training(_ctx(world, latest + timedelta(days=3)), weeks=4)
    assert "shifted" not in result.data
    assert result.message == ""
    assert result.data["after"]["period"].endswith((latest + timedelta(days=3)).isoformat())


# --- change detection long after the data ends ------------------------------------------------


def _cadence_runs(world: World, first: date, last: date | None = None) -> list[dict[str, str]]:
    """Bob's runs that change detection compares for cadence (10 minutes or more, with a
    cadence), by local day, from the series file."""
    return [
        r
        for r in world.series
        if r["average_cadence"]
        and float(r["moving_time"]) >= 600
        and float(r["distance"]) > 0
        and first <= date.fromisoformat(r["start_date_local"][:10]) <= (last or date.max)
    ]


def _bob(world: World, today: date) -> ToolContext:
    return ToolContext(db=world.db, actor=world.bob, settings=world.settings, today=today)


def test_cadence_this_year_long_after_the_data_ends_looks_at_the_latest_year(
    world: World,
) -> None:
    latest = max(date.fromisoformat(r["start_date_local"][:10]) for r in world.series)
    runs = _cadence_runs(world, date(latest.year, 1, 1))

    result = detect_changes(_bob(world, LATE), "cadence", since="2026-01-01")

    said = (
        f"You have no runs in 2026; your latest run is {_day(latest)}, so here is "
        f"{latest.year} to that day."
    )
    assert result.ok, result.message
    assert result.message == said
    assert _value(result, "runs_compared") == len(runs)
    assert result.data["last"] == latest.isoformat()
    text = changes_phrase(result)
    assert text.startswith(said)
    assert text.count("latest run") == 1


def test_too_few_runs_to_tell_a_change_says_so_first(world: World) -> None:
    latest = max(date.fromisoformat(r["start_date_local"][:10]) for r in world.series)
    since = latest - timedelta(days=4)
    runs = _cadence_runs(world, since)
    assert 0 < len(runs) < 10

    few = detect_changes(_bob(world, latest), "cadence", since=since.isoformat())

    assert not few.ok
    assert few.message == (
        f"Not enough data to tell a change: I have {len(runs)} runs of 10 minutes or more with "
        f"cadence since {since.isoformat()}; I need at least 10 to tell a change from day-to-day "
        "variation."
    )
    # "this week" long after: the week of the latest run, said first, then too few
    monday = latest - timedelta(days=latest.weekday())
    week = detect_changes(_bob(world, LATE), "cadence", since=LATE.isoformat())
    assert week.message.startswith(
        f"You have no runs on {_day(LATE)}; your latest run is {_day(latest)}, so here is the "
        f"week of {_day(monday)} to that day.\n\nNot enough data to tell a change: I have "
        f"{len(_cadence_runs(world, monday))} runs"
    )
