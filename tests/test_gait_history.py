"""Longitudinal tracking: each analysis is stored for its athlete and compared with their previous
one, on the real clip and a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from agent.coach import Coach
from storage.db import Database
from storage.gait_reports import list_gait_reports, save_gait_report
from storage.models import GaitReport
from storage.settings import Settings
from storage.users import get_user
from tests.conftest import People
from tests.test_activities_cli import _coachg
from tests.test_gait_helpers import VIDEO, require
from tools.context import ToolContext
from tools.gait.analyze import analyze_track
from tools.gait.drawing import appearing, read_manifest
from tools.gait.history import compare_metrics, compare_with_previous
from tools.gait.tool import analyze_run_video
from tools.trends.changes import find_metric, metric_series


def _shifted(report: dict, metric: str, by: float) -> dict:
    """The same report with one metric (median and quartiles) moved by ``by``."""
    out = copy.deepcopy(report)
    m = out["metrics"][metric]
    for key in ("value", "p25", "p75"):
        m[key] += by
    return out


def test_analysis_is_stored_and_compared_with_the_athletes_previous_one(
    db: Database, people: People, ann_ctx: ToolContext
) -> None:
    first = analyze_run_video(ann_ctx, str(require(VIDEO)))
    assert first.ok, first.message
    assert "comparison" not in first.data  # nothing to compare with yet
    report = first.data["report"]
    cadence = report["metrics"]["cadence"]["value"]

    with db.session() as session:
        # Bob's much faster cadence must never be what Ann is compared with.
        save_gait_report(session, people.bob, people.bob.id, _shifted(report, "cadence", 15), "b")
        stored = list_gait_reports(session, people.ann, people.ann.id)
        assert [r.id for r in stored] == [first.data["report_id"]]
        # the pictures named in the stored report are drawn after it was stored, and appear
        files = [a["path"] for a in first.to_dict()["artifacts"]]
        assert stored[0].report["artifacts"]["annotated_video"] in files
        assert sorted(map(str, appearing(files, timeout=300))) == sorted(files)
        manifest = read_manifest(Path(files[0]).parent) or {}
        assert manifest["state"] == "done"
        assert manifest["started"] >= stored[0].created_at.timestamp()

        same = compare_with_previous(session, people.ann, people.ann.id, report)
        assert same is not None and same.previous_id == first.data["report_id"]
        assert same.changes and not any(c.significant for c in same.changes)

        faster = compare_with_previous(
            session, people.ann, people.ann.id, _shifted(report, "cadence", 12)
        )
        assert faster is not None
        change = {c.name: c for c in faster.changes}["cadence"]
        assert change.significant and round(change.change, 6) == 12
        assert change.previous == cadence

    # A second analysis of the same clip: compared with Ann's first, and found unchanged.
    second = analyze_run_video(ann_ctx, str(require(VIDEO)))
    assert second.ok
    assert second.data["comparison"]["previous_id"] == first.data["report_id"]
    facts = {f.name: f.value for f in second.facts}
    assert facts["cadence_spm_previous"] == round(cadence, 1)
    assert facts["cadence_spm_change_since_previous"] == 0
    assert "no change beyond the clips' noise" in second.message


def test_metrics_in_other_units_or_unreliable_are_not_compared() -> None:
    metric = {"label": "X", "value": 10.0, "p25": 9.0, "p75": 11.0, "n": 20, "confidence": 0.9}
    before = {"metrics": {"a": {**metric, "unit": "cm", "reliable": True}}}
    relative = {"metrics": {"a": {**metric, "unit": "% leg length", "reliable": True}}}
    shaky = {"metrics": {"a": {**metric, "unit": "cm", "reliable": False}}}
    assert compare_metrics(before, relative) == []
    assert compare_metrics(before, shaky) == []
    assert len(compare_metrics(before, shaky, only_reliable=False)) == 1


def test_cli_analyze_stores_the_report_for_the_user(tmp_path: Path) -> None:
    done = _coachg(tmp_path, "--user", "ann", "analyze", str(require(VIDEO)), "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["metrics"]["cadence"]["value"] is not None
    db = Database(f"sqlite:///{tmp_path / 'coachg.db'}")
    with db.session() as session:
        ann = get_user(session, "ann")
        assert ann is not None
        stored = list_gait_reports(session, ann, ann.id)
        assert [r.id for r in stored] == [printed["report_id"]]
        assert stored[0].report["metrics"]["cadence"] == printed["metrics"]["cadence"]
    db.dispose()
    assert Path(printed["artifacts"]["annotated_video"]).is_file()


#: Ground contact times (ms) of twelve stored analyses, one a month from January 2025: about
#: 250 ms for six months, then about 225 ms (a runner who learnt to get off the ground sooner).
CONTACT_MS = (252.0, 248.0, 251.0, 249.0, 250.0, 253.0, 226.0, 224.0, 227.0, 223.0, 225.0, 222.0)


def test_a_contact_time_question_finds_the_stored_video_values(
    db: Database,
    people: People,
    settings: Settings,
    ann_ctx: ToolContext,
    real_clip_pose: tuple,
) -> None:
    """The question "has my contact time changed?" reads the contact time of Ann's stored video
    reports (the real clip's report as the analysis stores it, its contact time set to
    :data:`CONTACT_MS` and marked reliable, as from a 120 frames/s clip) and finds the drop."""
    real = analyze_track(*real_clip_pose).to_dict()
    assert real["metrics"]["ground_contact"]["unit"] == "ms"  # the key every report uses
    with db.session() as session:
        for month, value in enumerate(CONTACT_MS, start=1):
            report = copy.deepcopy(real)
            report["metrics"]["ground_contact"].update(value=value, reliable=True)
            report_id = save_gait_report(session, people.ann, people.ann.id, report, f"{month}.mp4")
            row = session.scalars(select(GaitReport).where(GaitReport.id == report_id)).one()
            row.created_at = datetime(2025, month, 1, 9, tzinfo=UTC)
    coach = Coach(db, settings, today=date(2026, 1, 15))
    reply = coach.turn(people.ann, "has my contact time changed?")
    assert [c.name for c in reply.tool_calls] == ["detect_changes"]
    result = reply.results[0]
    assert result.ok, result.message
    assert result.data["metric"] == "gait:ground_contact"
    assert (result.data["first"], result.data["last"]) == ("2025-01-01", "2025-12-01")
    facts = {f.name: f.value for f in result.facts}
    assert facts["runs_compared"] == len(CONTACT_MS)
    change = result.data["changes"][-1]
    assert change["date"] == "2025-07-01"  # the first analysis at the new level
    assert change["before"] == pytest.approx(sum(CONTACT_MS[:6]) / 6, abs=1.5)
    assert change["after"] == pytest.approx(sum(CONTACT_MS[6:]) / 6, abs=1.5)
    # the knee angle at contact of the same reports (reliable in the real clip) is found too
    knee = metric_series(ann_ctx, find_metric("knee flexion"), None)
    assert list(knee.values) == [real["metrics"]["knee_flexion_contact"]["value"]] * len(CONTACT_MS)


def test_a_question_about_the_video_already_analysed_is_answered_from_its_report(
    db: Database, people: People, settings: Settings, real_clip_pose: tuple
) -> None:
    """ "what cadence did you get from my treadmill video?" with no clip attached: the latest
    stored report's cadence, dated, instead of "attach your video"; Bob's report is not Ann's,
    and a request for a new analysis still asks for the clip."""
    real = analyze_track(*real_clip_pose).to_dict()
    cadence = real["metrics"]["cadence"]["value"]
    with db.session() as session:
        save_gait_report(session, people.ann, people.ann.id, real, "tread_mill*.mp4")
        save_gait_report(session, people.bob, people.bob.id, _shifted(real, "cadence", 20), "b")
    coach = Coach(db, settings, today=date(2026, 1, 15))
    reply = coach.turn(people.ann, "what cadence did you get from my treadmill video?")
    assert reply.text.startswith("Your video of ") and r"“tread\_mill\*.mp4”" in reply.text
    assert f"cadence {cadence:.1f} steps/min" in reply.text
    assert f"{cadence + 20:.1f}" not in reply.text
    again = coach.turn(people.ann, "can you analyze my running video")
    assert "Attach your run video" in again.text
