"""Training plans on real data: the 908-run series imported into a real SQLite database (Bob of
:mod:`tests.worlds`), each rule checked independently of the planner, from the raw CSV."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from storage.models import TrainingPlan, WellnessEntry
from storage.wellness import save_entry
from tests.conftest import SHARED_DATA
from tests.worlds import World
from tools.checkin.answers import read
from tools.checkin.tool import week_of
from tools.context import ToolContext
from tools.plans import ics
from tools.plans.build import build_plan
from tools.plans.tool import plan_for_cli, plan_training, read_race_day, read_weekdays
from tools.registry import TOOLS

LAST_DAY = date(2025, 10, 19)
SERIES = SHARED_DATA / "activity_files/series/dblock_runs_summary_2017-2025.csv"
RUN_TYPES = {"easy", "long", "tempo", "intervals"}


@pytest.fixture(autouse=True)
def no_stored_plans(history_world: World):
    """Plans are stored when made: each test leaves none for the others sharing the world."""
    yield
    with history_world.db.session() as session:
        session.execute(delete(TrainingPlan))


@pytest.fixture(scope="module")
def raw_runs() -> list[tuple[date, float]]:
    """The series' runs as (day, km), straight from the CSV: each row gives its UTC day, then
    its local day."""
    out = []
    for row in csv.DictReader(SERIES.open()):
        km = float(row["distance"]) / 1000
        for field in ("start_date", "start_date_local"):
            out.append((datetime.fromisoformat(row[field].replace("Z", "")).date(), km))
    return out


def ctx_on(world: World, day: date, user=None) -> ToolContext:
    ctx = world.ctx(user or world.bob)
    ctx.today = day
    return ctx


def _sessions(result) -> list[dict]:
    return result.data["plan"]["sessions"]


def _longest_30(runs: list[tuple[date, float]], day: date) -> float:
    return max((km for d, km in runs if day - timedelta(days=30) <= d < day), default=0.0)


@pytest.mark.parametrize("day", [LAST_DAY, date(2024, 5, 12), date(2023, 9, 3)])
def test_no_planned_run_is_over_10_percent_longer_than_the_longest_of_the_30_days_before(
    history_world: World, raw_runs: list[tuple[date, float]], day: date
) -> None:
    result = plan_training(ctx_on(history_world, day), weeks=6)
    assert result.ok, result.message
    local = [(d, km) for d, km in raw_runs[1::2] if d <= day]  # each run on its local day
    planned: list[tuple[date, float]] = []
    runs = [s for s in _sessions(result) if s["type"] in RUN_TYPES]
    assert runs, "a plan with no runs"
    for s in runs:
        run_day = date.fromisoformat(s["day"])
        longest = _longest_30(local + planned, run_day)
        assert s["km"] <= 1.10 * longest + 0.05, (s, longest)
        planned.append((run_day, s["km"]))
    assert result.fact("rule_violations").value == 0
    assert "Frandsen et al. 2025" in " ".join(result.data["plan"]["notes"])


def test_weekly_km_keep_the_ramp_limit_and_a_4_week_plan_has_a_lighter_week(
    history_world: World, raw_runs: list[tuple[date, float]]
) -> None:
    result = plan_training(ctx_on(history_world, LAST_DAY), weeks=4)
    assert result.ok
    weeks = result.data["plan"]["weeks"]
    assert len(weeks) == 4
    local = [(d, km) for d, km in raw_runs[1::2] if d <= LAST_DAY]
    done = list(local)
    kms = []
    for week in weeks:
        start = week["start"]
        before = [
            sum(
                km
                for d, km in done
                if start - timedelta(7 * (i + 1)) <= d < start - timedelta(7 * i)
            )
            for i in range(4)
        ]
        km = sum(s["km"] for s in week["sessions"] if s["type"] in RUN_TYPES)
        assert km <= 1.10 * sum(before) / 4 + 0.1, (week["start"], km, before)
        done += [(s["day"], s["km"]) for s in week["sessions"] if s["type"] in RUN_TYPES]
        kms.append(km)
    assert [w["kind"] for w in weeks].count("lighter") == 1
    light = next(i for i, w in enumerate(weeks) if w["kind"] == "lighter")
    assert kms[light] < 0.85 * max(kms[:light]), kms
    assert "not a proven threshold" in " ".join(result.data["plan"]["notes"])


def test_a_race_gets_a_two_week_taper_that_keeps_intensity(history_world: World) -> None:
    result = plan_training(
        ctx_on(history_world, LAST_DAY), race_date="2025-12-14", race="half marathon"
    )
    assert result.ok
    plan = result.data["plan"]
    weeks = plan["weeks"]
    race = [s for s in plan["sessions"] if s["type"] == "race"]
    assert [s["day"] for s in race] == ["2025-12-14"] and race[0]["km"] == 21.1

    def km(week: dict) -> float:
        return sum(s["km"] for s in week["sessions"] if s["type"] in RUN_TYPES)

    peak = max(km(w) for w in weeks if w["kind"] == "build")
    taper, race_week = weeks[-2], weeks[-1]
    assert taper["kind"] == "taper" and race_week["kind"] == "race"
    assert 0.40 * peak <= km(taper) <= 0.65 * peak  # 41-60 % less over the two weeks
    assert km(race_week) <= 0.5 * peak
    assert str(taper["end"]) == "2025-12-07"
    for week in (taper, race_week):  # intensity kept
        assert {"tempo", "intervals"} & {s["type"] for s in week["sessions"]}
    assert "Bosquet et al. 2007" in " ".join(plan["notes"])


def test_the_plan_as_a_calendar_has_one_event_per_session(
    history_world: World, tmp_path: Path
) -> None:
    result, plan = plan_for_cli(ctx_on(history_world, LAST_DAY), weeks=2)
    assert plan is not None
    path = ics.write_ics(plan, tmp_path / "plan.ics")
    text = path.read_bytes().decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    try:
        import icalendar
    except ImportError:
        icalendar = None
    if icalendar is not None:
        events = icalendar.Calendar.from_ical(text).walk("VEVENT")
        assert len(events) == len(plan.sessions)
    assert text.count("BEGIN:VEVENT") == len(plan.sessions) == len(_sessions(result)) == 14
    assert "DTSTART;VALUE=DATE:20251020" in text


def test_pain_to_get_assessed_in_the_latest_checkin_blocks_the_plan(history_world: World) -> None:
    bob = history_world.bob
    answer = read("pain", "my left knee hurts when I run")
    assert answer is not None and answer.level == "assess"
    week = week_of(LAST_DAY).isoformat()
    with history_world.db.session() as session:
        save_entry(session, bob, bob.id, week, answers={"pain": answer.to_dict()}, status="done")
    try:
        blocked = plan_training(ctx_on(history_world, LAST_DAY))
        assert not blocked.ok and "knee" in blocked.message and "assessed" in blocked.message
        assert blocked.data["blocked_by"] == "pain"
        # a check-in long ago says nothing of today
        assert plan_training(ctx_on(history_world, LAST_DAY + timedelta(days=60))).ok
    finally:
        with history_world.db.session() as session:
            entry = session.query(WellnessEntry).filter_by(user_id=bob.id, week=week).one()
            session.delete(entry)
    assert plan_training(ctx_on(history_world, LAST_DAY)).ok


def test_old_data_starts_from_a_reduced_base_and_says_so(history_world: World) -> None:
    result = plan_training(ctx_on(history_world, LAST_DAY + timedelta(days=70)), weeks=3)
    assert result.ok and result.fact("rule_violations").value == 0
    notes = " ".join(result.data["plan"]["notes"])
    assert "2025-10-19" in notes and "reduced base" in notes
    recent = plan_training(ctx_on(history_world, LAST_DAY), weeks=1)
    assert result.fact("week_1_km").value < 0.6 * recent.fact("week_1_km").value


def test_days_and_readers() -> None:
    assert read_weekdays("not thursdays") == {3}
    assert read_race_day("12 April", date(2025, 10, 19)) == date(2026, 4, 12)
    spec = TOOLS["plan_training"]
    assert spec.readers["not_on"]("I can run 4 days a week, not Thursdays") == "thursday"
    assert spec.readers["days_per_week"]("I can run 4 days a week, not Thursdays") == 4
    assert spec.readers["race"]("build me a plan for a half marathon on 12 April") == (
        "half marathon"
    )
    runs = [(date(2025, 9, 1) + timedelta(days=i), 8.0) for i in range(0, 40, 2)]
    plan = build_plan(runs, date(2025, 10, 10), weeks=2, days_per_week=4, avoid={3})
    days = [s for s in plan.sessions if s.is_run]
    assert len(days) == 8 and all(s.day.weekday() != 3 for s in days)


def test_coachg_plan_show_and_export(
    history_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from ui.cli import main

    monkeypatch.setenv("COACHG_DATABASE_URL", history_world.db.url)
    monkeypatch.setenv("COACHG_HOME", str(tmp_path / "home"))
    target = tmp_path / "out.ics"
    assert main(["--user", "bob", "plan", "export", "--ics", str(target), "--weeks", "2"]) == 0
    text = target.read_bytes().decode()
    said = capsys.readouterr().out
    assert f"Wrote {text.count('BEGIN:VEVENT')} sessions" in said
    assert main(["--user", "bob", "plan", "show"]) == 0
    shown = capsys.readouterr().out
    # today the series is long over: the plan says so and starts from a reduced base
    assert "**Week 1**" in shown and "reduced base" in shown and "Frandsen" in shown
    assert "easy running only" in shown and "Tempo" not in shown.split("**Week 2**")[0]


@pytest.mark.parametrize("gap_days, easy_weeks", [(60, 1), (400, 2)])
def test_after_a_break_the_first_weeks_are_easy_and_small(
    raw_runs: list[tuple[date, float]], gap_days: int, easy_weeks: int
) -> None:
    """After two months off the first week is easy running only, from half the base; after
    more than three months, two weeks, from a base of at most 20 km a week and runs of at
    most 8 km; in every week no easy run is longer than the long run."""
    runs = sorted(set(raw_runs))
    plan = build_plan(runs, LAST_DAY + timedelta(days=gap_days), weeks=4, days_per_week=3)
    weeks = plan.weeks
    for week in weeks[:easy_weeks]:
        assert {s.type for s in week.sessions if s.is_run} <= {"easy", "long"}
    assert any(s.type in ("tempo", "intervals") for w in weeks[easy_weeks:] for s in w.sessions)
    if gap_days > 90:
        assert plan.base_km <= 20.0 and plan.base_long_km <= 8.0
        assert max(s.km for s in weeks[0].sessions if s.is_run) <= 8.0 * 1.1
    for week in weeks:
        long_km = max((s.km for s in week.sessions if s.type == "long"), default=None)
        if long_km is not None:
            assert all(s.km <= long_km for s in week.sessions if s.type == "easy")


@pytest.mark.parametrize(
    "message, days, not_on",
    [
        ("plan my next 4 weeks, I can only run 3 days", 3, None),
        ("plan my next week then, 5 days", 5, None),
        ("make me a plan for my race in 5 days", None, None),
        ("a plan please, I took 2 days off", None, None),
        ("4 runs a week, not on thursdays", 4, "thursday"),
    ],
)
def test_a_plan_request_reads_running_days_and_days_off(
    message: str, days: int | None, not_on: str | None
) -> None:
    from agent.extractors import extract
    from agent.reading import normalise
    from tools.registry import get_tool

    args = extract(get_tool("plan_training"), normalise(message), message, date(2026, 12, 7)).args
    assert args.get("days_per_week") == days
    assert args.get("not_on") == not_on
