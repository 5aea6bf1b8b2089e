"""Training load and change detection on real histories: one athlete's 1132 Strava activities
(from the recorded API pages, through the real converter), and a Strava bulk export whose rows
come without activity files (the real 908-run series written as an ``activities.csv``, imported
through the real importer). Expected values are computed here from the raw files, independently
of the code under test.
"""

from __future__ import annotations

import base64
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.io
import pytest

from agent.coach import Coach
from storage.access import AccessDenied
from storage.activities import NewActivity, add_activity
from storage.users import create_user
from tests.worlds import World, write_summary_export
from tools.importing.importer import import_paths
from tools.trends.changes import detect_changes, read_since
from tools.trends.history import history
from tools.trends.load import SPIKE_RATIO
from tools.trends.metrics import local_date
from tools.trends.training_load import NO_ACTIVITIES, load_report, training_load

UNTIL = "2025-10-01"


@pytest.fixture
def world(history_world: World) -> World:
    return history_world


def _local_day(item: dict[str, Any]) -> date:
    return date.fromisoformat(item["start_date_local"][:10])


def test_form_is_fitness_minus_fatigue_and_week_km_matches_the_raw_pages(world: World) -> None:
    result = training_load(world.ctx(world.ann), until=UNTIL)

    assert result.ok, result.message
    fitness, fatigue = result.fact("fitness").value, result.fact("fatigue").value
    assert abs(result.fact("form").value - (fitness - fatigue)) <= 0.11
    end = date.fromisoformat(UNTIL)
    expected_km = sum(
        item["distance"] / 1000
        for item in world.raw
        if item["sport_type"] in ("Run", "TrailRun", "VirtualRun", "Walk", "Hike")
        and end - timedelta(days=6) <= _local_day(item) <= end
    )
    assert result.fact("past_week_running").value == pytest.approx(expected_km, abs=0.06)
    assert result.data["as_of"] == UNTIL
    assert result.data["methods"]["hr"] > 900
    assert "Banister" in " ".join(result.reasons)
    assert "resting heart rate assumed" in " ".join(result.reasons)


def test_fitness_and_fatigue_are_the_exponential_averages_of_daily_load(world: World) -> None:
    report = load_report(world.ctx(world.ann), date.fromisoformat(UNTIL))
    loads = report.days["load"].to_numpy()
    fitness = fatigue = 0.0  # from zero the day before the first session
    for load in loads:
        fitness += (load - fitness) / 42
        fatigue += (load - fatigue) / 7
    assert report.days["fitness"].iloc[-1] == pytest.approx(fitness, rel=1e-9)
    assert report.days["fatigue"].iloc[-1] == pytest.approx(fatigue, rel=1e-9)


def test_a_session_load_is_banister_trimp_scaled_to_an_hour_at_threshold(world: World) -> None:
    report = load_report(world.ctx(world.ann), date.fromisoformat(UNTIL))
    th = report.sessions.thresholds
    item = next(
        i
        for i in world.raw
        if i.get("average_heartrate")
        and i["moving_time"] > 1800
        and _local_day(i) <= date.fromisoformat(UNTIL)
    )
    rest, top, thr = th.resting_hr.value, th.max_hr.value, th.threshold_hr.value

    def trimp_per_minute(hr: float) -> float:  # Banister, the mean of the two weightings
        x = (hr - rest) / (top - rest)
        return x * (0.64 * math.exp(1.92 * x) + 0.86 * math.exp(1.67 * x)) / 2

    expected = (
        trimp_per_minute(item["average_heartrate"])
        * item["moving_time"]
        / 60
        / (60 * trimp_per_minute(thr))
        * 100
    )
    frame = report.sessions.frame
    row = frame[frame["name"] == item["name"]]
    row = row[row["start_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ") == item["start_date"]]
    assert row["method"].item() == "hr"
    assert row["load"].item() == pytest.approx(expected, rel=1e-6)


def test_max_heart_rate_estimate_is_the_second_highest_recent_peak(world: World) -> None:
    report = load_report(world.ctx(world.ann), date.fromisoformat(UNTIL))
    year_ago = date.fromisoformat(UNTIL) - timedelta(days=365)
    peaks = sorted(
        (
            i["max_heartrate"]
            for i in world.raw
            if i.get("max_heartrate")
            and i["sport_type"] in ("Run", "TrailRun", "Walk", "Hike")
            and year_ago <= _local_day(i) <= date.fromisoformat(UNTIL)
            and 120 < i["max_heartrate"] < 230
        ),
        reverse=True,
    )
    assert report.sessions.thresholds.max_hr.value == peaks[1]
    assert report.sessions.thresholds.max_hr.source == "estimated"


def test_spikes_follow_frandsens_rule_on_the_raw_runs(world: World) -> None:
    report = load_report(world.ctx(world.ann), date.fromisoformat(UNTIL))
    runs = sorted(
        (i for i in world.raw if i["sport_type"] == "Run" and i["distance"] > 0),
        key=lambda i: i["start_date"],
    )
    expected = set()
    for index, run in enumerate(runs):
        start = datetime.fromisoformat(run["start_date"].replace("Z", "+00:00"))
        before = [
            r["distance"]
            for r in runs[:index]
            if start - timedelta(days=30)
            <= datetime.fromisoformat(r["start_date"].replace("Z", "+00:00"))
            < start
        ]
        spike = before and run["distance"] > SPIKE_RATIO * max(before)
        if spike and _local_day(run) <= date.fromisoformat(UNTIL):
            expected.add(_local_day(run).isoformat())
    found = {s.date.date().isoformat() for s in report.spikes}
    assert len(report.spikes) == len(expected) > 10
    assert found == expected


def test_the_reply_cites_frandsen_in_careful_words(world: World) -> None:
    ctx = world.ctx(world.ann)
    report = load_report(ctx, date.fromisoformat(UNTIL))
    last = report.spikes[-1]
    result = training_load(ctx, until=(last.date.date() + timedelta(days=2)).isoformat())
    text = Coach(world.db, world.settings).turn(world.ann, "am I overtraining?").text
    assert result.data["spike_notes"]
    note = result.data["spike_notes"][-1]
    assert "Frandsen et al. 2025" in note and "not a diagnosis" in note
    assert f"{last.distance_km:.1f} km" in note
    # today (long after the last session) the figures are given as of that session, and said
    latest = max(date.fromisoformat(a["start_date_local"][:10]) for a in world.raw)
    assert f"latest session is {latest.day} {latest:%b %Y}" in text


def test_an_export_without_files_gives_load_trends_and_changes(world: World) -> None:
    ctx = world.ctx(world.bob)
    frame = history(ctx)
    assert len(frame) == len(world.series)
    assert set(frame["source"]) == {"summary"}

    result = training_load(ctx, until=UNTIL)
    assert result.ok and result.data["methods"].get("hr", 0) > 0
    assert "heart rate (Banister TRIMP)" in " ".join(result.reasons)

    changes = detect_changes(ctx, "cadence")
    assert changes.ok, changes.message
    cadence_runs = sum(
        1
        for r in world.series
        if r["average_cadence"] and float(r["moving_time"]) >= 600 and float(r["distance"]) > 0
    )
    assert changes.fact("runs_compared").value == cadence_runs
    assert "moved to your usual pace" in " ".join(changes.reasons)
    for change in changes.data["changes"]:
        assert changes.data["first"] <= change["date"] <= changes.data["last"]
        assert change["ci_low"] <= change["size"] <= change["ci_high"]


def test_without_heart_rate_load_comes_from_pace_and_says_so(world: World) -> None:
    result = training_load(world.ctx(world.cy), until=UNTIL)

    assert result.ok
    assert "hr" not in result.data["methods"]
    assert result.data["methods"]["pace"] > 800
    assert "pace against your threshold pace" in " ".join(result.reasons)
    assert "threshold pace" in " ".join(result.reasons)
    assert result.confidence < 0.8
    hr = detect_changes(world.ctx(world.cy), "heart rate")
    assert not hr.ok and hr.message.startswith("Not enough data to tell a change: I have 0 runs")


def test_reimporting_the_export_changes_nothing(world: World, tmp_path: Path) -> None:
    from tests.conftest import SHARED_DATA

    before = training_load(world.ctx(world.bob), until=UNTIL)
    again = import_paths(world.ctx(world.bob), [write_summary_export(SHARED_DATA, tmp_path)])
    after = training_load(world.ctx(world.bob), until=UNTIL)

    assert again.imported == 0
    assert [f.value for f in after.facts] == [f.value for f in before.facts]


def test_cadence_that_follows_speed_is_not_a_change_of_form(world: World) -> None:
    """A slow block of runs lowers cadence along the runner's own speed-cadence line; compared at
    the usual pace, there is no change. A real step in cadence at the same speed is found."""
    from storage.users import create_user as make

    rng = np.random.default_rng(7)
    with world.db.session() as session:
        eve = make(session, "eve", password="eve-pass-11")
        fay = make(session, "fay", password="fay-pass-11")
        start = datetime(2025, 1, 1, 7, tzinfo=UTC)
        for i in range(90):
            slow = 30 <= i < 60
            speed = (2.6 if slow else 3.2) + rng.normal(0, 0.05)
            cadence = 160 + 12 * (speed - 3.0) + rng.normal(0, 1.0)
            stepped = cadence + (6.0 if i >= 45 else 0.0)
            for user, value in ((eve, cadence), (fay, stepped)):
                add_activity(
                    session,
                    user,
                    user.id,
                    NewActivity(
                        source="test",
                        source_id=str(i),
                        sport="run",
                        start_time=start + timedelta(days=2 * i),
                        distance_m=speed * 2400,
                        moving_time_s=2400,
                        avg_cadence_spm=value,
                    ),
                )
    plain = detect_changes(world.ctx(eve), "cadence")
    stepped = detect_changes(world.ctx(fay), "cadence")

    assert plain.ok and plain.data["changes"] == []
    detectable = plain.fact("smallest_detectable_change").value
    # never below what would be told (the smallest worthwhile change), and still small
    assert detectable >= plain.fact("smallest_worthwhile_change").value
    assert detectable < 3.5
    assert stepped.ok and len(stepped.data["changes"]) >= 1
    found = stepped.data["changes"][0]
    assert abs(date.fromisoformat(found["date"]) - date(2025, 1, 1) - timedelta(days=90)) <= (
        timedelta(days=6)
    )
    assert found["ci_low"] <= 6.0 <= found["ci_high"] + 1.0


def test_one_activity_and_none_give_clear_answers(world: World) -> None:
    from tests.conftest import SHARED_DATA

    with world.db.session() as session:
        gil = create_user(session, "gil", password="gil-pass-11")
        hal = create_user(session, "hal", password="hal-pass-11")
    fit = SHARED_DATA / "activity_files/fit/fitparse__garmin-fenix-5-run.fit"
    assert import_paths(world.ctx(gil), [fit]).imported == 1

    one = training_load(world.ctx(gil))
    assert one.ok and one.confidence <= 0.4
    assert "fitness needs about six weeks" in " ".join(one.reasons)
    few = detect_changes(world.ctx(gil), "cadence")
    assert not few.ok and few.data["count"] <= 1 and "at least 10" in few.message
    none = training_load(world.ctx(hal))
    assert not none.ok and none.message == NO_ACTIVITIES
    assert not detect_changes(world.ctx(hal), "pace").ok
    unknown = detect_changes(world.ctx(gil), "happiness")
    assert not unknown.ok and "cadence" in unknown.message


def test_since_my_marathon_starts_at_the_marathon(world: World) -> None:
    assert read_since(" has my cadence changed since my marathon? ") == "last marathon"
    result = detect_changes(world.ctx(world.ann), "cadence", "last marathon")
    marathons = [
        i
        for i in world.raw
        if i["sport_type"] == "Run"
        and 41_000 <= i["distance"] <= 43_500
        and ("marathon" in i["name"].lower() or i.get("workout_type") == 1)
    ]
    latest = max(marathons, key=lambda i: i["start_date"])
    assert result.ok
    assert result.data["since"] == latest["start_date_local"][:10]
    assert "since your marathon on" in result.data["anchor"]


def test_local_days_follow_the_activity_time_zone() -> None:
    late = datetime(2025, 3, 9, 4, 30, tzinfo=UTC)  # 23:30 the day before in New York (EST)
    assert local_date(late, "America/New_York") == date(2025, 3, 8)
    after_dst = datetime(2025, 3, 10, 3, 30, tzinfo=UTC)  # 23:30 EDT, after the clocks moved
    assert local_date(after_dst, "America/New_York") == date(2025, 3, 9)
    assert local_date(late, "UTC-05:00") == date(2025, 3, 8)
    assert local_date(late, "Not/AZone") == date(2025, 3, 9)


def test_a_coach_sees_a_roster_of_their_athletes_only(world: World) -> None:
    coach = Coach(world.db, world.settings)
    reply = coach.turn(world.cora, "who of my athletes had a load spike this week?")

    assert [c.name for c in reply.tool_calls] == ["training_load", "training_load"], reply.text
    assert sorted(reply.subject_ids) == sorted([world.ann.id, world.bob.id])
    table = reply.text.split("| Athlete |")[1]
    assert "| Ann |" in table and "| Bob |" in table and "Cy" not in table
    # the same runs, once from the API and once from an export without files, load alike
    ann, bob = (line.split("|")[3] for line in table.splitlines()[2:4])
    assert float(ann) == pytest.approx(float(bob), abs=0.5)


def test_no_one_reaches_another_athletes_load(world: World) -> None:
    with pytest.raises(AccessDenied):
        world.ctx(world.dave, world.ann)
    with pytest.raises(AccessDenied):
        world.ctx(world.bob, world.ann)
    reply = Coach(world.db, world.settings).turn(world.dave, "how is ann's training load?")
    assert not any(r.ok for r in reply.results)
    assert "Fitness" not in reply.text


def test_no_runs_in_the_period_answers_the_latest_year_with_them_instead_of_asking_to_import(
    world: World,
) -> None:
    """A month after the data ends is answered as the same month a year back, said so."""
    from tools.activities import list_activities

    runs = [i for i in world.raw if i["sport_type"] == "Run"]
    latest = max(i["start_date"][:10] for i in runs)
    october = [i for i in runs if i["start_date"][:7] == "2025-10"]
    result = list_activities(
        world.ctx(world.ann), since="2026-10-01", until="2026-10-31", sport="run"
    )

    assert result.fact("count").value == len(october) > 0
    latest_day = date.fromisoformat(latest)
    assert result.message == (
        f"You have no runs from 1 Oct to 31 Oct 2026; your latest run is "
        f"{latest_day.day} {latest_day:%b %Y}, so here is from 1 Oct to 31 Oct 2025."
    )
    assert "Import" not in result.message


def test_a_coach_asks_who_ran_the_most(world: World) -> None:
    with world.db.session() as session:
        from storage.users import create_user as make
        from storage.users import link_coach as link

        ivy = make(session, "ivy", role="coach", password="ivy-pass-11")
        link(session, ivy, world.bob)
        link(session, ivy, world.cy)
        link(session, ivy, world.ann)
    reply = Coach(world.db, world.settings, today=date(2025, 10, 20)).turn(
        ivy, "who of my athletes ran the most this month?"
    )
    october = sum(
        i["distance"] / 1000
        for i in world.raw
        if i["sport_type"] == "Run" and "2025-10-01" <= i["start_date"][:10] <= "2025-10-20"
    )
    assert sorted(reply.subject_ids) == sorted([world.ann.id, world.bob.id, world.cy.id])
    assert f"All 3 covered the same distance: {october:.1f} km." in reply.text
    assert "| Ann |" in reply.text and "| Cy |" in reply.text


def test_a_load_answer_in_the_chat_carries_its_weekly_volume_figure(world: World) -> None:
    import gradio as gr

    from ui.web_chat import reply_messages

    reply = Coach(world.db, world.settings, today=date(2025, 10, 20)).turn(
        world.ann, "km per week since august"
    )
    weeks = reply.results[0].data["weeks"]
    plots = [m["content"] for m in reply_messages(reply, world.settings.media_dir, world.ann.id)]
    plots = [p for p in plots if isinstance(p, gr.Plot)]

    assert reply.tool_calls[0].name == "training_load" and len(weeks) >= 10
    assert len(plots) == 1
    bars = plotly.io.from_json(plots[0].value["plot"]).data[0]
    km = np.frombuffer(base64.b64decode(bars.y["bdata"]), dtype=bars.y["dtype"])
    shown = dict(zip(pd.to_datetime(bars.x), km, strict=True))
    assert {pd.Timestamp(w["week"]): w["km"] for w in weeks if w["km"]} == {
        day: km for day, km in shown.items() if km
    }
