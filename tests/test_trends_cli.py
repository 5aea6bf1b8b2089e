"""``coachg load``, ``coachg changes`` and ``coachg profile`` as a user runs them, on one real
database filled from the recorded Strava listing pages (1132 activities, 2017-2025); and the
profile tools through the chat, where a write waits for a yes.

The commands run in-process through the real entry point (``ui.cli.main``), which spares the
seconds each fresh interpreter spends importing; the refusal of another coach's athlete also
runs as a real ``python -m ui.cli`` process, for its exit status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from stravalib.model import SummaryActivity

from agent.coach import Coach
from agent.intents import default_classifier
from storage.access import DENIED
from storage.activities import add_activity
from storage.db import Database, database
from storage.metrics import get_profile
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, link_coach
from tests.worlds import recorded_activities as recorded
from tools.context import ToolContext
from tools.profile import show_profile
from tools.strava.convert import summary_to_activity
from ui.cli import main

REPO = Path(__file__).resolve().parents[1]
#: Strava's foot sports, which training load counts as running volume.
FOOT = {"Run", "TrailRun", "VirtualRun", "Walk", "Hike"}


@dataclass
class World:
    """A COACHG_HOME with Ann's recorded activities; Cora coaches Ann, Dave coaches no one, Bob
    is an athlete with no activities."""

    home: Path
    db: Database
    settings: Settings
    ann: User
    bob: User
    activities: list[dict[str, Any]] = field(repr=False)
    outer_home: str | None = None  # COACHG_HOME outside these tests, where the caches are


@pytest.fixture(scope="module")
def coach(world: World) -> Coach:
    """Coach G on the world's database, its intent classifier trained with the embeddings the
    other tests keep (under the outer COACHG_HOME), not from nothing."""
    with pytest.MonkeyPatch.context() as patch:
        if world.outer_home is None:
            patch.delenv("COACHG_HOME")
        else:
            patch.setenv("COACHG_HOME", world.outer_home)
        default_classifier()
    return Coach(world.db, world.settings)


@pytest.fixture(scope="module")
def world(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    home = tmp_path_factory.mktemp("coachg_home")
    outer = os.environ.get("COACHG_HOME")
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("COACHG_")]:
            patch.delenv(name)
        patch.setenv("COACHG_HOME", str(home))
        settings = Settings.from_env()
        db = database(settings.database_url)
        items = recorded(shared_data)
        with db.session() as session:
            ann = create_user(session, "ann", password="ann-pass-1")
            bob = create_user(session, "bob", password="bob-pass-1")
            cora = create_user(session, "cora", role="coach", password="cora-pass-1")
            create_user(session, "dave", role="coach", password="dave-pass-1")
            link_coach(session, cora, ann)
            for item in items:
                new = summary_to_activity(SummaryActivity.model_validate(item))
                add_activity(session, ann, ann.id, new)
        yield World(home, db, settings, ann, bob, items, outer)


def coachg(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """``coachg ARGS`` through the real entry point: (exit status, what it printed)."""
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out = coachg(capsys, *args, "--json")
    assert code == 0, out
    return json.loads(out)


def facts(result: dict[str, Any]) -> dict[str, Any]:
    return {fact["name"]: fact["value"] for fact in result["facts"]}


def stored_profile(world: World, who: User) -> dict[str, Any]:
    with world.db.session() as session:
        return get_profile(session, who, who.id)


# -- coachg load ------------------------------------------------------------------------------


def test_load_gives_fitness_fatigue_and_form_and_the_past_week_from_the_raw_listing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    result = as_json(capsys, "--user", "ann", "load", "--until", "2025-10-01")
    assert result["ok"] and result["tool"] == "training_load"
    found = facts(result)
    assert {"fitness", "fatigue", "form"} <= found.keys()
    assert found["fitness"] > 0 and found["fatigue"] > 0
    assert abs(found["form"] - (found["fitness"] - found["fatigue"])) <= 0.1 + 1e-9
    assert result["data"]["as_of"] == "2025-10-01"

    day = date(2025, 10, 1)
    week = {(day - timedelta(days=n)).isoformat() for n in range(7)}
    km = sum(
        item["distance"]
        for item in world.activities
        if item["sport_type"] in FOOT and item["start_date_local"][:10] in week
    )
    assert km > 50  # a real training week: five runs, one of them 30 km
    assert found["past_week_running"] == pytest.approx(km / 1000.0, abs=0.05)

    code, text = coachg(capsys, "--user", "ann", "load", "--until", "2025-10-01")
    assert code == 0
    assert text.startswith("**Training load** as of 2025-10-01")
    assert f"Past week running: {found['past_week_running']:.1f} km" in text


def test_load_refuses_bad_dates_and_a_coach_sees_only_their_athletes(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    code, text = coachg(capsys, "--user", "ann", "load", "--until", "October")
    assert code == 2 and "YYYY-MM-DD" in text
    mine = as_json(capsys, "--user", "cora", "load", "--athlete", "ann", "--until", "2025-10-01")
    assert mine["ok"] and facts(mine)["fitness"] > 0
    with pytest.raises(SystemExit) as refused:
        main(["--user", "dave", "load", "--athlete", "ann", "--json"])
    assert refused.value.code == DENIED
    assert capsys.readouterr().out == ""  # nothing of Ann's is printed
    empty = coachg(capsys, "--user", "bob", "load")
    assert empty[0] == 2 and "no activities" in empty[1]


def test_a_coach_asking_for_someone_elses_athlete_gets_the_standard_refusal(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["changes", "cadence"], ["profile", "--max-hr", "180"], ["profile"]):
        with pytest.raises(SystemExit) as refused:
            main(["--user", "dave", *command, "--athlete", "ann"])
        assert refused.value.code == DENIED
        assert capsys.readouterr().out == ""
    assert stored_profile(world, world.ann)["max_hr"] != 180
    # As a real process: the refusal goes to stderr and the exit status is not zero.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACHG_")}
    env["COACHG_HOME"] = str(world.home)
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--user", "dave", "load", "--athlete", "ann", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0 and done.stdout == ""
    assert DENIED in done.stderr


# -- coachg changes ---------------------------------------------------------------------------


def test_changes_in_heart_rate_fall_within_the_data(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # (cadence until issue 19; at her usual pace, climb and duration Ann's cadence no longer
    # changes beyond its everyday noise, and her heart rate at her usual pace does)
    result = as_json(capsys, "--user", "ann", "changes", "heart rate")
    assert result["ok"] and result["tool"] == "detect_changes"
    data = result["data"]
    assert data["metric"] == "avg_hr" and data["changes"]
    days = sorted(item["start_date_local"][:10] for item in world.activities)
    assert days[0] <= data["first"] <= data["last"] <= days[-1]
    for change in data["changes"]:
        assert data["first"] < change["date"] <= data["last"]
        assert change["runs_before"] > 0 and change["runs_after"] > 0
    assert facts(result)["changes_found"] == len(data["changes"])

    code, text = coachg(capsys, "--user", "ann", "changes", "heart rate")
    assert code == 0 and data["changes"][-1]["date"] in text


def test_changes_all_is_the_overview_and_unknown_metrics_are_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    result = as_json(capsys, "--user", "ann", "changes", "all")
    assert result["ok"] and result["data"]["overview"] is True
    code, text = coachg(capsys, "--user", "ann", "changes", "ALL")
    assert code == 0
    for label in ("Cadence", "Step length", "Pace"):  # step length: "stride" until issue 19
        assert f"- {label}" in text
    # The last race (a 10K on 2025-10-12) has only a few runs after it: said, not guessed.
    code, text = coachg(capsys, "--user", "ann", "changes", "pace", "--since", "last race")
    assert code == 2 and "since your race on 2025-10-12" in text and "at least 10" in text
    code, text = coachg(capsys, "--user", "ann", "changes", "shoe size")
    assert code == 2 and "I don't track 'shoe size'" in text


# -- coachg profile ---------------------------------------------------------------------------


def test_a_max_hr_set_on_the_command_line_is_what_load_uses(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = as_json(capsys, "--user", "ann", "load", "--until", "2025-10-01")
    assert any("maximum heart rate" in r and "estimated" in r for r in before["reasons"])
    # The profile shows what load uses as of today (the estimate depends on the day).
    estimated = as_json(capsys, "--user", "ann", "load")["data"]["thresholds"]["max_hr"]
    shown = as_json(capsys, "--user", "ann", "profile")
    assert shown["tool"] == "show_profile"
    row = next(r for r in shown["data"]["values"] if r["name"] == "max_hr")
    assert row["value"] == estimated and row["source"] == "estimated"

    code, text = coachg(capsys, "--user", "ann", "profile", "--max-hr", "185")
    assert code == 0, text
    assert text.startswith("Stored your maximum heart rate as 185 bpm.")
    assert "Maximum heart rate: 185 bpm (from your profile)" in text
    assert "coachg profile --resting-hr" in text and "--max-hr" not in text  # what is left
    assert stored_profile(world, world.ann)["max_hr"] == 185

    after = as_json(capsys, "--user", "ann", "load", "--until", "2025-10-01")
    assert after["data"]["thresholds"]["max_hr"] == 185
    assert not any("maximum heart rate" in r and "estimated" in r for r in after["reasons"])

    both = as_json(
        capsys, "--user", "ann", "profile", "--threshold-pace", "4:30/km", "--sex", "male"
    )
    assert both["data"]["profile"]["threshold_pace_s_per_km"] == 270
    assert both["data"]["profile"]["max_hr"] == 185  # untouched
    assert facts(both)["threshold_pace"] == "4:30"
    coach_sets = as_json(capsys, "--user", "cora", "profile", "--athlete", "ann", "--max-hr", "186")
    assert coach_sets["ok"] and stored_profile(world, world.ann)["max_hr"] == 186


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (["--max-hr", "400"], "outside 30-230 bpm"),
        (["--threshold-pace", "99"], "outside 2:00-12:00 per km"),
        (["--threshold-pace", "fast"], "minutes:seconds per km"),
        (["--threshold-pace", "4:75"], "seconds must be below 60"),
        (["--max-hr", "180", "--resting-hr", "190"], "must be below your maximum heart rate"),
        (["--max-hr", "185", "--threshold-pace", "99"], "outside 2:00-12:00 per km"),
    ],
)
def test_invalid_profile_values_are_refused_and_nothing_is_stored(
    world: World, capsys: pytest.CaptureFixture[str], flags: list[str], words: str
) -> None:
    before = stored_profile(world, world.bob)
    code, text = coachg(capsys, "--user", "bob", "profile", *flags)
    assert code == 2 and words in text
    assert "e.g." in text or "for example" in text or "tell me again" in text
    assert stored_profile(world, world.bob) == before


def test_a_heart_rate_must_fit_those_already_stored(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert coachg(capsys, "--user", "bob", "profile", "--threshold-hr", "170")[0] == 0
    code, text = coachg(capsys, "--user", "bob", "profile", "--max-hr", "165")
    assert code == 2
    assert "threshold heart rate (170 bpm, stored) must be below your maximum heart rate" in text
    assert "If your threshold heart rate has changed, set it as well" in text
    code, _ = coachg(capsys, "--user", "bob", "profile", "--max-hr", "165", "--threshold-hr", "150")
    assert code == 0
    assert stored_profile(world, world.bob) | {"sex": ""} == {
        "sex": "",
        "resting_hr": None,
        "max_hr": 165,
        "threshold_hr": 150,
        "threshold_pace_s_per_km": None,
    }


# -- the profile through the chat -------------------------------------------------------------


def test_the_chat_asks_before_storing_a_max_heart_rate_then_shows_it(
    world: World, coach: Coach
) -> None:
    eve = _new_athlete(world, "eve")
    asked = coach.turn(eve, "my max heart rate is 190")
    assert asked.pending is not None and asked.tool_calls == []
    assert asked.pending.name == "set_profile" and asked.pending.args["max_hr"] == 190
    assert "store your maximum heart rate as 190 bpm" in asked.text
    assert stored_profile(world, eve)["max_hr"] is None  # nothing until the yes

    done = coach.turn(eve, "yes")
    assert [call.name for call in done.tool_calls] == ["set_profile"]
    assert stored_profile(world, eve)["max_hr"] == 190
    assert "190 bpm" in done.text

    shown = coach.turn(eve, "what max heart rate are you using for me?")
    assert [call.name for call in shown.tool_calls] == ["show_profile"]
    assert "Maximum heart rate: 190 bpm (from your profile)" in shown.text


@pytest.mark.parametrize(
    ("message", "args"),
    [
        ("max hr 192", {"max_hr": 192}),
        ("resting hr 48", {"resting_hr": 48}),
        ("set my resting to 46", {"resting_hr": 46}),
        ("my threshold pace is 4:25/km", {"threshold_pace": "4:25"}),
        ("lactate threshold heart rate 172", {"threshold_hr": 172}),
        ("I'm female", {"sex": "female"}),
        ("I am a woman", {"sex": "female"}),
        ("update my threshold pace to 4:30", {"threshold_pace": "4:30"}),
    ],
)
def test_the_chat_reads_each_profile_value(
    world: World, coach: Coach, message: str, args: dict[str, Any]
) -> None:
    asked = coach.turn(world.bob, message)
    assert asked.pending is not None, asked.text
    assert (asked.pending.name, asked.pending.args) == ("set_profile", args)
    assert coach.turn(world.bob, "no").tool_calls == []


def test_the_chat_says_what_is_wrong_with_an_impossible_value(world: World, coach: Coach) -> None:
    frank = _new_athlete(world, "frank")
    coach.turn(frank, "my max heart rate is 300")
    refused = coach.turn(frank, "yes")
    assert "outside 30-230 bpm" in refused.text
    assert stored_profile(world, frank)["max_hr"] is None


def test_the_profile_can_be_shown_as_of_a_day(world: World, coach: Coach) -> None:
    """Estimates look at the year before the day asked about; the chat reads that day."""
    shown = coach.turn(world.ann, "what threshold pace were you using for me on 2025-10-01?")
    assert [(c.name, c.args) for c in shown.tool_calls] == [
        ("show_profile", {"until": "2025-10-01"})
    ]
    assert "as training load uses it on 2025-10-01" in shown.text
    ctx = ToolContext(db=world.db, actor=world.ann, settings=world.settings)
    assert not show_profile(ctx, until="last tuesday").ok


def _new_athlete(world: World, name: str) -> User:
    with world.db.session() as session:
        return create_user(session, name, password=f"{name}-pass-1")


def test_a_weekly_check_in_through_coachg_ask(
    capsys: pytest.CaptureFixture[str], world: World, coach: Coach
) -> None:
    """The check-in as a script would drive it: one `coachg ask` per answer, the conversation
    kept in the database between calls; pain leads the focus; another coach sees nothing."""

    def ask(message: str, user: str = "bob") -> str:
        code, out = coachg(capsys, "--user", user, "ask", message)
        assert code == 0, out
        return out

    assert ask("let's do my weekly check-in").rstrip().endswith("(very badly).")
    assert ask("slept badly, legs are fine, work was mad").startswith("And your mood")
    assert ask("skip").startswith("How hard did your key sessions feel")
    assert ask("7").startswith("Any pain")
    # pain in a joint gets safety first (stop, get it assessed), then whether a race is near
    knee = ask("a little ache in my left knee on downhills")
    assert knee.startswith("Stop running on your left knee")
    assert knee.rstrip().endswith("Is a race coming up in the next weeks?")
    assert ask("no").startswith("Anything that limits")
    done = ask("nothing")
    focus = done.split("**Focus for next week**", 1)[1]
    assert focus.strip().startswith("- Get it assessed before running") and "physio" in focus
    assert "Mood: skipped." in done and "“work was mad”" in done
    assert DENIED in ask("how did bob's check-in go?", user="dave")
