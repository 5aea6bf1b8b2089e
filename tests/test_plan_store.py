"""Stored plans, changed in chat, planned against done, and FIT workouts: on the real 908-run
series (Bob of :mod:`tests.worlds`) in a real SQLite database, every check made from the raw
CSV or by decoding the written files, not by asking the code that made them."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import fitdecode
import pytest
from sqlalchemy import delete

from storage.access import AccessDenied
from storage.models import TrainingPlan, WellnessEntry
from storage.plans import current_plan
from storage.wellness import save_entry
from tests.conftest import SHARED_DATA
from tests.worlds import World
from tools.checkin.answers import read
from tools.checkin.tool import week_in_numbers
from tools.context import ToolContext
from tools.plans import fit
from tools.plans.compliance import week_against_plan
from tools.plans.edit_tool import edit_flow, edit_plan
from tools.plans.model import HARD, plan_from_data
from tools.plans.store import stored_plan
from tools.plans.tool import plan_training
from tools.registry import TOOLS
from tools.trends.training_load import training_load
from tools.words import week_of

SERIES = SHARED_DATA / "activity_files/series/dblock_runs_summary_2017-2025.csv"
RUNS = {"easy", "long", "tempo", "intervals"}
#: A Sunday near the series' end, and the Wednesday after (mid-week, for edits of "this week").
SUNDAY = date(2025, 9, 28)
WEDNESDAY = SUNDAY + timedelta(days=3)


@pytest.fixture(autouse=True)
def no_stored_plans(history_world: World):
    """Each test starts and ends with no stored plan (the world is shared by the session)."""
    with history_world.db.session() as session:
        session.execute(delete(TrainingPlan))
    yield
    with history_world.db.session() as session:
        session.execute(delete(TrainingPlan))


@pytest.fixture(scope="module")
def local_runs() -> dict[date, float]:
    """The series' km per local day, straight from the CSV."""
    out: dict[date, float] = {}
    for row in csv.DictReader(SERIES.open()):
        day = datetime.fromisoformat(row["start_date_local"].replace("Z", "")).date()
        out[day] = out.get(day, 0.0) + float(row["distance"]) / 1000
    return out


def ctx_on(world: World, day: date, actor=None, athlete=None) -> ToolContext:
    ctx = world.ctx(actor or world.bob, athlete)
    ctx.today = day
    return ctx


def _confirm(ctx: ToolContext, message: str, answer: str = "yes"):
    step = edit_flow(ctx, {}, message)
    assert step.confirming and "Shall I" in step.ask, step.ask or step.result.message
    return step, edit_flow(ctx, step.data, answer)


def test_a_plan_is_stored_and_shown_again_until_a_new_one_is_asked_for(
    history_world: World,
) -> None:
    ctx = ctx_on(history_world, SUNDAY)
    made = plan_training(ctx, weeks=3)
    assert made.ok and made.data["stored_id"]
    again = plan_training(ctx)  # "plan my week" again: the current plan, not a new one
    assert again.data["stored_id"] == made.data["stored_id"]
    assert "current plan" in again.message
    assert len(again.data["plan"]["weeks"]) == 3
    fresh = plan_training(ctx, fresh=True)
    assert fresh.data["stored_id"] != made.data["stored_id"]
    assert len(fresh.data["plan"]["weeks"]) == 1
    assert TOOLS["plan_training"].readers["fresh"]("make me a new plan") is True
    assert TOOLS["plan_training"].readers["fresh"]("plan my week") is None
    # a plan that is over is not shown as current
    later = plan_training(ctx_on(history_world, SUNDAY + timedelta(days=30)))
    assert later.data["stored_id"] != fresh.data["stored_id"]


def test_a_coachs_plan_is_the_athletes_to_see_and_nobody_elses(history_world: World) -> None:
    w = history_world
    made = plan_training(ctx_on(w, SUNDAY, w.cora, w.bob), weeks=2)
    assert made.ok, made.message
    seen = stored_plan(ctx_on(w, SUNDAY))  # Bob's own view
    assert seen is not None and seen.by_coach and seen.author == "Cora"
    assert seen.id == made.data["stored_id"]
    shown = plan_training(ctx_on(w, SUNDAY))
    assert "by Cora" in shown.message
    for stranger in (w.dave, w.ann):  # a coach not his, another athlete
        with w.db.session() as session, pytest.raises(AccessDenied):
            current_plan(session, stranger, w.bob.id)


def test_moving_a_run_shows_the_change_asks_and_writes_only_on_yes(history_world: World) -> None:
    ctx = ctx_on(history_world, WEDNESDAY - timedelta(days=3))
    plan = plan_from_data(plan_training(ctx, weeks=2).data["plan"])
    first = plan.weeks[0]
    # an easy run of the first week with a rest day after it
    run_day = next(
        s.day
        for s in first.sessions
        if s.type == "easy"
        and s.day < first.end
        and plan.session_on(s.day + timedelta(days=1)).type == "rest"
    )
    rest_day = run_day + timedelta(days=1)
    message = f"move {run_day:%A}'s run to {rest_day:%A}"
    step = edit_flow(ctx, {}, message)
    assert step.confirming and f"{run_day:%a %d %b}" in step.ask and "Shall I" in step.ask
    no = edit_flow(ctx, step.data, "no")
    assert "stays" in no.result.message
    unchanged = stored_plan(ctx)
    assert unchanged is not None and unchanged.plan.session_on(run_day).type == "easy"
    _, yes = _confirm(ctx, message)
    assert yes.result.ok, yes.result.message
    after = stored_plan(ctx)
    assert after.id != unchanged.id and after.change == message
    km = plan.session_on(run_day).km
    assert after.plan.session_on(rest_day).type == "easy"
    assert after.plan.session_on(rest_day).km == km
    assert after.plan.session_on(run_day).type == "rest"
    # the athlete's plan is now the changed one
    assert plan_training(ctx).data["stored_id"] == after.id
    # a yes to a change shown before the plan changed again writes nothing
    stale = edit_flow(ctx, {}, f"move {rest_day:%A}'s run to {run_day:%A}")
    plan_training(ctx, weeks=1)  # a new plan meanwhile
    refused = edit_flow(ctx, stale.data, "yes").result
    assert not refused.ok and "changed since" in refused.message


def test_a_moved_long_run_next_to_a_hard_day_is_said_before_the_yes(history_world: World) -> None:
    ctx = ctx_on(history_world, SUNDAY)
    plan = plan_training(ctx, weeks=1).data["plan"]
    hard = sorted(s["day"] for s in plan["sessions"] if s["type"] in HARD)
    long_day = next(date.fromisoformat(s["day"]) for s in plan["sessions"] if s["type"] == "long")
    quality = next(date.fromisoformat(d) for d in hard if date.fromisoformat(d) != long_day)
    target = quality + timedelta(days=1)  # the day after the tempo or intervals
    assert target != long_day
    step = edit_flow(ctx, {}, f"move my long run to {target:%A}")
    assert step.confirming
    assert "Two hard days together" in step.ask and f"{target:%a %d %b}" in step.ask
    assert step.data["change"]["warnings"]


def test_a_longer_long_run_over_the_10_percent_rule_is_said(
    history_world: World, local_runs: dict[date, float]
) -> None:
    ctx = ctx_on(history_world, SUNDAY)
    plan = plan_training(ctx, weeks=1).data["plan"]
    long = next(s for s in plan["sessions"] if s["type"] == "long")
    day = date.fromisoformat(long["day"])
    longest = max(km for d, km in local_runs.items() if day - timedelta(30) <= d < day)
    wanted = round(longest * 1.25)
    step = edit_flow(ctx, {}, f"make {day:%A}'s run {wanted} km")
    assert "10 % rules" in step.ask and f"{wanted:.1f} km run over the 10 % cap" in step.ask
    shorter = edit_flow(ctx, {}, f"make {day:%A} shorter")
    assert "keeps the plan's rules" in shorter.ask
    assert f"{long['km'] * 0.8:.1f}"[:-2] in shorter.ask or f"{long['km'] * 0.8:.1f}" in shorter.ask


def test_ill_clears_the_rest_of_this_week_and_swap_exchanges_two_days(
    history_world: World,
) -> None:
    ctx = ctx_on(history_world, SUNDAY)
    plan_training(ctx, weeks=2)
    ill = ctx_on(history_world, WEDNESDAY)
    step, _ = _confirm(ill, "I'm ill, clear this week")
    assert "Get well first" in step.ask
    after = stored_plan(ill).plan
    for offset in range(0, 5):  # Wednesday to Sunday
        day = WEDNESDAY + timedelta(days=offset)
        assert all(s.type == "rest" for s in after.sessions if s.day == day), day
    before_days = [s for s in after.sessions if s.day < WEDNESDAY and s.is_run]
    assert before_days, "days already past keep their runs"
    # swap two days of next week
    monday = week_of(WEDNESDAY) + timedelta(days=7)
    tue, wed = monday + timedelta(days=1), monday + timedelta(days=2)
    was_tue, was_wed = after.session_on(tue), after.session_on(wed)
    _, swapped = _confirm(
        ill,
        "swap tuesday and wednesday next week".replace(
            "tuesday and wednesday next week", f"next {tue:%A} and {wed:%A}"
        ),
    )
    assert swapped.result.ok
    now = stored_plan(ill).plan
    assert (now.session_on(tue).type, now.session_on(tue).km) == (was_wed.type, was_wed.km)
    assert (now.session_on(wed).type, now.session_on(wed).km) == (was_tue.type, was_tue.km)


def test_edits_that_cannot_be_made_say_what_to_do(history_world: World) -> None:
    ctx = ctx_on(history_world, SUNDAY)
    nothing = edit_plan(ctx, "move Thursday's run to Friday")
    assert not nothing.ok and "plan my next week" in nothing.message
    plan_training(ctx, weeks=1)
    unclear = edit_plan(ctx, "change the plan please")
    assert not unclear.ok and "move" in unclear.message
    assert TOOLS["edit_plan"].writes and TOOLS["edit_plan"].flow is not None


def test_planned_against_done_in_the_checkin_and_the_training_load(
    history_world: World, local_runs: dict[date, float]
) -> None:
    # a plan made on a past Sunday, looked at on the Sunday after: Bob's real runs of that week
    ctx = ctx_on(history_world, SUNDAY)
    plan = plan_from_data(plan_training(ctx, weeks=1).data["plan"])
    week = plan.start
    end = ctx_on(history_world, week + timedelta(days=6))
    against = week_against_plan(end, week, week + timedelta(days=6))
    assert against is not None
    planned_runs = [s for s in plan.sessions if s.is_run]
    done = [s for s in planned_runs if s.day in local_runs]
    moved = [
        s
        for s in planned_runs
        if s.day not in local_runs
        and any(
            d in local_runs
            and all(x.type in ("rest", "strength") for x in plan.sessions if x.day == d)
            for d in (s.day - timedelta(1), s.day + timedelta(1))
        )
    ]
    strength = [s for s in plan.sessions if s.type == "strength"]
    assert against.sessions_due == len(planned_runs) + len(strength)
    assert against.sessions_done >= len(done)
    assert against.sessions_done <= len(done) + len(moved) + len(strength)
    for m in against.matches:
        if m.planned in RUNS and m.status == "done":
            assert m.done_km == pytest.approx(local_runs[m.day], abs=0.06)
            short = local_runs[m.day] < 0.8 * m.planned_km
            assert ("shorter than planned" in m.words()) == short, m.words()
        if m.planned in RUNS and m.day not in local_runs:
            assert m.status in ("missed", "moved")
    assert against.compliance_pct == round(100 * against.sessions_done / against.sessions_due)
    opening = week_in_numbers(end, week)
    assert "Plan against done" in opening["text"]
    assert opening["facts"]["plan_sessions_due"] == against.sessions_due
    load = training_load(end)
    assert load.data["planned"]["facts"]["plan_sessions_done"] == against.sessions_done
    assert "Plan against done" in TOOLS["training_load"].phrase(load)
    # a week no stored plan holds shows nothing of plans
    assert week_against_plan(end, week - timedelta(days=14), week) is None


def test_poor_sleep_in_the_latest_checkin_lightens_the_first_days(history_world: World) -> None:
    bob = history_world.bob
    week = week_of(SUNDAY).isoformat()
    answers = {"sleep": read("sleep", "slept terribly, maybe 4 hours a night").to_dict()}
    assert answers["sleep"]["score"] >= 5
    ctx = ctx_on(history_world, SUNDAY)
    plain = plan_training(ctx, weeks=1, fresh=True).data["plan"]
    with history_world.db.session() as session:
        save_entry(session, bob, bob.id, week, answers=answers, status="done")
    try:
        light = plan_training(ctx, weeks=1, fresh=True)
    finally:
        with history_world.db.session() as session:
            session.execute(delete(WellnessEntry).where(WellnessEntry.user_id == bob.id))
    assert light.ok and light.fact("rule_violations").value == 0
    notes = " ".join(light.data["plan"]["notes"])
    assert "sleep" in notes and "Hooper" in notes and "first 2 days" in notes
    first = {str(SUNDAY + timedelta(days=1)), str(SUNDAY + timedelta(days=2))}
    light_first = [s for s in light.data["plan"]["sessions"] if s["day"] in first]
    plain_first = [s for s in plain["sessions"] if s["day"] in first]
    assert not {s["type"] for s in light_first} & {"tempo", "intervals", "long"}
    assert sum(s["km"] for s in light_first) < sum(s["km"] for s in plain_first)


def test_a_long_run_builds_toward_a_half_marathon(history_world: World) -> None:
    ctx = ctx_on(history_world, date(2024, 5, 12))
    result = plan_training(ctx, race_date="2024-08-04", race="half marathon")
    assert result.ok and result.fact("rule_violations").value == 0
    plan = result.data["plan"]
    longs = [
        max((s["km"] for s in w["sessions"] if s["type"] == "long"), default=0.0)
        for w in plan["weeks"]
        if w["kind"] == "build"
    ]
    plain = plan_training(ctx, weeks=len(plan["weeks"]), fresh=True).data["plan"]
    plain_longs = [
        max((s["km"] for s in w["sessions"] if s["type"] == "long"), default=0.0)
        for w in plain["weeks"]
        if w["kind"] == "build"
    ]
    assert max(longs) > max(plain_longs)
    assert max(longs) <= 18.0 + 1e-6
    assert "builds toward about 18 km" in " ".join(plan["notes"])


def test_each_run_is_a_fit_workout_a_watch_can_load(history_world: World, tmp_path: Path) -> None:
    ctx = ctx_on(history_world, SUNDAY)
    plan = plan_from_data(plan_training(ctx, weeks=2).data["plan"])
    paths = fit.write_fit(plan, tmp_path / "fit")
    runs = [s for s in plan.sessions if s.is_run]
    assert len(paths) == len(runs) and len(runs) >= 6
    kinds_seen = set()
    for path, session in zip(sorted(paths), sorted(runs, key=lambda s: s.day), strict=True):
        messages: dict[str, list[dict]] = {}
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    values = {f.name: f.value for f in frame.fields}
                    messages.setdefault(frame.name, []).append(values)
        assert messages["file_id"][0]["type"] == "workout"
        (workout,) = messages["workout"]
        assert workout["sport"] == "running"
        steps = messages["workout_step"]
        assert workout["num_valid_steps"] == len(steps)
        kinds_seen.add(session.type)
        if session.type in ("easy", "long"):
            (step,) = steps
            assert step["duration_type"] == "distance"
            assert step["duration_distance"] == pytest.approx(session.km * 1000, abs=1)
            low, high = step["custom_target_speed_low"], step["custom_target_speed_high"]
            assert 1000 / high == pytest.approx(session.pace.fast_s_per_km, abs=1)
            assert 1000 / low == pytest.approx(session.pace.slow_s_per_km, abs=1)
        elif session.type == "intervals":
            repeat = next(s for s in steps if s["duration_type"] == "repeat_until_steps_cmplt")
            assert f"{repeat['repeat_steps']} x 3 min" in session.detail
            interval = steps[repeat["duration_step"]]
            assert interval["duration_time"] == 180 and interval["intensity"] == "interval"
        else:
            block = next(s for s in steps if s["intensity"] == "active")
            assert f"{block['duration_time'] / 60:.0f} min at tempo pace" in session.detail
    assert {"easy", "long"} <= kinds_seen and kinds_seen & {"tempo", "intervals"}
    archive = zipfile.ZipFile(io.BytesIO(fit.fit_zip(plan)))
    assert sorted(archive.namelist()) == sorted(p.name for p in paths)


def test_coachg_plan_export_fit(
    history_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from ui.cli import main

    monkeypatch.setenv("COACHG_DATABASE_URL", history_world.db.url)
    monkeypatch.setenv("COACHG_HOME", str(tmp_path / "home"))
    folder = tmp_path / "watch"
    assert main(["--user", "bob", "plan", "export", "--fit", str(folder), "--weeks", "1"]) == 0
    said = capsys.readouterr().out
    files = sorted(folder.glob("*.fit"))
    assert files and f"Wrote {len(files)} FIT workouts" in said
    for path in files:
        with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
            assert any(
                isinstance(f, fitdecode.FitDataMessage) and f.name == "workout" for f in reader
            )
    assert main(["--user", "bob", "plan", "export"]) == 2


def test_the_plan_tab_shows_the_week_calendar_and_serves_the_files(
    history_world: World,
) -> None:
    import gradio as gr

    from ui.web_format import shown_cells
    from ui.web_plan import HEADERS, NO_PLAN, PlanHandler

    w = history_world
    tab = PlanHandler(w.db, w.settings)
    empty = tab.refresh(True, None, gr.Request(username="bob"))
    assert NO_PLAN in empty[0]
    plan = plan_from_data(plan_training(ctx_on(w, SUNDAY, w.cora, w.bob), weeks=2).data["plan"])
    for request, choice in (
        (gr.Request(username="bob"), None),
        (gr.Request(username="cora"), "bob"),
    ):
        summary, _, table, notes, ics_button, fit_button = tab.refresh(True, choice, request)
        assert "by Cora" in summary and "Frandsen" in notes
        rows = shown_cells(table)
        assert len(rows) == 2 and len(rows[0]) == len(HEADERS)
        # each day's cell is that day's session, in the weekday's column
        for s in plan.sessions:
            monday = s.day - timedelta(days=s.day.weekday())
            row = next(r for r in rows if r[0] == monday.isoformat())
            words = "Rest" if s.type == "rest" else s.type.capitalize()
            assert words in row[1 + s.day.weekday()], (s, row)
        calendar = Path(ics_button.value["path"])
        assert calendar.read_text().count("BEGIN:VEVENT") == len(plan.sessions)
        archive = zipfile.ZipFile(Path(fit_button.value["path"]))
        assert len(archive.namelist()) == sum(1 for s in plan.sessions if s.is_run)
    refused = tab.refresh(True, "bob", gr.Request(username="dave"))  # a coach, not Bob's
    assert "Frandsen" not in " ".join(str(x) for x in refused[:2])
    assert refused[4].visible is False


def test_a_change_asked_in_the_chat_waits_for_a_yes(history_world: World) -> None:
    from agent.coach import Coach

    w = history_world
    coach = Coach(w.db, w.settings, today=WEDNESDAY)
    made = coach.turn(w.bob, "plan my next 2 weeks")
    assert [c.name for c in made.tool_calls] == ["plan_training"]
    plan = stored_plan(ctx_on(w, WEDNESDAY)).plan
    sunday = WEDNESDAY + timedelta(days=4)
    was = plan.session_on(sunday)
    assert was.is_run
    asked = coach.turn(w.bob, "make Sunday shorter")
    assert asked.pending is not None and asked.pending.name == "edit_plan"
    assert asked.tool_calls == [] and f"{was.km:.1f} km" in asked.text
    assert stored_plan(ctx_on(w, WEDNESDAY)).plan.session_on(sunday).km == was.km
    done = coach.turn(w.bob, "yes")
    assert [c.name for c in done.tool_calls] == ["edit_plan"]
    now = stored_plan(ctx_on(w, WEDNESDAY)).plan.session_on(sunday)
    assert now.km == pytest.approx(max(3.0, int(was.km * 0.8 * 10) / 10))
    shown = coach.turn(w.bob, "show me my training plan")
    assert [c.name for c in shown.tool_calls] == ["plan_training"]
    assert "make Sunday" in shown.text and f"{now.km:.1f} km" in shown.text


def test_the_words_of_a_change_name_the_right_days(history_world: World) -> None:
    from tools.plans.edit import read_edit

    plan = plan_from_data(plan_training(ctx_on(history_world, SUNDAY), weeks=2).data["plan"])
    today = SUNDAY + timedelta(days=1)  # Monday 29 Sep
    day = {name: today + timedelta(days=i) for i, name in enumerate(("mon", "tue", "wed",
           "thu", "fri", "sat", "sun"))}  # fmt: skip
    first_long = min(s.day for s in plan.sessions if s.type == "long")
    cases = {
        "move Friday's run to Thursday": ("move", [day["fri"]], day["thu"]),
        "do thursday's run on friday instead": ("move", [day["thu"]], day["fri"]),
        "move next sunday's long run to saturday": (
            "move",
            [day["sun"] + timedelta(days=7)],
            day["sat"] + timedelta(days=7),
        ),
        "rest on friday": ("clear", [day["fri"]], None),
        "clear next week": ("clear", [day["mon"] + timedelta(days=7 + i) for i in range(7)], None),
        "make my long run 14 km": ("distance", [first_long], None),
        "can I do less on sunday": ("shorter", [day["sun"]], None),
        "swap saturday and sunday": ("swap", [day["sat"], day["sun"]], None),
        "I'm sick": (
            "clear",
            [day[d] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")],
            None,
        ),
    }
    for message, (action, days, target) in cases.items():
        edit = read_edit(plan, message, today)
        assert (edit.action, edit.days, edit.target) == (action, days, target), message
    assert read_edit(plan, "make my long run 14 km", today).km == 14.0


def test_stored_versions_newest_first_on_each_database(db, people) -> None:
    """The repository on SQLite and (when configured) PostgreSQL: versions kept, the newest
    current, the coach's one authored by them, and nobody else let in."""
    from storage.plans import plan_versions, save_plan

    ann, bob, cora = people.ann, people.bob, people.cora
    plan = {"start": "2025-10-20", "weeks": [], "notes": ["x"]}
    with db.session() as session:
        first = save_plan(session, ann, ann.id, plan, start="2025-10-20", end="2025-10-26")
        second = save_plan(
            session, cora, ann.id, plan | {"notes": ["y"]}, start="2025-10-20",
            end="2025-11-02", change="make Sunday shorter " * 20,
        )  # fmt: skip
    with db.session() as session:
        now = current_plan(session, ann, ann.id)
        assert now is not None and now.id == second.id and now.plan["notes"] == ["y"]
        assert now.author_id == cora.id and len(now.change) == 200
        assert [r.id for r in plan_versions(session, cora, ann.id)] == [second.id, first.id]
        assert current_plan(session, bob, bob.id) is None
        for stranger, athlete in ((bob, ann), (cora, bob)):
            with pytest.raises(AccessDenied):
                current_plan(session, stranger, athlete.id)
            with pytest.raises(AccessDenied):
                save_plan(session, stranger, athlete.id, plan, start="2025-10-20", end="2025-10-26")
