"""Race distances ("my fastest 10K race", "my marathon PB", "my time in the November 2024
marathon"), the race and minimum-distance filters, and the details of one to three activities
("what was my heart rate on my last run?"), on the real histories: Ann's recorded Strava pages
(names and Strava's race flag) and Bob's export of the same runs (neither). Every expected
figure is computed here from the raw files (``world.raw``, ``world.series``), not by the code
tested."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agent.coach import Coach
from agent.extractors import extract
from agent.reading import normalise
from storage.models import User
from tests.worlds import World
from tools.activities import SPEC, list_activities
from tools.context import ToolContext
from tools.markdown import escape

#: Long after the data ends (2025-10-19).
LATE = date(2026, 12, 7)
MILE = 1.609344


@pytest.fixture
def world(history_world: World) -> World:
    return history_world


def _ctx(world: World, user: User, today: date = LATE) -> ToolContext:
    return ToolContext(db=world.db, actor=user, settings=world.settings, today=today)


def _runs(world: World) -> list[dict[str, Any]]:
    return [item for item in world.raw if item["type"] == "Run"]


def _local_day(item: dict[str, Any]) -> date:
    return date.fromisoformat(item["start_date_local"][:10])


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _pace(seconds: float, metres: float) -> str:
    whole = round(seconds / metres * 1000)
    return f"{whole // 60}:{whole % 60:02d}"


def _band(items: list[dict[str, Any]], km: float) -> list[dict[str, Any]]:
    """The runs that count as ``km``: 1 % short to 3 % long."""
    return [i for i in items if km * 990 <= float(i["distance"]) <= km * 1030]


def _time_said(item: dict[str, Any]) -> str:
    """A run's time as the answer writes it: moving, and elapsed beside it when a minute or
    more longer."""
    moving, elapsed = float(item["moving_time"]), float(item["elapsed_time"])
    said = _clock(moving)
    return said + (f" ({_clock(elapsed)} elapsed)" if elapsed - moving >= 60 else "")


# --- race distances ----------------------------------------------------------------------------


def test_the_fastest_10k_race_is_the_quickest_run_strava_marks_a_race(world: World) -> None:
    tens = _band(_runs(world), 10.0)
    races = [i for i in tens if i.get("workout_type") == 1]
    best = min(races, key=lambda i: i["moving_time"])
    second = sorted(races, key=lambda i: i["moving_time"])[1]
    quickest = min(tens, key=lambda i: i["moving_time"])
    assert quickest.get("workout_type") != 1  # a training run was quicker: the race flag matters

    result = list_activities(_ctx(world, world.ann), order="fastest", distance="10k", race=True)

    [finding] = result.rendered_findings("extreme")
    assert finding.verdict == (
        f"Your fastest 10K race was {_time_said(best)} on {_day(_local_day(best))} "
        f"(“{escape(best['name'])}”): {best['distance'] / 1000:.2f} km at "
        f"{_pace(best['moving_time'], best['distance'])} /km."
    )
    assert finding.evidence[0] == (
        f"Next: {_clock(second['moving_time'])} on {_day(_local_day(second))} "
        f"(“{escape(second['name'])}”)."
    )
    assert {row["name"] for row in result.data["rows"]} <= {i["name"] for i in races}
    assert result.fact("count").value == len(races)  # type: ignore[union-attr]

    plain = list_activities(_ctx(world, world.ann), order="fastest", distance="10k")
    assert plain.fact("fastest_time").value == _clock(quickest["moving_time"])  # type: ignore[union-attr]
    assert plain.fact("count").value == len(tens)  # type: ignore[union-attr]


def test_the_coach_answers_the_fastest_10k_race_with_its_time_first(world: World) -> None:
    races = [i for i in _band(_runs(world), 10.0) if i.get("workout_type") == 1]
    best = min(races, key=lambda i: i["moving_time"])

    reply = Coach(world.db, world.settings, today=LATE).turn(
        world.ann, "What's my fastest 10K race ever?"
    )

    assert [c.name for c in reply.tool_calls] == ["list_activities"]
    args = reply.tool_calls[0].args
    assert (args.get("order"), args.get("distance"), args.get("race")) == ("fastest", "10K", True)
    assert reply.text.splitlines()[0].startswith(
        f"Your fastest 10K race was {_clock(best['moving_time'])} on {_day(_local_day(best))}"
    )


def test_the_marathon_pb_gives_elapsed_time_when_it_differs_by_minutes(world: World) -> None:
    marathons = _band(_runs(world), 42.195)
    best = min(marathons, key=lambda i: i["moving_time"])
    assert best["elapsed_time"] - best["moving_time"] >= 60  # the recording itself

    args = extract(SPEC, normalise("my marathon PB"), "my marathon PB", LATE).args
    assert args == {"order": "fastest", "distance": "marathon"}
    result = list_activities(_ctx(world, world.ann), **args)

    verdict = result.rendered_findings("extreme")[0].verdict
    assert verdict.startswith(
        f"Your fastest marathon was {_clock(best['moving_time'])} "
        f"({_clock(best['elapsed_time'])} elapsed) on {_day(_local_day(best))}"
    )
    by_time = sorted(marathons, key=lambda i: i["moving_time"])
    assert [row["time"] for row in result.data["rows"]] == [
        _clock(i["moving_time"]) for i in by_time[:5]
    ]
    assert result.fact("count").value == len(marathons)  # type: ignore[union-attr]


def test_without_race_flags_every_run_of_the_distance_counts_and_that_is_said(
    world: World,
) -> None:
    halves = _band(world.series, 21.0975)
    best = min(halves, key=lambda r: float(r["moving_time"]))

    result = list_activities(_ctx(world, world.bob), order="fastest", distance="half", race=True)

    finding = result.rendered_findings("extreme")[0]
    assert finding.verdict.startswith(  # not "race": Bob's export does not say which were
        f"Your fastest half marathon was {_clock(float(best['moving_time']))}"
    )
    assert any("don't say which were races" in line for line in finding.evidence)
    assert result.fact("count").value == len(halves)  # type: ignore[union-attr]
    listing = list_activities(_ctx(world, world.bob), since="2025-01-01", race=True)
    assert not listing.ok
    assert listing.message.startswith("I can't tell which runs were races")


def test_the_time_in_the_november_2024_marathon_is_a_single_lookup(world: World) -> None:
    [race] = [i for i in _band(_runs(world), 42.195) if i["start_date_local"].startswith("2024-11")]

    reply = Coach(world.db, world.settings, today=LATE).turn(
        world.ann, "what was my time in the November 2024 marathon?"
    )

    [call] = reply.tool_calls
    assert call.args["distance"] == "marathon"
    assert (call.args["since"], call.args["until"]) == ("2024-11-01", "2024-11-30")
    first = reply.text.splitlines()[0]
    assert first.startswith(f"Your run on {_day(_local_day(race))} (“{escape(race['name'])}”): ")
    assert f"{race['distance'] / 1000:.2f} km in {_time_said(race)}" in first
    assert "Total distance" not in reply.text  # one run: its details, not totals


# --- filters -----------------------------------------------------------------------------------


def test_races_in_2025_are_the_ones_strava_marks(world: World) -> None:
    races = [
        i
        for i in world.raw
        if i["start_date"].startswith("2025-")
        and ((i["type"] == "Run" and i.get("workout_type") == 1) or i.get("workout_type") == 11)
    ]
    args = extract(SPEC, normalise("list my races in 2025"), "", LATE).args
    assert args == {"since": "2025-01-01", "until": "2025-12-31", "race": True}

    result = list_activities(_ctx(world, world.ann), **args)

    assert result.fact("count").value == len(races)  # type: ignore[union-attr]
    assert {row["name"] for row in result.data["rows"]} == {i["name"] for i in races}
    assert result.fact("total_distance").value == round(  # type: ignore[union-attr]
        sum(i["distance"] for i in races) / 1000, 2
    )


def test_runs_over_30_km_in_2025_come_with_their_details(world: World) -> None:
    long = [
        i for i in _runs(world) if i["start_date"].startswith("2025-") and i["distance"] >= 30000
    ]
    assert 1 <= len(long) <= 3  # few enough for details

    reply = Coach(world.db, world.settings, today=LATE).turn(
        world.ann, "show me my runs over 30 km in 2025"
    )

    [call] = reply.tool_calls
    assert call.args["min_km"] == 30.0
    result = reply.results[0]
    assert result.fact("count").value == len(long)  # type: ignore[union-attr]
    for item in sorted(long, key=lambda i: i["start_date"], reverse=True):
        assert f"{_day(_local_day(item))} (“{escape(item['name'])}”)" in reply.text
        assert f"in {_time_said(item)}, {_pace(item['moving_time'], item['distance'])} /km" in (
            reply.text
        )


def test_longer_than_20k_counts_every_run_from_20_km(world: World) -> None:
    args = extract(SPEC, normalise("runs longer than 20k"), "", LATE).args
    assert args == {"sport": "run", "min_km": 20.0}
    result = list_activities(_ctx(world, world.ann), **args)
    assert result.fact("count").value == sum(  # type: ignore[union-attr]
        i["distance"] >= 20000 for i in _runs(world)
    )
    assert "distance" not in args  # a minimum, not a race distance


def test_a_distance_counts_runs_from_1_percent_short_to_3_percent_long(world: World) -> None:
    for name, km in (("5k", 5.0), ("10 mile", 10 * MILE), ("half marathon", 21.0975)):
        result = list_activities(_ctx(world, world.ann), distance=name, limit=1000)
        assert result.fact("count").value == len(_band(_runs(world), km)), name  # type: ignore[union-attr]
    assert not list_activities(_ctx(world, world.ann), distance="a long way").ok


# --- details of a few activities ---------------------------------------------------------------


def test_the_heart_rate_of_the_long_run_on_4_october_2025(world: World) -> None:
    [run] = [i for i in _runs(world) if i["start_date_local"].startswith("2025-10-04")]

    reply = Coach(world.db, world.settings, today=LATE).turn(
        world.ann, "what was my average heart rate on my long run on 4 October 2025?"
    )

    first = reply.text.splitlines()[0]
    assert first == (
        f"Your run on {_day(_local_day(run))} (“{escape(run['name'])}”): "
        f"{run['distance'] / 1000:.2f} km "
        f"in {_time_said(run)}, {_pace(run['moving_time'], run['distance'])} /km, average heart "
        f"rate {round(run['average_heartrate'])} bpm (max {round(run['max_heartrate'])} bpm), "
        f"{round(run['total_elevation_gain'])} m climbing, cadence "
        f"{round(run['average_cadence'] * 2)} steps/min."
    )


def test_the_last_run_without_heart_rate_says_none_was_recorded(world: World) -> None:
    latest = max(world.series, key=lambda r: r["start_date"])
    for user, heart in ((world.bob, True), (world.cy, False)):
        result = list_activities(_ctx(world, user), sport="run", limit=1)
        verdict = result.rendered_findings("lookup")[0].verdict
        if heart:
            assert f"average heart rate {round(float(latest['average_heartrate']))} bpm" in verdict
        else:
            assert "no heart rate recorded" in verdict
        assert f"{_clock(float(latest['moving_time']))}" in verdict
        assert (result.fact("avg_hr") is None) is not heart


def test_three_runs_are_detailed_and_four_are_listed(world: World) -> None:
    three = list_activities(_ctx(world, world.ann), sport="run", limit=3)
    assert len(three.rendered_findings("lookup")) == 3
    assert three.fact("time_3") is not None and three.fact("time") is None
    four = list_activities(_ctx(world, world.ann), sport="run", limit=4)
    assert not four.findings and "detailed" not in four.data


# --- reading the message -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("what's my fastest 10K race?", {"order": "fastest", "distance": "10K", "race": True}),
        ("fastest half marathon", {"order": "fastest", "distance": "half marathon"}),
        ("my half pb", {"order": "fastest", "distance": "half marathon"}),
        ("my 5k personal best", {"order": "fastest", "distance": "5K"}),
        ("best 10 mile race time", {"order": "fastest", "distance": "10 mile", "race": True}),
        ("list my races", {"race": True}),
        ("runs over 30 km", {"sport": "run", "min_km": 30.0}),
        ("runs of 10 miles or more", {"sport": "run", "min_km": round(10 * MILE, 2)}),
        ("anything longer than a half marathon", {"min_km": 21.1}),
        ("my marathon training runs", {"sport": "run"}),
        ("runs at race pace", {"sport": "run"}),
        ("how many km did i run in the first half of the year", {"sport": "run"}),
        ("my last 5 runs", {"sport": "run", "limit": 5}),
    ],
)
def test_distances_races_and_minimums_are_read_from_the_message(
    message: str, expected: dict[str, Any]
) -> None:
    args = extract(SPEC, normalise(message), message, LATE).args
    args = {k: v for k, v in args.items() if k not in ("since", "until")}
    assert args == expected
