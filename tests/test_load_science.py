"""The training-load science of issue 19, on the real 908-run history (``../shared/data``,
imported through the real importer into real SQLite; Bob of :mod:`tests.worlds`): fitness and
fatigue start from zero, form is read in words that describe it (no risk zone) with the assumed
threshold that would change it named and the confidence lowered, and the weekly ramp is set
against the four weeks before it beside the single-run spikes. Every expected figure is worked
out here from the raw file and the definitions, not from the code under test.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from agent.coach import Coach
from storage.activities import NewActivity, add_activity
from storage.metrics import set_profile
from storage.users import create_user
from tests.conftest import SHARED_DATA
from tests.worlds import World, write_summary_export
from tools.importing.importer import import_paths
from tools.result import ToolResult
from tools.trends.training_load import training_load

LAST_DAY = date(2025, 10, 19)  # the series' last run
RAMP_WEEK = date(2025, 9, 8)
SERIES = "activity_files/series/dblock_runs_summary_2017-2025.csv"


@pytest.fixture(scope="module")
def runs() -> list[dict]:
    """The raw series, read straight from the file: (start, day, km) per run."""
    rows = csv.DictReader((SHARED_DATA / SERIES).open())
    out = []
    for row in rows:
        start = datetime.fromisoformat(row["start_date"].replace("Z", "+00:00"))
        out.append({"start": start, "day": start.date(), "km": float(row["distance"]) / 1000})
    return sorted(out, key=lambda r: r["start"])


def _weeks(runs: list[dict]) -> dict[date, float]:
    weeks: dict[date, float] = defaultdict(float)
    for run in runs:
        weeks[run["day"] - timedelta(days=run["day"].weekday())] += run["km"]
    return weeks


def _finding(result, topic: str):
    return next(f for f in result.rendered_findings() if f.topic == topic)


def test_one_short_jog_gives_a_fitness_from_zero_not_the_jog_itself(history_world: World) -> None:
    """A real 23-minute run of the series, alone: fitness is a 42nd of its load, not its load."""
    row = next(
        r
        for r in csv.DictReader((SHARED_DATA / SERIES).open())
        if 22 * 60 <= float(r["moving_time"]) <= 24 * 60
    )
    minutes = float(row["moving_time"]) / 60
    start = datetime.fromisoformat(row["start_date"].replace("Z", "+00:00"))
    with history_world.db.session() as session:
        jo = create_user(session, "jo-jog", password="jo-pass-111")
        add_activity(
            session,
            jo,
            jo.id,
            NewActivity(
                source="test",
                source_id=row["id"],
                sport="run",
                start_time=start,
                distance_m=float(row["distance"]),
                moving_time_s=float(row["moving_time"]),
            ),
        )
    # With no heart rate, pace threshold or effort to go on, a session's load is its minutes
    # at an assumed moderate effort (4 of 10), an hour at 7 of 10 being 100.
    load = minutes * 4 / 7 / 60 * 100
    assert load > 20  # the old code reported this as fitness ("fitness 22.1")
    day = start.date()
    result = training_load(history_world.ctx(jo), until=day.isoformat())
    assert result.ok
    fitness, fatigue = result.fact("fitness").value, result.fact("fatigue").value
    assert fitness == pytest.approx(load / 42, abs=0.051)  # 0 + (load - 0) / 42
    assert fatigue == pytest.approx(load / 7, abs=0.051)
    assert fitness < 1.0
    assert "starts from zero" in " ".join(result.reasons)
    # Ten days on, both have decayed by exactly 41/42 and 6/7 a day: Banister's constants as
    # Coggan uses them (1/42), not the 2/(N+1) of Williams et al. 2017.
    later = training_load(history_world.ctx(jo), until=(day + timedelta(days=10)).isoformat())
    banister = load / 42 * (41 / 42) ** 10
    williams = load * 2 / 43 * (1 - 2 / 43) ** 10
    assert later.fact("fitness").value == pytest.approx(banister, abs=0.051)
    assert abs(banister - williams) > 0.15  # the test tells the two apart
    # A lone jog says nothing about form or the acute:chronic ratio.
    assert result.fact("acute_chronic_ratio") is None
    assert result.data["form_band"] == "too little recent training to say"


def test_form_is_described_never_called_a_risk_zone(history_world: World) -> None:
    result = training_load(history_world.ctx(history_world.bob), until=LAST_DAY.isoformat())
    days = result.data
    fitness, fatigue = result.fact("fitness").value, result.fact("fatigue").value
    share = (fitness - fatigue) / fitness * 100
    assert result.fact("form_share").value == pytest.approx(share, abs=0.35)
    expected = "fatigue well above fitness" if share < -30 else "fatigue above fitness"
    assert days["form_band"] == expected
    read = _finding(result, "form")
    assert read.verdict.startswith(f"Your form reads {expected}")
    assert "injury risk" in " ".join(read.evidence)  # said to be what it is not
    coach = Coach(history_world.db, history_world.settings, today=LAST_DAY)
    for question in ("how fatigued am I?", "am I too tired to train hard this week?"):
        reply = coach.turn(history_world.bob, question)
        assert [c.name for c in reply.tool_calls] == ["training_load"], question
        assert "risk zone" not in reply.text.lower() and "high-risk zone" not in reply.text
        assert f"Your form reads {expected}" in reply.text
    # the reading's own words claim no risk; they say it is not a risk measure
    assert "risk" not in f"{read.verdict} {read.margin} {read.action}".lower()


def test_an_assumed_resting_heart_rate_that_flips_the_reading_is_named_and_costs_confidence(
    history_world: World, tmp_path: Path
) -> None:
    bob = training_load(history_world.ctx(history_world.bob), until=LAST_DAY.isoformat())
    read = _finding(bob, "form")
    assert "instead of the assumed 60 bpm" in read.margin
    assert "resting heart rate of 50 bpm" in read.margin
    assert read.confidence < 0.5 and bob.confidence < 0.65
    predicted = bob.fact("form_share_with_other_threshold").value
    other_words = read.margin.rsplit(" and read ", 1)[1].rstrip(".")
    assert other_words != bob.data["form_band"]
    # the reply a runner reads says so, and how sure it is in words
    coach = Coach(history_world.db, history_world.settings, today=LAST_DAY)
    reply = coach.turn(history_world.bob, "how fatigued am I?")
    assert "instead of the assumed 60 bpm" in reply.text
    assert "fairly sure" not in reply.text.lower() and "rough" in reply.text.lower()

    # The same runs, with the resting heart rate given: the estimated maximum is then the
    # assumption named; with both given, nothing plausible changes the reading and the
    # confidence rises; and at 50 bpm form reads as the reply said it would.
    with history_world.db.session() as session:
        ivy = create_user(session, "ivy-rest", password="ivy-pass-111")
    assert import_paths(
        history_world.ctx(ivy), [write_summary_export(SHARED_DATA, tmp_path)]
    ).imported == len(history_world.series)
    ctx = history_world.ctx(ivy)
    top = bob.data["thresholds"]["max_hr"]  # estimated from the runs

    def with_profile(**values: float) -> ToolResult:
        with history_world.db.session() as session:
            set_profile(session, ivy, ivy.id, **values)
        return training_load(ctx, until=LAST_DAY.isoformat())

    rest_given = with_profile(resting_hr=60)
    assert rest_given.fact("form_share").value == bob.fact("form_share").value  # same loads
    margin = _finding(rest_given, "form").margin
    assert "resting" not in margin
    assert f"instead of the estimated {top:.0f} bpm" in margin  # the maximum is named now
    both = with_profile(resting_hr=60, max_hr=top)
    assert both.fact("form_share").value == bob.fact("form_share").value
    assert both.confidence > bob.confidence and _finding(both, "form").confidence > 0.5
    assert "don't change how it reads" in _finding(both, "form").margin
    fifty = with_profile(resting_hr=50, max_hr=top)
    assert fifty.data["form_band"] == other_words
    assert fifty.fact("form_share").value == pytest.approx(predicted, abs=0.051)


def test_the_ramp_of_the_week_of_8_sep_2025_is_against_the_four_weeks_before(
    history_world: World, runs: list[dict]
) -> None:
    weeks = _weeks(runs)
    this = weeks[RAMP_WEEK]
    four = [weeks.get(RAMP_WEEK - timedelta(weeks=n), 0.0) for n in range(1, 5)]
    average = sum(four) / 4
    ramp = (this / average - 1) * 100
    result = training_load(history_world.ctx(history_world.bob), until=LAST_DAY.isoformat())
    jump = _finding(result, "weekly_jump")

    assert result.fact("jump_week").value == "8 Sep 2025"
    assert result.fact("jump_to").value == pytest.approx(this, abs=0.051)
    assert result.fact("jump_from").value == pytest.approx(four[0], abs=0.051)
    assert result.fact("four_weeks_before").value == pytest.approx(average, abs=0.051)
    assert result.fact("ramp_rise").value == round(ramp)
    assert f"+{round(ramp)} % on the average of the four weeks before it" in jump.verdict
    assert f"{average:.1f} km a week" in " ".join(jump.evidence)
    # beside it, run by run: the single-run spikes of that week (Frandsen's rule)
    spikes = []
    for run in runs:
        if not RAMP_WEEK <= run["day"] < RAMP_WEEK + timedelta(days=7):
            continue
        before = [r["km"] for r in runs if run["start"] - timedelta(days=30) <= r["start"]
                  < run["start"]]  # fmt: skip
        if before and run["km"] > 1.1 * max(before):
            spikes.append((run["km"] / max(before) - 1) * 100)
    assert result.fact("jump_week_spikes").value == len(spikes) >= 1
    assert result.fact("jump_week_spike_rise").value == round(max(spikes))
    # the sources in words no stronger than the studies'
    assert "not statistically certain" in jump.source
    assert "fewer overuse injuries, not more" in jump.source
    assert "1.64" not in jump.source  # the spike's ratios stay with the spike finding
    spike_source = _finding(result, "spike").source
    assert "grew" not in spike_source and "1.64" in spike_source and "1.52" in spike_source


def test_the_long_run_is_set_against_its_week_and_the_30_days_before(
    history_world: World, runs: list[dict]
) -> None:
    recent = [r for r in runs if LAST_DAY - timedelta(days=14) < r["day"] <= LAST_DAY]
    longest = max(recent, key=lambda r: r["km"])
    monday = longest["day"] - timedelta(days=longest["day"].weekday())
    week = sum(r["km"] for r in runs if monday <= r["day"] < monday + timedelta(days=7))
    month = max(
        r["km"]
        for r in runs
        if longest["start"] - timedelta(days=30) <= r["start"] < longest["start"]
    )
    result = training_load(history_world.ctx(history_world.bob), until=LAST_DAY.isoformat())

    assert result.fact("long_run").value == pytest.approx(longest["km"], abs=0.051)
    assert result.fact("long_run_week").value == pytest.approx(week, abs=0.051)
    assert result.fact("long_run_share_of_week").value == round(100 * longest["km"] / week)
    assert result.fact("longest_30_days_before").value == pytest.approx(month, abs=0.051)
    verdict = _finding(result, "long_run").verdict
    assert verdict.startswith("Yes" if longest["km"] > 1.1 * month else "No")


def test_the_ramp_rule_is_the_four_week_average_not_the_week_before(
    history_world: World,
) -> None:
    """Ten steady 40 km weeks, a 30 km week, then 42 km: +40 % on the week before, but only
    +12 % on the average of the four weeks before, so no jump."""
    with history_world.db.session() as session:
        kit = create_user(session, "kit-ramp", password="kit-pass-111")
        start = datetime(2025, 1, 6, 7, tzinfo=UTC)  # a Monday
        plan = [40.0] * 10 + [30.0, 42.0]
        for week, km in enumerate(plan):
            for i in range(4):
                add_activity(
                    session,
                    kit,
                    kit.id,
                    NewActivity(
                        source="test",
                        source_id=f"{week}-{i}",
                        sport="run",
                        start_time=start + timedelta(weeks=week, days=i * 2),
                        distance_m=km / 4 * 1000,
                        moving_time_s=km / 4 * 330,
                    ),
                )
    last = (start + timedelta(weeks=len(plan) - 1, days=6)).date()
    steady = training_load(history_world.ctx(kit), until=last.isoformat())
    jump = _finding(steady, "weekly_jump")
    four = (40 * 3 + 30) / 4
    assert jump.verdict.startswith("No big jump")
    assert steady.fact("largest_weekly_rise").value == round((42 / four - 1) * 100)
    assert math.isclose(42 / 30, 1.4)  # what a week-on-week rule would have flagged
