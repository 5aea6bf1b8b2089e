"""Gait analysis of the real side-view treadmill clip, against its pose-free ground truth."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from agent.composer import compose
from agent.verifier import ungrounded_numbers
from tests.gait_clips import passer_by
from tests.test_gait_helpers import TRUTH, VIDEO, require
from tools.gait.analyze import analyze_track, analyze_video
from tools.gait.report import SCHEMA_VERSION, GaitReport
from tools.gait.tool import report_facts
from tools.gait.tracking import _same_person
from tools.result import ToolResult


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads(require(TRUTH).read_text())


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gait_out")


@pytest.fixture(scope="module")
def report(out_dir: Path, real_clip_pose: tuple) -> GaitReport:
    """One full analysis of the real clip (the session's pose track, metrics and all outputs),
    shared by the tests."""
    seen: list[float] = []
    info, track = real_clip_pose
    rep = analyze_track(
        info, track, out_dir=out_dir, height_cm=178, progress=lambda f, m: seen.append(f)
    )
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    return rep


def test_cadence_matches_ground_truth(report: GaitReport, truth: dict) -> None:
    cadence = report.metrics["cadence"]
    assert cadence.value == pytest.approx(truth["cadence_spm"]["value"], abs=1.0)
    assert cadence.reliable


def test_contact_time_and_duty_factor_in_plausible_bands(report: GaitReport, truth: dict) -> None:
    bands = truth["plausible_bands"]
    lo, hi = bands["ground_contact_ms"]
    assert lo <= report.metrics["ground_contact"].value <= hi
    lo, hi = bands["duty_factor_pct"]
    assert lo <= report.metrics["duty_factor"].value <= hi


def test_view_and_direction_detected(report: GaitReport, truth: dict) -> None:
    assert report.view["view"] == truth["view"]
    assert report.view["faces"] == truth["runner_faces"]
    assert not report.view["given"]


def test_every_metric_has_a_confidence_and_honest_flag(report: GaitReport) -> None:
    assert len(report.metrics) >= 10
    for m in report.metrics.values():
        assert 0.0 <= m.confidence <= 1.0
        assert m.reliable == (m.confidence >= 0.5 and m.value is not None)
        if not m.reliable and m.value is not None:
            assert any(m.label in c for c in report.caveats), m.name
    # at 30 fps contact timing is coarse: the report must say so
    assert any("±33 ms" in c for c in report.caveats)
    assert 0.0 < report.confidence <= 1.0


def test_enough_steps_and_both_feet(report: GaitReport) -> None:
    feet = [e["foot"] for e in report.events]
    # 12 s at ~169 steps/min is ~33 steps; allow for the clip's ends
    assert 26 <= len(feet) <= 36
    assert abs(feet.count("left") - feet.count("right")) <= 3


def test_json_report_and_files(report: GaitReport, out_dir: Path) -> None:
    data = json.loads((out_dir / "gait_report.json").read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["metrics"]["cadence"]["unit"] == "steps/min"
    assert data["metrics"]["vertical_oscillation"]["unit"] == "cm"
    assert data["metrics"]["cadence"]["reference"]["sources"]
    video = Path(report.artifacts["annotated_video"])
    cap = cv2.VideoCapture(str(video))
    assert cap.isOpened() and cap.get(cv2.CAP_PROP_FRAME_COUNT) > 100
    cap.release()
    pngs = [Path(p) for k, p in report.artifacts.items() if k.startswith("key_frame")]
    assert pngs and all(cv2.imread(str(p)) is not None for p in pngs)
    assert Path(report.artifacts["joint_angles_plot"]).stat().st_size > 10_000
    assert Path(report.artifacts["plot_rhythm"]).stat().st_size > 10_000


def test_facts_are_flat_numbers_with_units_and_confidence(report: GaitReport) -> None:
    facts = {f.name: f for f in report_facts(report)}
    assert facts["cadence_spm"].unit == "steps/min"
    assert facts["cadence_spm"].value == pytest.approx(report.metrics["cadence"].value, abs=0.05)
    assert facts["ground_contact_ms"].confidence == report.metrics["ground_contact"].confidence
    assert "vertical_oscillation_cm" in facts
    assert facts["foot_strike_pattern"].value in ("rearfoot", "midfoot", "forefoot")


def test_a_passer_by_does_not_take_the_runners_place(
    report: GaitReport, truth: dict, tmp_path: Path
) -> None:
    """A smaller second runner (the same clip, 3 s out of phase, at 60 % size) crosses the
    picture behind the real one: the analysis keeps following the real runner."""
    clip = passer_by(tmp_path / "passer_by.mp4")

    crowded = analyze_video(clip)
    # the truth's ±0.5 plus how far a different split between pose workers moves this clip's
    # cadence (up to 1.4 steps/min, `python -m evals.gait_split`)
    assert crowded.metrics["cadence"].value == pytest.approx(truth["cadence_spm"]["value"], abs=1.9)
    leg = report.pose["leg_length_px"]
    assert crowded.pose["leg_length_px"] == pytest.approx(leg, rel=0.1)  # the big runner, always


def test_a_pose_a_moment_later_is_the_same_runner_and_a_passer_by_is_not(
    real_clip_pose: tuple,
) -> None:
    """Where one pose worker's range ends and the next begins, the poses are compared: the
    runner a frame later is the same person; a smaller or distant figure is someone else."""
    _, track = real_clip_pose
    pose = np.dstack([track.xy, track.visibility])
    now, next_frame = pose[100], pose[101]
    assert _same_person(now, next_frame)
    smaller = next_frame.copy()
    smaller[:, :2] = (smaller[:, :2] - smaller[0, :2]) * 0.6 + smaller[0, :2]
    assert not _same_person(now, smaller)
    across = next_frame.copy()
    across[:, 0] += 0.5 * (np.nanmax(now[:, 1]) - np.nanmin(now[:, 1]))
    assert not _same_person(now, across)
    assert _same_person(now, None)  # nobody found: nothing to mend


def test_the_reply_separates_what_is_measured_well_from_what_is_rough(report: GaitReport) -> None:
    result = ToolResult(
        tool="analyze_run_video",
        facts=report_facts(report),
        data={"report": report.to_dict()},
        confidence=report.confidence,
        caveats=report.caveats,
    )
    text = compose(result)
    well, rough = (
        text.split("**Only rough from this clip**") if "**Only rough" in text else (text, "")
    )
    for m in report.metrics.values():
        if m.value is None:
            continue
        assert m.label in (well if m.reliable else rough), m.label
    cadence = report.metrics["cadence"]
    assert f"{cadence.value:.1f} steps/min" in text
    assert ungrounded_numbers(text, [result], [], "analyze my run video") == []
    # angles and signed distances get a left-right difference, never an exploding percentage
    for m in report.metrics.values():
        if m.unit in ("deg", "% leg length"):
            assert m.asymmetry_pct is None


def _frames(path: Path) -> list:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while (read := cap.read())[0]:
        frames.append(read[1])
    cap.release()
    return frames


def test_the_pose_pass_keeps_the_clips_own_frames(real_clip_pose: tuple) -> None:
    """The frames kept for drawing are the clip's frames, in order, shrunk as the pose model saw
    them, and close to the decoded picture (JPEG loses little)."""
    info, track = real_clip_pose
    kept = track.images
    assert kept is not None and list(kept.indices) == list(track.frames)
    decoded = _frames(require(VIDEO))
    for index in (0, 179, 180, len(decoded) - 1):  # both sides of the workers' split
        image = kept.image(index)
        assert image.shape[1] == round(info.width * kept.scale)
        small = cv2.resize(decoded[index], image.shape[1::-1], interpolation=cv2.INTER_LINEAR)
        assert float(cv2.absdiff(image, small).mean()) < 4.0
    assert kept.nearest(10_000) == len(decoded) - 1


def test_the_annotated_clip_drawn_from_kept_frames_matches_one_decoded_again(
    report: GaitReport, real_clip_pose: tuple, tmp_path: Path
) -> None:
    info, track = real_clip_pose
    again = analyze_track(info, replace(track, images=None), out_dir=tmp_path, height_cm=178)
    kept = _frames(Path(report.artifacts["annotated_video"]))
    decoded = _frames(Path(again.artifacts["annotated_video"]))
    assert len(kept) == len(decoded) == info.frame_count
    assert kept[0].shape == decoded[0].shape
    for k in (0, len(kept) // 2, len(kept) - 1):
        assert float(cv2.absdiff(kept[k], decoded[k]).mean()) < 8.0
    assert [Path(p).name for k, p in report.artifacts.items() if k.startswith("key_frame")] == [
        Path(p).name for k, p in again.artifacts.items() if k.startswith("key_frame")
    ]
