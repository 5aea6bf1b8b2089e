"""Longitudinal tracking: each analysis is stored for its athlete and compared with their previous
one, on the real clip and a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from storage.db import Database
from storage.gait_reports import list_gait_reports, save_gait_report
from storage.users import get_user
from tests.conftest import People
from tests.test_activities_cli import _coachg
from tests.test_gait_helpers import VIDEO, require
from tools.context import ToolContext
from tools.gait.history import compare_metrics, compare_with_previous
from tools.gait.tool import analyze_run_video


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
