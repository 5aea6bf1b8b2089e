"""Strength training through the real agent and the real import doors: logging with its
confirmation, corrections and deletes, bad input, both app exports (Strong, Hevy), history numbers
checked by hand on the Hevy file, routines, and who may see whose sets.

Expected numbers are computed here from the raw CSV files and the library JSON with the csv and
json modules, never from the code under test.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from agent.coach import Coach
from agent.replies import NOT_YOUR_ATHLETE
from storage.access import AccessDenied
from storage.db import Database
from storage.models import StrengthSession, StrengthSet, User
from storage.settings import Settings
from storage.strength import add_exercise, exercises_for, sessions_between
from storage.users import create_user
from tests.conftest import People
from tools.context import ToolContext
from tools.importing.importer import ImportReport, import_paths
from tools.strength.history_tool import strength_history
from tools.strength.library import LIBRARY_FILE, ensure_library, search
from tools.strength.sessions import strength_sessions_between
from tools.strength.suggest import for_gait_advice, suggest_exercises

TODAY = date(2026, 11, 29)
LB = 0.45359237


@pytest.fixture
def strength_dir(shared_data: Path) -> Path:
    return shared_data / "strength"


@pytest.fixture
def coach(db: Database, settings: Settings) -> Coach:
    return Coach(db, settings, today=TODAY)


def _sets(db: Database, user_id: int) -> list[tuple[str, int | None, float | None, float | None]]:
    """(day, exercise, reps, weight, seconds) of a user's stored sets, read from the tables."""
    with db.session() as session:
        rows = (
            session.query(StrengthSession.day, StrengthSet)
            .join(StrengthSet, StrengthSet.session_id == StrengthSession.id)
            .filter(StrengthSession.user_id == user_id)
            .order_by(StrengthSession.day, StrengthSet.position)
            .all()
        )
        return [(d, s.exercise_name, s.reps, s.weight_kg, s.seconds) for d, s in rows]


def _library() -> dict[str, dict]:
    return {e["name"]: e for e in json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))}


def test_logging_asks_first_then_corrects_and_deletes(
    coach: Coach, db: Database, people: People
) -> None:
    ann = people.ann
    asked = coach.turn(ann, "log 3x8 squats at 60kg")
    assert "Shall I save it?" in asked.text and "Barbell Squat" in asked.text
    assert _sets(db, ann.id) == []  # nothing before the yes
    done = coach.turn(ann, "yes")
    assert "Logged" in done.text
    assert _sets(db, ann.id) == [(TODAY.isoformat(), "Barbell Squat", 8, 60.0, None)] * 3

    # Varying reps, a day named, pounds, a hold: each read as written.
    coach.turn(ann, "yesterday: deadlift 100kg x5, x5, x4")
    coach.turn(ann, "yes")
    coach.turn(ann, "RDL 3x8 at 135 lb")
    coach.turn(ann, "yes")
    coach.turn(ann, "plank 3x45s")
    coach.turn(ann, "yes")
    stored = _sets(db, ann.id)
    yesterday = (TODAY - timedelta(days=1)).isoformat()
    assert [r[2] for r in stored if r[1] == "Barbell Deadlift"] == [5, 5, 4]
    assert {r[0] for r in stored if r[1] == "Barbell Deadlift"} == {yesterday}
    assert {r[3] for r in stored if r[1] == "Romanian Deadlift"} == {round(135 * LB, 1)}
    assert [r[4] for r in stored if r[1] == "Plank"] == [45.0] * 3
    assert all(name in _library() for name in {r[1] for r in stored})

    # A correction shows the set and waits for the yes.
    ask = coach.turn(ann, "change my last deadlift set to 6 reps")
    assert "Barbell Deadlift" in ask.text and "Shall I?" in ask.text
    assert [r[2] for r in _sets(db, ann.id) if r[1] == "Barbell Deadlift"] == [5, 5, 4]
    coach.turn(ann, "yes")
    assert [r[2] for r in _sets(db, ann.id) if r[1] == "Barbell Deadlift"] == [5, 5, 6]

    before = len(_sets(db, ann.id))
    coach.turn(ann, "delete my last set")
    assert len(_sets(db, ann.id)) == before  # not yet
    coach.turn(ann, "yes")
    assert len(_sets(db, ann.id)) == before - 1

    # "no" writes nothing.
    coach.turn(ann, "bench 5x5 @ 80")
    assert "no unit" in coach.turn(ann, "bench 5x5 @ 80").text  # said again: asked again
    assert "nothing" in coach.turn(ann, "no").text.lower()
    assert not [r for r in _sets(db, ann.id) if "Bench" in r[1]]


def test_bad_input_gets_a_clear_message_and_writes_nothing(
    coach: Coach, db: Database, people: People
) -> None:
    ann = people.ann
    cases = {
        "3x8x60 squats": "more than one way",
        "squats 3x5 at 1000kg": "not a weight I believe",
        "did 300 reps of squats": "more than I believe",
        "squats 3x5 at -20kg": "negative",
    }
    for message, words in cases.items():
        reply = coach.turn(ann, message)
        assert words in reply.text and "Nothing was logged" in reply.text, message
    # An unknown exercise: Coach G asks instead of guessing, and "no" leaves it.
    reply = coach.turn(ann, "zorbing 3x10")
    assert "zorbing" in reply.text and "new" in reply.text
    coach.turn(ann, "no")
    assert _sets(db, ann.id) == []
    # ... or adds it as Ann's own exercise, which Bob never sees.
    coach.turn(ann, "zorbing 3x10")
    coach.turn(ann, "new")
    coach.turn(ann, "yes")
    assert [r[1] for r in _sets(db, ann.id)] == ["zorbing"] * 3
    with db.session() as session:
        assert "zorbing" in {e.name for e in exercises_for(session, ann, ann.id)}
        assert "zorbing" not in {e.name for e in exercises_for(session, people.bob, people.bob.id)}


def _hevy(strength_dir: Path) -> list[dict[str, str]]:
    with (strength_dir / "hevy_export.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass
class Imported:
    """One database where Ann imported the Hevy export and Sam the Strong one, once (shared by
    the import tests)."""

    db: Database
    ctx: ToolContext
    ann: User
    report: ImportReport
    sam_ctx: ToolContext
    sam_report: ImportReport


@pytest.fixture(scope="module")
def imported(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    home = tmp_path_factory.mktemp("strength") / "home"
    db = Database(f"sqlite:///{home / 'coachg.db'}")
    settings = Settings(home=home, database_url=db.url)
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
        sam = create_user(session, "sam", password="sam-pass-1")
    ctx = ToolContext(db=db, actor=ann, settings=settings)
    sam_ctx = ToolContext(db=db, actor=sam, settings=settings)
    folder = shared_data / "strength"
    report = import_paths(ctx, [folder / "hevy_export.csv"])
    sam_report = import_paths(sam_ctx, [folder / "strong_export.csv"])
    yield Imported(db, ctx, ann, report, sam_ctx, sam_report)
    db.dispose()


def test_both_app_exports_import_once_and_keep_unknown_names(
    imported: Imported, strength_dir: Path, tmp_path: Path
) -> None:
    strong, hevy = strength_dir / "strong_export.csv", strength_dir / "hevy_export.csv"
    with strong.open(newline="", encoding="utf-8") as f:
        strong_rows = list(csv.DictReader(f))
    strong_sessions = {(r["Date"], r["Workout Name"]) for r in strong_rows}
    hevy_rows = _hevy(strength_dir)
    hevy_sessions = {(r["start_time"], r["title"]) for r in hevy_rows}
    hevy_sets = [
        r
        for r in hevy_rows
        if any(r[k] not in ("", "0") for k in ("weight_kg", "reps", "duration_seconds"))
        or r["distance_km"]
    ]
    db, ctx, report = imported.db, imported.ctx, imported.report
    assert not report.failed and not imported.sam_report.failed
    by_app = {log.app: log for log in [*report.strength, *imported.sam_report.strength]}
    assert by_app["strong"].sessions_added == len(strong_sessions) == 15
    assert by_app["strong"].sets_added == len(strong_rows)
    assert by_app["hevy"].sessions_added == len(hevy_sessions)
    assert by_app["hevy"].sets_added == len(hevy_sets)
    assert "Warm Up" in by_app["hevy"].unmapped  # kept as written, and listed
    assert by_app["hevy"].mapped["Squat (Barbell)"] == "Barbell Squat"
    names = {r[1] for r in _sets(db, imported.ann.id)}
    assert "Warm Up" in names and "Squat (Barbell)" in names

    held = len(_sets(db, imported.ann.id))
    again = import_paths(ctx, [hevy]).strength + import_paths(imported.sam_ctx, [strong]).strength
    assert sum(log.sessions_added for log in again) == 0
    assert sum(log.sessions_held for log in again) == len(strong_sessions) + len(hevy_sessions)
    # Another app's CSV and an empty file: a clear message each, nothing written.
    other = tmp_path / "garmin_activities.csv"
    other.write_text("Activity Type,Date,Distance\nRunning,2025-01-01,10\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    failed = dict(import_paths(ctx, [other, empty]).failed)
    assert "Strong and Hevy" in failed["garmin_activities.csv"]
    assert "empty" in failed["empty.csv"]
    assert len(_sets(db, imported.ann.id)) == held


def test_history_numbers_match_the_hevy_file_by_hand(
    imported: Imported, strength_dir: Path
) -> None:
    ann_ctx = imported.ctx
    rows = _hevy(strength_dir)
    squat = [r for r in rows if r["exercise_title"] == "Squat (Barbell)"]
    working = [r for r in squat if r["set_type"] != "warmup"]
    weighted = [(float(r["weight_kg"]), int(r["reps"])) for r in working if r["weight_kg"]]
    weighted = [(w, n) for w, n in weighted if w > 0 and n > 0]
    epley = [w if n == 1 else w * (1 + n / 30) for w, n in weighted if n <= 12]
    days = {datetime.strptime(r["start_time"], "%d %b %Y, %H:%M").date() for r in rows}
    sessions = {(r["start_time"], r["title"]) for r in rows}

    result = strength_history(
        ann_ctx, exercise="barbell squat", since=min(days).isoformat(), until=max(days).isoformat()
    )
    assert result.ok, result.message
    focus = result.data["focus_stats"]
    assert focus["exercise"] == "Barbell Squat"
    assert focus["sets"] == len(working)
    assert focus["best_e1rm_kg"] == pytest.approx(round(max(epley), 1))
    assert focus["heaviest_kg"] == max(w for w, _ in weighted)
    assert result.fact("sessions").value == len(sessions)
    volume = sum(
        float(r["weight_kg"]) * int(r["reps"])
        for r in rows
        if r["set_type"] != "warmup" and r["weight_kg"] and r["reps"] not in ("", "0")
    )
    assert result.fact("volume").value == round(volume)
    weeks = ((max(days) - min(days)).days + 1) / 7
    assert result.fact("sessions_per_week").value == pytest.approx(len(sessions) / weeks, abs=0.05)
    assert "Epley" in " ".join(result.caveats) and "estimate" in " ".join(result.caveats)
    assert [a.kind for a in result.artifacts] == ["image", "image"]
    assert all(a.path.stat().st_size > 1000 for a in result.artifacts)

    # The function the check-in and training load call: sessions of one month, as in the file.
    june = {s for s in sessions if " Jun 2025," in s[0]}
    found = strength_sessions_between(ann_ctx, date(2025, 6, 1), date(2025, 6, 30))
    assert len(found) == len(june) > 0
    assert all(s.working_sets <= s.sets and s.volume_kg >= 0 for s in found)


def test_routine_built_saved_and_logged_in_one_step(
    coach: Coach, db: Database, people: People
) -> None:
    ann = people.ann
    shown = coach.turn(ann, "build me a 30-minute runner's strength session, twice a week, no gym")
    assert "Shall I save it" in shown.text
    coach.turn(ann, "yes")
    library = _library()
    with db.session() as session:
        from storage.strength import routines_of

        (routine,) = routines_of(session, ann, ann.id)
        items = list(routine.items)
    assert routine.per_week == 2 and routine.minutes == 30
    assert items and all(
        library[i["exercise"]]["equipment"] in ("body only", "bands", None) for i in items
    )
    assert 5 + 1.7 * sum(i["sets"] for i in items) <= 31  # fits the half hour with rests
    assert all(i["reason"] for i in items)
    asked = coach.turn(ann, "log my routine")
    assert "Shall I save it?" in asked.text
    coach.turn(ann, "yes")
    assert len(_sets(db, ann.id)) == sum(i["sets"] for i in items)


def test_a_routine_waiting_for_its_yes_changes_with_a_follow_up_and_saves_under_a_name(
    coach: Coach, db: Database, people: People
) -> None:
    ann = people.ann
    shown = coach.turn(ann, "build me a 20 min strength routine i can do at home, twice a week")
    assert "20 min, no gym" in shown.text
    changed = coach.turn(ann, "what about with a gym")  # the 20 minutes and twice are kept
    assert "**Runner's strength, 20 min, gym** (2 times a week)" in changed.text, changed.text
    assert "Shall I save it" in changed.text
    coach.turn(ann, "save it as calf day")
    library = _library()
    with db.session() as session:
        from storage.strength import routines_of

        (routine,) = routines_of(session, ann, ann.id)
        items = list(routine.items)
    assert routine.name == "calf day" and routine.minutes == 20 and routine.per_week == 2
    assert any(library[i["exercise"]]["equipment"] not in ("body only", None) for i in items)


def test_library_search_and_suggestions(ann_ctx: ToolContext) -> None:
    library = _library()
    ensure_library(ann_ctx)
    with ann_ctx.session() as session:
        everything = exercises_for(session, ann_ctx.actor, ann_ctx.athlete_id)
    assert len(everything) == len(library) == 873
    calves = search(everything, muscle="calves")
    assert {e.name for e in calves} == {
        n for n, e in library.items() if "calves" in e["primaryMuscles"] + e["secondaryMuscles"]
    }
    home = search(everything, group="hip_abductors", equipment="bands")
    assert "Monster Walk" in {e.name for e in home}
    plyo = search(everything, group="plyometrics")
    assert {e.name for e in plyo} >= {
        n for n, e in library.items() if e["category"] == "plyometrics"
    }
    suggested = suggest_exercises(ann_ctx, "pelvic drop")
    assert suggested and all(s.exercise in library and s.reason and s.source for s in suggested)
    assert suggest_exercises(ann_ctx, "shoe colour") == []

    # a video analysis's "what to work on" items that strength addresses get library exercises
    tips = [
        {"metric": "pelvic_drop", "label": "Pelvic drop"},
        {"metric": "cadence", "label": "Cadence"},  # not a strength matter
    ]
    linked = for_gait_advice(ann_ctx, tips)
    assert linked and {e["for"] for e in linked} == {"Pelvic drop"}
    assert all(e["exercise"] in library and e["source"] for e in linked)


def test_a_coach_sees_linked_athletes_strength_and_nobody_else_does(
    coach: Coach, db: Database, people: People, settings: Settings
) -> None:
    ann, bob, cora = people.ann, people.bob, people.cora
    coach.turn(ann, "3x5 squats at 70kg")
    coach.turn(ann, "yes")
    coach.turn(bob, "3x5 squats at 90kg")
    coach.turn(bob, "yes")
    seen = coach.turn(cora, "what's Ann's squat PR?")
    assert seen.results and seen.results[0].ok
    assert seen.results[0].data["focus_stats"]["heaviest_kg"] == 70.0
    assert not [c for c in seen.results[0].caveats if "no logged sets" in c]
    assert coach.turn(cora, "what's Bob's squat PR?").text == NOT_YOUR_ATHLETE
    assert coach.turn(ann, "what's Bob's squat PR?").text == NOT_YOUR_ATHLETE
    with pytest.raises(AccessDenied):
        ToolContext(db=db, actor=ann, settings=settings, athlete_id=bob.id)
    with db.session() as session, pytest.raises(AccessDenied):
        sessions_between(session, cora, bob.id)
    with db.session() as session, pytest.raises(AccessDenied):
        add_exercise(session, ann, bob.id, "sneaky")
    # Bob's own history holds his set, not Ann's.
    bob_ctx = ToolContext(db=db, actor=bob, settings=settings)
    result = strength_history(bob_ctx)
    assert result.data["focus_stats"]["heaviest_kg"] == 90.0


def test_the_command_line_logs_looks_back_and_searches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``coachg strength ...`` through the real entry point, on its own COACHG_HOME."""
    from ui.cli import main

    for name in [n for n in os.environ if n.startswith("COACHG_")]:
        if name != "COACHG_SECRET_KEY":
            monkeypatch.delenv(name)
    monkeypatch.setenv("COACHG_HOME", str(tmp_path / "home"))

    def coachg(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--user", "ann", *args])
        return code, capsys.readouterr().out

    code, out = coachg("strength", "log", "3x8x60 squats", "--yes")
    assert code == 2 and "more than one way" in out
    code, out = coachg("strength", "log", "3x5 squats at 100kg", "--day", "2026-11-20", "--yes")
    assert code == 0 and "Barbell Squat" in out
    code, out = coachg("strength", "history", "--json")
    result = json.loads(out)
    facts = {f["name"]: f["value"] for f in result["facts"]}
    assert facts["estimated_1rm"] == round(100 * (1 + 5 / 30), 1) and facts["working_sets"] == 3
    code, out = coachg("strength", "exercises", "--group", "hip_abductors", "--json")
    found = {row["name"] for row in json.loads(out)}
    library = _library()
    assert found >= {n for n, e in library.items() if "abductors" in e["primaryMuscles"]}


def test_a_workout_log_dropped_into_the_chat_imports_like_activities(
    coach: Coach, db: Database, people: People, strength_dir: Path
) -> None:
    strong = strength_dir / "strong_export.csv"
    with strong.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    reply = coach.turn(people.ann, "here's my Strong export", attachments=[strong])
    assert [c.name for c in reply.tool_calls] == ["import_activities"]
    result = reply.results[0]
    assert result.fact("strength_sessions").value == len(
        {(r["Date"], r["Workout Name"]) for r in rows}
    )
    assert result.fact("strength_sets").value == len(rows) == len(_sets(db, people.ann.id))
    again = coach.turn(people.ann, "", attachments=[strong]).results[0]
    assert again.fact("strength_sessions").value == 0
    assert again.fact("strength_sessions_already_there").value == 15


def test_a_correction_of_the_value_logged_changes_every_set_that_holds_it(
    coach: Coach, db: Database, people: People
) -> None:
    """ "oops the squats were 75 not 80": every squat set of the latest session logged at 80 kg
    becomes 75 kg after the yes; "8 reps not 10" reads reps by the unit; nothing before yes."""
    bob = people.bob
    coach.turn(bob, "log squats 3x5 at 80kg, lunges 2x10 at 80kg")
    coach.turn(bob, "yes")
    asked = coach.turn(bob, "oops the squats were 75 not 80")
    assert "3 sets to 75 kg" in asked.text and "Shall I?" in asked.text
    assert {r[3] for r in _sets(db, bob.id) if r[1] == "Barbell Squat"} == {80.0}
    coach.turn(bob, "yes")
    stored = _sets(db, bob.id)
    assert [r[3] for r in stored if r[1] == "Barbell Squat"] == [75.0] * 3
    assert {r[3] for r in stored if r[1] != "Barbell Squat"} == {80.0}  # the lunges kept
    coach.turn(bob, "the squats were 6 reps not 5")
    coach.turn(bob, "yes")
    assert [r[2] for r in _sets(db, bob.id) if r[1] == "Barbell Squat"] == [6] * 3
    coach.turn(bob, "RDL 2x8 at 135 lb")
    coach.turn(bob, "yes")
    coach.turn(bob, "the RDLs were 125 lb not 135 lb")
    coach.turn(bob, "yes")
    assert [r[3] for r in _sets(db, bob.id) if r[1] == "Romanian Deadlift"] == [
        round(125 * LB, 1)
    ] * 2
