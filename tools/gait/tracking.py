"""Run the pose estimator over a clip: keep a region of interest on the runner, use every core.

The runner is followed through a region of interest (ROI) around their last landmarks, so people
passing at the edge of the picture are not picked up, and MediaPipe's own tracking mode keeps the
same person between frames. Long clips are split into contiguous chunks, one process per core.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from models.pose import NUM_LANDMARKS, PoseEstimator
from tools.gait.video_io import VideoInfo, cpu_count, iter_frames

ProgressFn = Callable[[float, str], None]

#: Pose runs on at most about this many frames per second of real time; faster clips are sampled.
TARGET_POSE_FPS = 60.0
#: Frames are shrunk to this longer side before pose estimation (the model itself sees 256 px).
POSE_MAX_SIDE = 640
_MIN_FRAMES_PER_WORKER = 120
_WORKER_START_SAMPLES = 40  # frames this process tracks while a worker starts (~0.8 s)
_REPO_ROOT = str(Path(__file__).resolve().parents[2])
_LOST_FRAMES_BEFORE_RESET = 5
_ROI_MARGIN = 0.35


@dataclass
class PoseTrack:
    """Raw per-frame landmarks of the tracked runner (before cleaning and filtering).

    ``xy`` is ``(T, 33, 2)`` in pixels of the upright full-resolution frame, NaN where no person was
    found; ``visibility`` is ``(T, 33)``; ``frames`` the source frame index of each sample and
    ``times`` its real time in seconds. ``fps`` is the sample rate of the track.
    """

    frames: np.ndarray
    times: np.ndarray
    xy: np.ndarray
    visibility: np.ndarray
    fps: float
    width: int
    height: int
    backend: str
    frames_expected: int

    @property
    def detected_fraction(self) -> float:
        """Share of sampled frames in which a person was found."""
        if len(self.frames) == 0:
            return 0.0
        return float(np.mean(np.isfinite(self.xy[:, 0, 0])))


def pose_step(fps: float, pose_fps: float | None = None) -> int:
    """Every how many frames to run pose so that about ``pose_fps`` (default TARGET_POSE_FPS)
    frames per second of real time are analysed."""
    return max(1, round(fps / (pose_fps or TARGET_POSE_FPS)))


def _bbox(landmarks: np.ndarray) -> tuple[float, float, float, float] | None:
    good = landmarks[:, 2] > 0.3
    if good.sum() < 8:
        return None
    xs, ys = landmarks[good, 0], landmarks[good, 1]
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def _expand(box: tuple[float, float, float, float], w: int, h: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    side = max(bw, bh) * (1 + 2 * _ROI_MARGIN)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    nx0, ny0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    nx1, ny1 = min(w, int(cx + side / 2)), min(h, int(cy + side / 2))
    return nx0, ny0, nx1, ny1


def _inside(box: tuple[float, float, float, float], roi: tuple[int, int, int, int]) -> bool:
    """True when ``box`` sits well inside ``roi`` and still fills a fair part of it."""
    x0, y0, x1, y1 = box
    r0, s0, r1, s1 = roi
    mx, my = 0.08 * (r1 - r0), 0.08 * (s1 - s0)
    inside = x0 > r0 + mx and x1 < r1 - mx and y0 > s0 + my and y1 < s1 - my
    big_enough = max(x1 - x0, y1 - y0) > 0.45 * max(r1 - r0, s1 - s0)
    return inside and big_enough


def _track_chunk(
    info: VideoInfo,
    start: int,
    stop: int,
    step: int,
    progress: ProgressFn | None = None,
    n_samples: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Pose of every ``step``-th frame in ``[start, stop)``: frame indices and (n, 33, 3) array."""
    indices: list[int] = []
    rows: list[np.ndarray] = []
    missing = np.full((NUM_LANDMARKS, 3), np.nan)
    roi: tuple[int, int, int, int] | None = None
    lost = 0
    with PoseEstimator(tracking=True) as estimator:
        for index, frame in iter_frames(
            info, start=start, stop=stop, step=step, max_side=POSE_MAX_SIDE
        ):
            h, w = frame.shape[:2]
            scale = info.width / w
            x0, y0, x1, y1 = roi if roi is not None else (0, 0, w, h)
            crop = np.ascontiguousarray(frame[y0:y1, x0:x1])
            landmarks = estimator.estimate(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
            if landmarks is None:
                lost += 1
                if lost >= _LOST_FRAMES_BEFORE_RESET:
                    roi = None
                rows.append(missing)
            else:
                lost = 0
                landmarks[:, 0] += x0
                landmarks[:, 1] += y0
                box = _bbox(landmarks)
                if box is not None and (roi is None or not _inside(box, roi)):
                    roi = _expand(box, w, h)
                scaled = landmarks.copy()
                scaled[:, :2] *= scale
                rows.append(scaled)
            indices.append(index)
            if progress is not None and len(indices) % 10 == 0:
                # the other chunks run at the same pace in parallel
                done = len(indices) * n_samples / max(1, (stop - start) // step)
                progress(min(1.0, done / max(1, n_samples)), "finding the runner's pose")
    if not rows:
        return np.zeros(0, dtype=int), np.zeros((0, NUM_LANDMARKS, 3))
    return np.asarray(indices), np.stack(rows)


class _Workers:
    """Worker processes tracking chunks of a clip, started now and collected later.

    Workers are fresh interpreters (``python -m tools.gait.pose_worker``), not forks: forking a
    process whose MediaPipe graph has run crashes, and multiprocessing's spawn would re-import the
    caller's main module.
    """

    def __init__(self, info: VideoInfo, chunks: list[tuple[int, int]], step: int) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="coachg-pose-")
        self._info, self._step = info, step
        self._procs: list[tuple[subprocess.Popen[bytes], Path, int, int]] = []
        for k, (a, b) in enumerate(chunks):
            out = Path(self._tmp.name) / f"chunk{k}.npz"
            args = {"path": str(info.path), "fps": info.fps, "start": a, "stop": b, "step": step}
            cmd = [sys.executable, "-m", "tools.gait.pose_worker", json.dumps(args), str(out)]
            proc = subprocess.Popen(
                cmd, cwd=_REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self._procs.append((proc, out, a, b))

    def collect(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every chunk's frames and landmarks, in order (a failed worker's chunk done here)."""
        results = []
        for proc, out, a, b in self._procs:
            if proc.wait() == 0 and out.exists():
                with np.load(out) as data:
                    results.append((data["frames"], data["landmarks"]))
            else:  # a worker failed: do its part here rather than lose it
                results.append(_track_chunk(self._info, a, b, self._step))
        return results

    def close(self) -> None:
        """Stop any worker still running and remove their files."""
        for proc, *_ in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._tmp.cleanup()


def _chunks(frame_count: int, step: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous frame ranges, the first (run in this process) longer by the time a worker
    interpreter needs to start, so that all finish together. (The same ranges however early the
    workers start: MediaPipe's tracking restarts at each range, so other ranges would give
    slightly different numbers for the same clip.)"""
    n_samples = -(-frame_count // step)
    if workers <= 1:
        return [(0, frame_count)]
    head = min(_WORKER_START_SAMPLES, n_samples // (2 * workers))
    per_worker = (n_samples - head) / workers
    cuts = [0] + [round(head + per_worker * k) * step for k in range(1, workers)] + [frame_count]
    return [(a, min(b, frame_count)) for a, b in itertools.pairwise(cuts) if a < b]


class PoseJob:
    """Pose over a clip, begun: the worker processes (if any) start at once; :meth:`finish` runs
    the first chunk in this process and returns the track. Starting early lets the workers run
    while this process loads the rest of the program. Use as a context manager, or call
    :meth:`finish` (a job never finished leaves no process behind once closed)."""

    def __init__(
        self,
        info: VideoInfo,
        *,
        step: int | None = None,
        pose_fps: float | None = None,
        workers: int | None = None,
    ) -> None:
        self.info = info
        self.step = pose_step(info.fps, pose_fps) if step is None else step
        self.n_samples = -(-info.frame_count // self.step)
        if workers is None:
            workers = min(cpu_count(), max(1, self.n_samples // _MIN_FRAMES_PER_WORKER), 4)
        self.chunks = _chunks(info.frame_count, self.step, max(1, workers))
        self._workers = _Workers(info, self.chunks[1:], self.step) if len(self.chunks) > 1 else None

    def finish(self, progress: ProgressFn | None = None) -> PoseTrack:
        """Track the first chunk here, collect the workers' and return the whole track."""
        info, step = self.info, self.step
        try:
            a, b = self.chunks[0]
            results = [_track_chunk(info, a, b, step, progress, self.n_samples)]
            if self._workers is not None:
                results += self._workers.collect()
        finally:
            self.close()
        frames = np.concatenate([r[0] for r in results])
        data = np.concatenate([r[1] for r in results])
        if progress is not None:
            progress(1.0, "pose done")
        return PoseTrack(
            frames=frames,
            times=frames / info.fps,
            xy=data[:, :, :2] if len(data) else np.zeros((0, NUM_LANDMARKS, 2)),
            visibility=np.nan_to_num(data[:, :, 2]) if len(data) else np.zeros((0, NUM_LANDMARKS)),
            fps=info.fps / step,
            width=info.width,
            height=info.height,
            backend=PoseEstimator.backend,
            frames_expected=self.n_samples,
        )

    def close(self) -> None:
        """Stop the workers (nothing when finished)."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None

    def __enter__(self) -> PoseJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def track_pose(
    info: VideoInfo,
    *,
    step: int | None = None,
    pose_fps: float | None = None,
    workers: int | None = None,
    progress: ProgressFn | None = None,
) -> PoseTrack:
    """Run pose over the clip and return the raw per-frame landmarks of the runner."""
    return PoseJob(info, step=step, pose_fps=pose_fps, workers=workers).finish(progress)
