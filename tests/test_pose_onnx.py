"""MediaPipe's pose landmark model on ONNX Runtime against MediaPipe itself, on the same frames
of the real clip: the same landmarks within a few pixels, in less CPU time."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from models.pose import MediaPipePoseEstimator
from models.pose_onnx import OnnxPoseEstimator, _refine, onnx_model, roi_from_alignment
from tests.test_gait_helpers import VIDEO, require
from tools.gait.video_io import iter_frames, probe_video

#: Landmarks (MediaPipe visibility > 0.5) within this many pixels of MediaPipe's, at the
#: median, on 640-pixel frames; MediaPipe's own landmarks move 2.35 px at the median between
#: its tracking and its per-frame detection on the same frames (4.6 px for the legs).
MEDIAN_PX = 2.0
LEGS_MEDIAN_PX = 3.5


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return onnx_model(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    info = probe_video(require(VIDEO))
    return [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for _, f in iter_frames(info, stop=90, max_side=640)]


def _run(estimator: object, frames: list[np.ndarray]) -> tuple[np.ndarray, float]:
    out, cpu = [], []
    with estimator:  # type: ignore[attr-defined]
        for frame in frames:
            start = time.process_time()
            found = estimator.estimate(frame)  # type: ignore[attr-defined]
            cpu.append(time.process_time() - start)
            out.append(np.full((33, 3), np.nan) if found is None else found)
    return np.array(out), float(np.median(cpu[5:]))


def test_same_frames_give_the_same_landmarks_in_less_time(
    model: Path, frames: list[np.ndarray]
) -> None:
    theirs, their_cpu = _run(MediaPipePoseEstimator(tracking=True), frames)
    ours, our_cpu = _run(OnnxPoseEstimator(model), frames)
    assert np.isfinite(ours[:, :, 0]).all()
    seen = theirs[:, :, 2] > 0.5
    apart = np.hypot(*(ours[:, :, :2] - theirs[:, :, :2]).transpose(2, 0, 1))
    assert np.median(apart[seen]) < MEDIAN_PX
    legs = slice(23, 33)
    assert np.median(apart[:, legs][seen[:, legs]]) < LEGS_MEDIAN_PX
    # visibility is MediaPipe's too: the far leg's ankle is seen less than the near one's
    assert np.median(ours[:, 28, 2]) < np.median(ours[:, 27, 2])
    assert our_cpu < 0.8 * their_cpu, (our_cpu, their_cpu)


def test_a_runner_is_found_without_a_region_and_lost_in_an_empty_picture(
    model: Path, frames: list[np.ndarray]
) -> None:
    with OnnxPoseEstimator(model, tracking=False) as estimator:
        found = estimator.estimate(frames[0])
        assert found is not None and found.shape == (33, 3)
        width = frames[0].shape[1]
        assert (found[:, 0] > 0).all() and (found[:, 0] < width).all()
        assert estimator.estimate(np.full_like(frames[0], 128)) is None


def test_the_region_stands_the_body_upright() -> None:
    centre = np.array([100.0, 200.0])
    centre_out, side, rotation = roi_from_alignment(centre, centre + np.array([0.0, -80.0]))
    assert rotation == pytest.approx(0.0) and side == pytest.approx(2 * 80 * 1.25)
    assert (centre_out == centre).all()
    _, _, leaning = roi_from_alignment(centre, centre + np.array([80.0, -80.0]))  # top leans right
    assert leaning == pytest.approx(np.pi / 4)


def _refine_by_loops(norm: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """MediaPipe's RefineLandmarksFromHeatmap written out plainly, window by window."""
    out = norm.copy()
    channels, rows, cols = heatmap.shape
    for i in range(min(channels, len(norm))):
        col, row = int(norm[i, 0] * cols), int(norm[i, 1] * rows)
        if not (0 <= col < cols and 0 <= row < rows):
            continue
        total = weighted_col = weighted_row = peak = 0.0
        for r in range(max(0, row - 3), min(rows, row + 4)):
            for c in range(max(0, col - 3), min(cols, col + 4)):
                conf = 1 / (1 + np.exp(-heatmap[i, r, c]))
                total, peak = total + conf, max(peak, conf)
                weighted_col, weighted_row = weighted_col + c * conf, weighted_row + r * conf
        if peak >= 0.5 and total > 0:
            out[i] = (weighted_col / cols / total, weighted_row / rows / total)
    return out


def test_heatmap_refinement_is_mediapipes() -> None:
    rng = np.random.default_rng(1)
    heatmap = rng.normal(-2.0, 2.0, (39, 64, 64))
    norm = rng.uniform(-0.05, 1.05, (39, 2))  # some outside the crop: left as they are
    np.testing.assert_allclose(_refine(norm, heatmap), _refine_by_loops(norm, heatmap))


def test_the_region_moves_with_the_trackers_window(model: Path, frames: list[np.ndarray]) -> None:
    """Each frame cut by a window that moves and changes size (as the tracker's crop does):
    told where the window lies, the estimator keeps the runner's region across the cuts,
    searching once, and finds the landmarks the whole frames give; not told, it searches
    again at every cut of another size."""
    h, w = frames[0].shape[:2]
    windows = [(8 * (k % 5), 12 * (k % 4), w - 6 * (k % 3), h - 10 * (k % 6)) for k in range(60)]
    cuts = [
        np.ascontiguousarray(f[y0:y1, x0:x1])
        for f, (x0, y0, x1, y1) in zip(frames[:60], windows, strict=True)
    ]
    with OnnxPoseEstimator(model) as whole:
        full = np.array([whole.estimate(f) for f in frames[:60]])
    with OnnxPoseEstimator(model) as told:
        moved = np.array(
            [told.estimate(c, (x0, y0)) for c, (x0, y0, _, _) in zip(cuts, windows, strict=True)]
        )
        assert told.searches == 1
    with OnnxPoseEstimator(model) as blind:
        for cut in cuts:
            blind.estimate(cut)
        assert blind.searches > 20
    moved[:, :, :2] += np.array([w[:2] for w in windows], dtype=float)[:, None, :]
    seen = full[:, :, 2] > 0.5
    apart = np.hypot(*(moved[:, :, :2] - full[:, :, :2]).transpose(2, 0, 1))
    assert np.median(apart[seen]) < 1.5, np.median(apart[seen])  # 0.89 px here


def test_estimators_share_one_session_and_keep_their_own_tracking(
    model: Path, frames: list[np.ndarray]
) -> None:
    """A second estimator of the same model in a process (a warm pose worker's chunk, after
    the one it loaded while waiting) uses the session made once, and starts afresh: the same
    landmarks as the first gave on the same frames."""
    with OnnxPoseEstimator(model) as first:
        a = np.array([first.estimate(f) for f in frames[:20]])
    start = time.process_time()
    with OnnxPoseEstimator(model) as second:
        made = time.process_time() - start
        assert second._session is first._session
        b = np.array([second.estimate(f) for f in frames[:20]])
    assert made < 0.05  # making a session takes about 0.1 CPU s
    assert np.array_equal(a, b)
    with OnnxPoseEstimator(model, threads=2) as other:
        assert other._session is not first._session
