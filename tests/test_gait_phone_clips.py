"""Gait analysis on the clips runners actually send: slow motion, mirrored, the wrong view named,
the wrong frame rate given, too few steps, no runner. The clips are made from the real clip at
test time (tests/gait_clips.py); pose runs once per clip (module fixtures) and once for the real
clip per session (``real_clip_pose``), and the variants are analysed from those tracks.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from agent.extractors import EXTRACTORS
from agent.verifier import ungrounded_numbers
from tests import gait_clips
from tests.test_gait_helpers import TRUTH, require
from tools.gait.advice import TIPS, advice, note_section
from tools.gait.analyze import RHYTHM_AGREEMENT, _gate, analyze_track, analyze_video
from tools.gait.confidence import Confidence
from tools.gait.errors import GaitAnalysisError
from tools.gait.frame_rate import RUNNING_SPM
from tools.gait.metrics import SPECS
from tools.gait.render import text_scale, typical_steps
from tools.gait.reply import compose_gait
from tools.gait.report import GaitReport, summarise
from tools.gait.steps import Step
from tools.gait.tool import report_facts
from tools.gait.tracking import PoseTrack, track_pose
from tools.gait.video_io import FPS_CAPTURE_TAG, FPS_FILE, FPS_GIVEN, VideoInfo, probe_video
from tools.gait.view import check_view_name
from tools.result import ToolResult


def _clip_pose(name: str) -> tuple[VideoInfo, PoseTrack]:
    """Pose of one of ``tests.gait_clips.TRUTHS``' clips, kept on disk between runs."""
    return gait_clips.cached_pose(gait_clips.clip_path(name, gait_clips.pose_cache_dir() / "clips"))


@pytest.fixture(scope="module")
def truth_spm() -> float:
    return float(json.loads(require(TRUTH).read_text())["cadence_spm"]["value"])


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("phone_clips")


@pytest.fixture(scope="module")
def slow_clip(clips: Path) -> Path:
    """2 s of real running interpolated to 120 frames/s, playing at 30 (4x slow motion)."""
    return gait_clips.slow_motion(clips / "slow_4x.mp4", seconds=2.0)


@pytest.fixture(scope="module")
def slow_pose(slow_clip: Path) -> tuple[VideoInfo, PoseTrack]:
    """Pose of every frame of the slow-motion clip, timed as the file says (30 frames/s)."""
    info = probe_video(slow_clip)
    return info, track_pose(info)


def _retimed(info: VideoInfo, track: PoseTrack, fps: float) -> tuple[VideoInfo, PoseTrack]:
    """The same frames and pose, timed at ``fps`` as if the runner had said so."""
    new = replace(info, fps=fps, fps_source=FPS_GIVEN)
    factor = fps / info.fps
    return new, replace(track, times=track.frames / fps, fps=track.fps * factor)


def _reply(report: GaitReport) -> tuple[str, ToolResult]:
    result = ToolResult(
        tool="analyze_run_video",
        facts=report_facts(report),
        data={"report": report.to_dict()},
        confidence=report.confidence,
        caveats=report.caveats,
    )
    return compose_gait(result), result


def _assert_honest(report: GaitReport) -> None:
    """No implausible value and no value without its steps is ever shown as measured, and the
    reply quotes no number for a metric that was not measured."""
    text, result = _reply(report)
    for name, m in report.metrics.items():
        spec = SPECS[name]
        if m.value is None:
            assert not m.reliable
            assert f"{m.label}: {m.value}" not in text
            continue
        lo, hi = spec.plausible or (-np.inf, np.inf)
        assert lo <= m.value <= hi, name
        assert m.n >= spec.min_n, name
    strike = report.metrics.get("foot_strike_angle")
    if strike is not None and strike.reliable:
        # reliable only when its own steps agree: rearfoot above 8 deg, forefoot below -1.6
        kinds = ["rear" if v > 8 else "fore" if v < -1.6 else "mid" for v in strike.per_step]
        assert max(kinds.count(k) for k in set(kinds)) >= 0.75 * len(kinds)
    cadence = report.metrics["cadence"]
    if cadence.value is not None and report.pose["cadence_source"] == "steps":
        assert len(cadence.per_step) >= 2  # never a counted cadence without strides
    elif cadence.value is not None:  # from the legs' rhythm, and it says so
        assert report.pose["cadence_source"] == "rhythm"
        assert cadence.value == pytest.approx(report.pose["motion_cadence_spm"], abs=0.05)
        assert cadence.reasons[0].startswith("from the legs' rhythm")
    else:
        assert "Cadence: not measured" in text
    assert ungrounded_numbers(text, [result], [], "analyze my run video") == []


#: How close the legs' rhythm over a clip of 2-3 s comes to the true cadence, in steps/min
#: (a window of only a few strides; measured: 169.1 and 166.3 against 168.9).
RHYTHM_SPM = 4.0
_DISAGREE = re.compile(
    r"the steps I found give ([\d.]+) steps/min but the legs' rhythm gives ([\d.]+), so steps "
    r"were missed or counted twice"
)


def _assert_from_rhythm(report: GaitReport) -> None:
    """The cadence given is the legs' rhythm's, with the rhythm's own confidence, and says so."""
    cadence = report.metrics["cadence"]
    rhythm = report.pose["motion_cadence_spm"]
    assert report.pose["cadence_source"] == "rhythm"
    assert cadence.value == pytest.approx(rhythm, abs=0.05)
    assert cadence.confidence == pytest.approx(report.pose["motion_cadence_confidence"])
    assert cadence.reasons[0].startswith("from the legs' rhythm")
    assert "not from counted steps" in cadence.reasons[0]


def _assert_steps_disagree(report: GaitReport) -> None:
    """The steps found disagree with the legs' rhythm: the cadence given is the rhythm's, with
    its own confidence, and its reason says both numbers, which differ by more than the
    agreement allowed."""
    cadence = report.metrics["cadence"]
    rhythm = report.pose["motion_cadence_spm"]
    assert report.pose["cadence_source"] == "rhythm"
    assert cadence.value == pytest.approx(rhythm, abs=0.05)
    assert cadence.confidence == pytest.approx(report.pose["motion_cadence_confidence"])
    said = _DISAGREE.search(cadence.reasons[0])
    assert said, cadence.reasons
    assert float(said[2]) == pytest.approx(rhythm, abs=0.05)
    assert abs(float(said[1]) / rhythm - 1) > RHYTHM_AGREEMENT


# --- frame rate ------------------------------------------------------------------------------


def test_capture_rate_tag_and_the_rate_given_set_the_timing(clips: Path, slow_clip: Path) -> None:
    tagged = gait_clips.slow_motion(clips / "slow_4x_tagged.mp4", seconds=2.0, capture_fps=120.0)
    info = probe_video(tagged)
    assert (info.fps, info.container_fps, info.fps_source) == (120.0, 30.0, FPS_CAPTURE_TAG)
    assert info.slow_motion_factor == pytest.approx(4.0)
    plain = probe_video(slow_clip)
    assert (plain.fps, plain.capture_fps, plain.fps_source) == (30.0, None, FPS_FILE)
    given = probe_video(slow_clip, fps=120)
    assert (given.fps, given.fps_source) == (120.0, FPS_GIVEN)
    # the chat phrase sets it too
    assert EXTRACTORS["fps"]("it's 240 fps slow-mo") == 240.0


def test_slow_motion_without_its_rate_is_timed_again_or_asked_with_what_to_say(
    slow_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """2 s of 4x slow motion with no tag: never timed as the file says. Either the body's
    physics is sure of the factor and the clip is timed again, saying so, or Coach G asks,
    naming the factor and the rate to confirm (4 x 30 = 120 fps)."""
    info, track = slow_pose
    try:
        report = analyze_track(info, track)
    except GaitAnalysisError as refused:
        assert refused.code == "slow_motion"
        assert "120 fps" in refused.message
        assert "this looks like about 4x slow motion" in refused.message
        return
    assert report.video["fps"] == 120.0 and report.video["fps_source"] == "the motion's physics"
    assert report.caveats[0].startswith("This looks like about 4x slow motion")
    _assert_honest(report)


def test_slow_motion_with_its_rate_confirmed_is_timed_right(
    slow_pose: tuple[VideoInfo, PoseTrack], truth_spm: float
) -> None:
    report = analyze_track(*_retimed(*slow_pose, 120.0))
    assert report.video["fps"] == 120.0 and report.video["fps_source"] == FPS_GIVEN
    # Timed right, the legs' rhythm is the runner's cadence (truth: 168.9 ± 0.5 steps/min);
    # timed as the file says (30 frames/s) it would be a quarter of it.
    assert report.pose["motion_cadence_spm"] == pytest.approx(truth_spm, abs=RHYTHM_SPM)
    # 2 s of interpolated frames hold one stride the event detector finds: the cadence is the
    # legs' rhythm's, with its confidence, saying why the steps could not give it.
    _assert_from_rhythm(report)
    _assert_honest(report)
    assert "timed at 120 frames/s" in _reply(report)[0]


def test_a_wrong_rate_given_is_refused_not_measured(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """The real 30 frames/s clip said to be 120 frames/s: the runner would take ~680 steps a
    minute, so nothing is measured and the reply says which rate would fit."""
    with pytest.raises(GaitAnalysisError) as refused:
        analyze_track(*_retimed(*real_clip_pose, 120.0))
    assert refused.value.code == "wrong_fps"
    assert "At 30 frames/s" in refused.value.message


# --- view and direction ----------------------------------------------------------------------


def test_direction_is_right_on_the_mirrored_clip(truth_spm: float) -> None:
    truth_faces = json.loads(require(TRUTH).read_text())["runner_faces"]
    mirrored_faces = {"left": "right", "right": "left"}[truth_faces]
    report = analyze_track(*_clip_pose("mirrored"))
    assert report.view["view"] == "side"
    assert report.view["faces"] == mirrored_faces
    assert report.view["faces_confidence"] >= 0.8
    # Mirroring does not change the rhythm (truth: 168.9 ± 0.5 steps/min), and the steps found
    # agree with it closely enough for theirs to be given, saying the rhythm agrees.
    assert report.pose["motion_cadence_spm"] == pytest.approx(truth_spm, abs=RHYTHM_SPM)
    cadence = report.metrics["cadence"]
    if report.pose["cadence_source"] == "steps":  # they agree: the steps' cadence, saying so
        assert abs(cadence.value / report.pose["motion_cadence_spm"] - 1) <= RHYTHM_AGREEMENT
        assert any(r.startswith("the legs' rhythm agrees") for r in cadence.reasons)
    else:  # they disagree (by pose run): the rhythm's, saying both
        _assert_steps_disagree(report)
    assert cadence.value == pytest.approx(truth_spm, abs=RHYTHM_SPM)
    _assert_honest(report)


def test_the_picture_overrules_a_wrong_view_name(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """'this is from behind, does my hip drop?' with a side-view clip: side-view measures,
    the disagreement said, no rear-view metric at all."""
    report = analyze_track(*real_clip_pose, view="rear")
    assert report.view["view"] == "side" and report.view["given"]
    assert report.view["detected"] == "side"
    assert "side view" in report.view["note"]
    assert not {"pelvic_drop", "arm_crossover", "step_width", "knee_fppa"} & set(report.metrics)
    text, _ = _reply(report)
    assert report.view["note"] in text
    assert [s["view"] for s in report.view["segments"]] == ["side"]
    _assert_honest(report)


# --- steps and gates -------------------------------------------------------------------------


def test_no_metric_without_its_steps(
    real_clip_pose: tuple[VideoInfo, PoseTrack], truth_spm: float
) -> None:
    """The first 1.6 s of the real clip hold 1.6 x 168.9 / 60 = 4.5 steps, 2.25 strides: too
    few counted strides for a cadence, so the legs' rhythm gives it (not reliable, saying so),
    and each metric that needs more steps or strides than were found is not measured, saying
    how many it had and needs."""
    info, track = real_clip_pose
    keep = track.times < 1.6
    short = replace(
        track,
        frames=track.frames[keep],
        times=track.times[keep],
        xy=track.xy[keep],
        visibility=track.visibility[keep],
        frames_expected=int(keep.sum()),
    )
    report = analyze_track(replace(info, frame_count=int(keep.sum())), short)
    cadence = report.metrics["cadence"]
    assert not cadence.reliable
    if cadence.value is None:  # the rhythm, too, holds fewer than two whole periods
        assert "strides could be measured and it needs at least 2" in cadence.not_measured
    else:
        assert cadence.n == 2
        _assert_from_rhythm(report)
        assert "strides could be measured and it needs at least 2" in cadence.reasons[0]
        # two periods at 30 frames/s: one frame (1/21 of a 0.71 s stride) is ~8 steps/min
        assert cadence.value == pytest.approx(truth_spm, abs=8.0)
    unmeasured = {}
    for name, m in report.metrics.items():
        spec = SPECS[name]
        if name == "cadence":
            continue
        if m.n >= spec.min_n:
            assert m.value is not None and m.not_measured is None, name
            continue
        what = "strides" if spec.per == "stride" else "steps"
        assert m.value is None and not m.reliable, name
        assert (
            m.not_measured
            == f"only {m.n} {what} could be measured and it needs at least {spec.min_n}"
        )
        unmeasured[name] = m.n
    # the duty factor needs 3 strides, and 1.6 s hold 2.25
    assert unmeasured.get("duty_factor", 9) <= 2
    _assert_honest(report)


def test_an_implausible_value_is_not_measured_and_says_why() -> None:
    """Per-stride cadences of a slowed clip (84-86 steps/min) are outside what running allows."""
    values = [84.0, 85.0, 86.0]
    m = summarise(
        "cadence",
        "Cadence",
        "steps/min",
        values,
        [0.0, 1.4, 2.8],
        ["", "", ""],
        Confidence(0.9, []),
        4.0,
    )
    assert m.value == pytest.approx(85.0)  # the median, before the gate
    gated = _gate(m, "cadence")
    assert gated.value is None and not gated.reliable
    lo, hi = RUNNING_SPM
    assert f"{lo:g} to {hi:g} steps/min" in gated.not_measured
    assert gated.text().startswith("Cadence: not measured, because")
    # and a cadence that disagrees with the legs' own rhythm is not measured either
    again = summarise(
        "cadence", "Cadence", "steps/min", [170.0] * 3, [0, 1, 2], [""] * 3, Confidence(0.9), 4
    )
    assert _gate(again, "cadence", rhythm_spm=120.0).value is None


def test_a_clip_with_no_runner_says_so(clips: Path) -> None:
    with pytest.raises(GaitAnalysisError) as refused:
        analyze_video(gait_clips.no_runner(clips / "garage.mp4", seconds=1.6))
    assert refused.value.code == "no_person"
    assert "whole body" in refused.value.message


# --- what the report shows -------------------------------------------------------------------


def test_advice_for_reliable_out_of_range_values_cites_existing_notes(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    for tip in TIPS:  # every sentence rests on a notes section that exists today
        assert note_section(tip.note, tip.section) is not None, (tip.note, tip.section)
    report = analyze_track(*real_clip_pose)
    expected = set()
    for tip in TIPS:
        m = report.metrics.get(tip.metric)
        if m is None or not m.reliable or m.value is None or not m.reference:
            continue
        low, high = m.reference.get("low"), m.reference.get("high")
        if (tip.when == "low" and low is not None and m.value < low) or (
            tip.when == "high" and high is not None and m.value > high
        ):
            expected.add(tip.metric)
    got = {a["metric"] for a in report.advice}
    assert expected <= got and got == {a["metric"] for a in advice(report.metrics)}
    text, _ = _reply(report)
    for tip in report.advice:
        assert tip["section"] in text and tip["source"] in text
    for unreliable in (m for m in report.metrics.values() if not m.reliable):
        assert unreliable.name not in got


def test_key_frames_are_typical_and_one_per_foot_and_step(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    report = analyze_track(*real_clip_pose)
    steps = [Step(e["foot"], e["contact_s"], e["toe_off_s"], None, None) for e in report.events]
    chosen = typical_steps(report, steps, 4)
    assert len(chosen) == 4 and {s.side for s in chosen} == {"left", "right"}
    stride = 120.0 / report.metrics["cadence"].value  # seconds per stride
    for a in chosen:
        for b in chosen:
            if a is not b and a.side == b.side:
                assert abs(a.contact - b.contact) > 0.5 * stride
    # typical: each chosen step's contact time lies inside the clip's interquartile range
    contact = report.metrics["ground_contact"]
    for s in chosen:
        assert contact.p25 - 1e-6 <= s.contact_ms <= contact.p75 + 1e-6


def test_key_frame_text_fits_the_picture() -> None:
    import cv2

    lines = ["Overstride (heel ahead of hip): 12 % leg length", "left foot contact at 3.21 s"]
    for width, height in ((270, 480), (540, 960), (1080, 1920), (960, 540)):
        scale = text_scale(lines, width, height)
        widest = max(
            cv2.getTextSize(line, cv2.FONT_HERSHEY_SIMPLEX, scale, 4)[0][0] for line in lines
        )
        assert widest <= width - 24


def test_a_runner_too_small_to_measure_is_refused(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """The real runner's landmarks at a fifth of their size (a leg of ~55 px, as from 20 m
    away in a 720p picture): refused with how to film, not measured."""
    info, track = real_clip_pose
    far = replace(track, xy=track.xy * 0.2)
    with pytest.raises(GaitAnalysisError) as refused:
        analyze_track(info, far)
    assert refused.value.code == "runner_too_small"
    assert "closer" in refused.value.message


def test_a_clip_that_turns_oblique_is_measured_from_its_side_view_part_only(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """A stand-in for a clip that turns from side-on to three-quarter: from 6 s on, the
    runner's right-hand landmarks sit half a torso length to the side of the left-hand ones, as
    a camera moving round to the front would see them. Side-view measures use only 0-6 s."""
    from models.pose import LANDMARK_NAMES

    info, track = real_clip_pose
    xy = track.xy.copy()
    later = track.times >= 6.0
    shoulders = (xy[:, 11] + xy[:, 12]) / 2
    hips = (xy[:, 23] + xy[:, 24]) / 2
    torso = float(np.nanmedian(np.linalg.norm(shoulders - hips, axis=1)))
    right = [i for i, name in enumerate(LANDMARK_NAMES) if name.startswith("right_")]
    xy[np.ix_(later, right, [0])] += 0.5 * torso
    report = analyze_track(info, replace(track, xy=xy))
    kinds = [s["view"] for s in report.view["segments"]]
    assert kinds[0] == "side" and "side" not in kinds[1:], kinds
    turn = report.view["segments"][1]["start_s"]
    assert 5.0 <= turn <= 7.0
    assert report.view["view"] == "side"
    assert report.events and all(e["contact_s"] <= turn for e in report.events)
    for name in ("ground_contact", "overstride", "knee_flexion_contact"):
        assert all(t <= turn for t in report.metrics[name].per_step_times)
    assert any("another view" in c for c in report.caveats)
    _assert_honest(report)


def _turned_to_face(track: PoseTrack, right_shift: float, face: float) -> PoseTrack:
    """The real runner's landmarks as a camera in front of or behind them would place them: the
    right-hand landmarks moved ``right_shift`` torso lengths sideways (negative: to the image's
    left, as seen from the front), with the face's visibility set to ``face``."""
    from models.pose import LANDMARK_NAMES

    xy, visibility = track.xy.copy(), track.visibility.copy()
    shoulders = (xy[:, 11] + xy[:, 12]) / 2
    hips = (xy[:, 23] + xy[:, 24]) / 2
    torso = float(np.nanmedian(np.linalg.norm(shoulders - hips, axis=1)))
    right = [i for i, name in enumerate(LANDMARK_NAMES) if name.startswith("right_")]
    xy[:, right, 0] += right_shift * torso
    visibility[:, :11] = face  # nose, eyes, ears, mouth
    return replace(track, xy=xy, visibility=visibility)


def test_a_clip_from_the_front_is_refused_and_one_from_behind_is_not(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """From the front the runner's right is on the image's left and the face is seen: refused,
    saying so and how to film. The same picture with the right on the image's right and no face
    (from behind) is measured as a rear view."""
    info, track = real_clip_pose
    with pytest.raises(GaitAnalysisError) as refused:
        analyze_track(info, _turned_to_face(track, -0.9, face=0.95))
    assert refused.value.code == "front_view"
    assert "the front" in refused.value.message and "from behind" in refused.value.message
    rear = analyze_track(info, _turned_to_face(track, 0.9, face=0.1))
    assert rear.view["view"] == "rear" and rear.view["faces"] == "away"
    assert {s["view"] for s in rear.view["segments"]} == {"rear"}
    _assert_honest(rear)


def test_naming_the_front_view_is_answered_with_how_to_film() -> None:
    with pytest.raises(GaitAnalysisError) as refused:
        check_view_name("front")
    assert refused.value.code == "front_view" and "behind" in refused.value.message


# --- issue 21: physics, rhythm, direction and leg identity on clips closer to real phones -----


def test_two_people_walking_is_refused_with_both_reasons() -> None:
    """The real sports2d clip (two people walking, nobody running) is refused, not analysed:
    no running (the physics said), and two people (which one?)."""
    with pytest.raises(GaitAnalysisError) as refused:
        analyze_track(*_clip_pose("walking_two_people"))
    assert refused.value.code == "not_running"
    message = refused.value.message
    assert message.startswith("No running found: this looks like walking")
    assert "hips ride highest as the legs pass" in message
    assert "at least two people" in message and "which one is the runner?" in message


def test_walking_and_running_are_told_apart_by_the_hips_phase(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """Clock-free physics: the hips are lowest as the legs pass in running and highest in
    walking, at any playback speed (the 4x slow clip is still running)."""
    from tools.gait.filtering import clean_trajectories
    from tools.gait.physics import pendulum_phase

    def phase(info: VideoInfo, track: PoseTrack) -> float:
        xy = clean_trajectories(track.xy, track.fps)
        person = slice(0, len(xy))
        if info.path.name.startswith("sports2d"):  # the one the track follows longest
            from tools.gait.identity import people

            first = people(track.times, track.xy)[0]
            person = slice(first.start, first.stop)
        return pendulum_phase(xy[person], track.visibility[person], track.fps)

    assert phase(*real_clip_pose) < -0.5
    assert phase(*_clip_pose("slow_4x_by_rate")) < -0.5
    assert phase(*_clip_pose("walking_two_people")) > 0.1


def test_feet_out_of_the_picture_time_no_step_and_cadence_comes_from_the_rhythm(
    truth_spm: float,
) -> None:
    """The picture cut below the knees: no step can be timed, so nothing timed by steps is
    measured (saying the feet are out of the picture), and the cadence is the legs' rhythm's
    when it is clear, else not measured."""
    report = analyze_track(*_clip_pose("knees_cropped"))
    assert report.pose["feet_seen"] < 0.5
    for name, m in report.metrics.items():
        if name == "cadence" and m.value is not None:
            _assert_from_rhythm(report)
            assert m.value == pytest.approx(truth_spm, abs=2 * RHYTHM_SPM)
            continue
        assert m.value is None and "the feet are out of the picture" in m.not_measured, name
    _assert_honest(report)


def test_direction_comes_from_the_body_when_the_camera_pans() -> None:
    """The window slides towards where the runner faces (left), so the runner drifts right
    across the picture by two leg lengths: the body (toes, nose, knees) still says left."""
    from tools.gait.identity import body_scale
    from tools.gait.view import facing_evidence

    info, track = _clip_pose("panning")
    found = facing_evidence(track.xy, body_scale(track.xy))
    assert found.travel > 1.5  # the movement across the picture points the wrong way
    assert all(v < -0.3 for v in found.cues.values()), found.cues
    report = analyze_track(info, track)
    assert report.view["faces"] == "left" and report.view["faces_confidence"] >= 0.8


def test_untagged_slow_motion_by_the_files_rate_is_timed_again_from_physics(
    truth_spm: float,
) -> None:
    """The real frames written at 7.5 frames/s (4x slow, no tag): gravity and the rhythm both
    say about 4x, so the clip is timed at 30 frames/s and the reply says why; or, as sure as
    the line that decides (0.75) and not more, it asks, saying about 4x (with the ONNX
    estimator's region moving with the tracker's window the physics says 0.74 here, with it
    searching afresh at each move it said 0.80)."""
    info, track = _clip_pose("slow_4x_by_rate")
    assert info.fps == 7.5
    try:
        report = analyze_track(info, track)
    except GaitAnalysisError as asked:
        assert asked.code == "slow_motion"
        assert "this looks like about 4x slow motion" in asked.message
        assert "30 fps" in asked.message  # the rate to confirm
        return
    assert report.video["fps"] == 30.0 and report.video["fps_source"] == "the motion's physics"
    estimate = report.video["slow_motion_estimate"]
    assert estimate["factor"] == 4 and estimate["confidence"] >= 0.75
    assert 3.0 < estimate["from_gravity"] < 5.0 and 3.5 < estimate["from_rhythm"] < 4.5
    assert report.caveats[0].startswith("This looks like about 4x slow motion")
    assert report.metrics["cadence"].value == pytest.approx(truth_spm, abs=RHYTHM_SPM)
    _assert_honest(report)


def _timed_again_or_asked(name: str, truth_spm: float) -> GaitReport | None:
    """Untagged 4x slow motion: timed again from physics (saying about 4x) when sure, else asked
    about, saying about 4x and the rate to confirm. Returns the report when timed again."""
    try:
        report = analyze_track(*_clip_pose(name))
    except GaitAnalysisError as refused:
        assert refused.code == "slow_motion"
        assert "this looks like about 4x slow motion" in refused.message
        assert "120 fps" in refused.message
        return None
    assert report.video["slow_motion_estimate"]["factor"] == 4
    assert report.caveats[0].startswith("This looks like about 4x slow motion")
    assert report.metrics["cadence"].value == pytest.approx(truth_spm, abs=RHYTHM_SPM)
    _assert_honest(report)
    return report


def test_duplicated_frames_are_timed_again_and_their_coarse_timing_said(truth_spm: float) -> None:
    report = _timed_again_or_asked("slow_4x_duplicated", truth_spm)
    if report is not None:
        assert report.pose["held_frames"] == 4
        assert any("repeated 4 times" in c for c in report.caveats)
        for name in ("ground_contact", "flight", "duty_factor"):
            assert not report.metrics[name].reliable  # 7.5 different pictures a second


def test_interpolated_slow_motion_is_timed_again_or_asked_with_its_factor(
    truth_spm: float,
) -> None:
    _timed_again_or_asked("slow_4x_interpolated", truth_spm)


def test_a_rotated_phone_clip_and_a_tilted_camera_are_analysed(truth_spm: float) -> None:
    for name in ("rotated", "tilted"):
        info, track = _clip_pose(name)
        report = analyze_track(info, track)
        assert report.view["faces"] == "left", name
        assert report.pose["motion_cadence_spm"] == pytest.approx(truth_spm, abs=RHYTHM_SPM)
        assert report.metrics["cadence"].value == pytest.approx(truth_spm, abs=RHYTHM_SPM)
        _assert_honest(report)
    assert info.rotation_deg == 0 and gait_clips.cached_pose.__name__  # tilted: no tag
    assert (
        probe_video(
            gait_clips.clip_path("rotated", gait_clips.pose_cache_dir() / "clips")
        ).rotation_deg
        == 90
    )


def test_leg_names_follow_the_legs_better_than_the_pose_model_against_rtmpose(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """RTMPose's own left and right (the reference keypoints beside the real clip, another
    model) agree with the legs as followed over time more often than with MediaPipe's labels."""
    from models.pose import LANDMARK_INDEX as IDX
    from tools.gait.identity import track_legs

    ref = json.loads(
        require(TRUTH.with_name(TRUTH.name.replace(".truth", ".rtmpose_halpe26"))).read_text()
    )
    frames = np.asarray(ref["frames"])
    names = ref["keypoint_names"]
    _, track = real_clip_pose

    def agreement(xy: np.ndarray) -> float:
        left, right = xy[:, IDX["left_ankle"]], xy[:, IDX["right_ankle"]]
        rl, rr = frames[:, names.index("l_ankle"), :2], frames[:, names.index("r_ankle"), :2]
        same = np.linalg.norm(left - rl, axis=1) + np.linalg.norm(right - rr, axis=1)
        crossed = np.linalg.norm(left - rr, axis=1) + np.linalg.norm(right - rl, axis=1)
        apart = np.linalg.norm(rl - rr, axis=1) > 40
        return float(np.mean(same[apart] < crossed[apart]))

    followed, _, legs = track_legs(track.xy, track.visibility)
    assert agreement(followed) >= 0.98
    assert agreement(followed) > agreement(track.xy)
    assert legs.near_side == "left" and legs.doubt == 0  # faces left: its left leg is near


def test_many_leg_mix_ups_are_put_right_and_lower_the_confidence_said(
    real_clip_pose: tuple[VideoInfo, PoseTrack],
) -> None:
    """The real track with the legs' names swapped in a third of its frames (blocks of 5): they
    are put right (the contact times come back), counted, and the sided metrics lose confidence,
    saying why."""
    from models.pose import LANDMARK_INDEX as IDX
    from tools.gait.identity import LEG_CHAIN

    info, track = real_clip_pose
    xy, vis = track.xy.copy(), track.visibility.copy()
    swapped = (np.arange(len(xy)) // 5) % 3 == 1
    for a, b in LEG_CHAIN:
        i, j = IDX[a], IDX[b]
        xy[swapped, i], xy[swapped, j] = track.xy[swapped, j], track.xy[swapped, i]
        vis[swapped, i], vis[swapped, j] = (
            track.visibility[swapped, j],
            track.visibility[swapped, i],
        )
    clean = analyze_track(info, track)
    mixed = analyze_track(info, replace(track, xy=xy, visibility=vis))
    assert mixed.pose["leg_swaps_fixed"] >= 0.4 * swapped.sum()
    assert mixed.pose["leg_identity_doubt"] > 0.5
    assert any("mixed up the left and right legs" in c for c in mixed.caveats)
    for name in ("ground_contact", "overstride"):
        assert mixed.metrics[name].confidence < clean.metrics[name].confidence
        # within a tenth, or (overstride lies near zero: a tenth of it is nothing) within half
        # the clean clip's own stride-to-stride spread
        m, c = mixed.metrics[name], clean.metrics[name]
        spread = c.p75 - c.p25
        assert abs(m.value - c.value) <= max(0.1 * abs(c.value), 0.5 * spread), (name, m, c)
    _assert_honest(mixed)
