"""Run the pose estimator over a clip: keep a region of interest on the runner, use every core.

The runner is followed through a region of interest (ROI) around their last landmarks, so people
passing at the edge of the picture are not picked up, and MediaPipe's own tracking mode keeps the
same person between frames. Long clips are split into contiguous chunks, one worker process per
core, all started at once (this process loads the analysis code meanwhile, and never loads
MediaPipe). The small frames the pose model saw are kept, JPEG-compressed, for drawing the
annotated clip (:mod:`tools.gait.frame_store`).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.pose import NUM_LANDMARKS, PoseEstimator
from tools.gait.frame_feed import MAX_FED_BYTES, DecodeAhead, available, frame_bytes, read_feed
from tools.gait.frame_store import MAX_KEPT, FrameStore, encode
from tools.gait.video_io import (
    VideoInfo,
    cpu_count,
    info_fields,
    iter_frames,
    probe_video,
)

ProgressFn = Callable[[float, str], None]
log = logging.getLogger(__name__)

#: Pose runs on at most about this many frames per second of real time; faster clips are sampled.
TARGET_POSE_FPS = 60.0
#: Frames are shrunk to this longer side before pose estimation (the model itself sees 256 px).
POSE_MAX_SIDE = 640
_MIN_FRAMES_PER_WORKER = 120
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
    images: FrameStore | None = None

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
    done: Callable[[int], None] | None = None,
    keep: bool = False,
    seed: np.ndarray | None = None,
    feed: Feed | None = None,
    source: Source | None = None,
    threads: int | None = None,
) -> Chunk:
    """Pose of every ``step``-th frame in ``[start, stop)`` (with ``keep``, the frames too);
    ``done(n)`` is told every ten frames how many are done. ``seed``: the runner's landmarks
    (full-size pixels) just before ``start``, to look for them there first. ``feed``: decode
    on to ``feed.stop`` and hand the next chunk's frames to its worker through the pipe
    ``feed.fifo``; ``source``: this chunk's frames come through such a pipe, from the worker of
    the chunk before (:mod:`tools.gait.frame_feed`). ``threads``: the decoder's
    (:func:`tools.gait.video_io.iter_frames`)."""
    import cv2  # OpenCV: only when a video is read, not by a chat turn importing the tools

    indices: list[int] = []
    rows: list[np.ndarray] = []
    images: list[np.ndarray] = []
    scale = 1.0
    missing = np.full((NUM_LANDMARKS, 3), np.nan)
    roi: tuple[int, int, int, int] | None = None
    lost = 0
    ahead = None
    if feed is not None:  # this chunk's frames and the next one's, decoded once, on a thread
        whole = iter_frames(
            info, start=start, stop=feed.stop, step=step, max_side=POSE_MAX_SIDE, threads=threads
        )
        size = frame_bytes(info.width, info.height, POSE_MAX_SIDE)
        ahead = DecodeAhead(whole, stop, Path(feed.fifo), size)
        frames = ahead.own()
    elif source is not None:
        frames = _fed_frames(info, start, stop, step, source, threads)
    else:
        frames = iter_frames(
            info, start=start, stop=stop, step=step, max_side=POSE_MAX_SIDE, threads=threads
        )
    with PoseEstimator(tracking=True) as estimator:
        for index, frame in frames:
            h, w = frame.shape[:2]
            scale = info.width / w
            if seed is not None and (box := _bbox(seed / [scale, scale, 1])) is not None:
                roi, seed = _expand(box, w, h), None
            x0, y0, x1, y1 = roi if roi is not None else (0, 0, w, h)
            crop = np.ascontiguousarray(frame[y0:y1, x0:x1])
            landmarks = estimator.estimate(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB), (x0, y0))
            if landmarks is None:
                lost += 1
                if lost >= _LOST_FRAMES_BEFORE_RESET:
                    roi = None
                row = missing
            else:
                lost = 0
                landmarks[:, 0] += x0
                landmarks[:, 1] += y0
                box = _bbox(landmarks)
                if box is not None and (roi is None or not _inside(box, roi)):
                    roi = _expand(box, w, h)
                row = landmarks.copy()
                row[:, :2] *= scale
            rows.append(row)
            indices.append(index)
            if keep:
                images.append(encode(frame))
            if done is not None and len(indices) % 10 == 0:
                done(len(indices))
    if ahead is not None:
        ahead.join()  # the next worker has every frame of its chunk (or is gone)
    store = FrameStore.pack(indices, images, 1.0 / scale) if keep else None
    if not rows:
        return Chunk(np.zeros(0, dtype=int), np.zeros((0, NUM_LANDMARKS, 3)), store)
    return Chunk(np.asarray(indices), np.stack(rows), store)


@dataclass(frozen=True)
class Feed:
    """Where a worker hands the next chunk's frames: the pipe, and the next chunk's end."""

    fifo: str
    stop: int


@dataclass(frozen=True)
class Source:
    """Where a worker's frames come from instead of the file: the pipe, and the process of the
    worker that feeds it (while it lives, the frames may still come)."""

    fifo: str
    pid: int


def _fed_frames(
    info: VideoInfo, start: int, stop: int, step: int, source: Source, threads: int | None
) -> Iterator[tuple[int, np.ndarray]]:
    """This chunk's frames from the pipe, and from the file where the feed ended early."""
    after = start
    for index, frame in read_feed(Path(source.fifo), source.pid):
        if index >= stop:
            break
        yield index, frame
        after = index + step
    if after < stop:  # the feeder failed or never came: decode the rest here
        log.info("frames %d-%d decoded from the file: the feed ended early", after, stop)
        yield from iter_frames(
            info, start=after, stop=stop, step=step, max_side=POSE_MAX_SIDE, threads=threads
        )


@dataclass(frozen=True)
class Chunk:
    """One range of frames tracked: their indices, (n, 33, 3) landmarks (x, y in full-size
    pixels, visibility) and, when asked for, the frames themselves."""

    frames: np.ndarray
    landmarks: np.ndarray
    images: FrameStore | None = None

    def save(self, path: Path) -> None:
        """Write the chunk to an ``.npz`` file (what a worker process hands back)."""
        extra = {}
        if self.images is not None:
            extra = {
                "image_indices": self.images.indices,
                "image_offsets": self.images.offsets,
                "image_data": self.images.data,
                "image_scale": np.float64(self.images.scale),
            }
        with open(path, "wb") as fh:
            np.savez(fh, frames=self.frames, landmarks=self.landmarks, **extra)

    @classmethod
    def load(cls, path: Path) -> Chunk:
        """Read a chunk written by :meth:`save`."""
        with np.load(path) as data:
            images = None
            if "image_data" in data:
                images = FrameStore(
                    data["image_indices"],
                    data["image_offsets"],
                    data["image_data"],
                    float(data["image_scale"]),
                )
            return cls(data["frames"], data["landmarks"], images)


def _first_found(landmarks: np.ndarray) -> np.ndarray | None:
    found = np.flatnonzero(np.isfinite(landmarks[:, 0, 0]))
    return landmarks[found[0]] if len(found) else None


def _last_found(landmarks: np.ndarray) -> np.ndarray | None:
    found = np.flatnonzero(np.isfinite(landmarks[:, 0, 0]))
    return landmarks[found[-1]] if len(found) else None


def _same_person(a: np.ndarray, b: np.ndarray | None) -> bool:
    """True when two poses (33 x 3, full-size pixels) a moment apart can be one runner: boxes
    of about the same height, centred within a third of that height of each other."""
    box_a, box_b = _bbox(a), _bbox(b) if b is not None else None
    if box_a is None or box_b is None:
        return True  # too little found on one side to tell: nothing to mend
    ha, hb = box_a[3] - box_a[1], box_b[3] - box_b[1]
    ca = np.array([box_a[0] + box_a[2], box_a[1] + box_a[3]]) / 2
    cb = np.array([box_b[0] + box_b[2], box_b[1] + box_b[3]]) / 2
    return abs(hb / ha - 1) < 0.25 and float(np.linalg.norm(ca - cb)) < ha / 3


def _warm_worker(args: dict[str, object], out: Path) -> subprocess.Popen[bytes] | None:
    """A warm worker (:mod:`tools.gait.warm_pool`) given this chunk, or None when none waits."""
    from tools.gait import warm_pool

    while (proc := warm_pool.take()) is not None:
        try:
            assert proc.stdin is not None
            proc.stdin.write((json.dumps({"args": args, "out": str(out)}) + "\n").encode())
            proc.stdin.close()
        except OSError:  # it died waiting: try the next
            proc.kill()
            proc.wait()
            continue
        return proc
    return None


class _Workers:
    """Worker processes tracking chunks of a clip, started now and collected later.

    Workers are fresh interpreters (``python -m tools.gait.pose_worker``), not forks: forking a
    process whose MediaPipe graph has run crashes, and multiprocessing's spawn would re-import the
    caller's main module.
    """

    def __init__(
        self, info: VideoInfo, chunks: list[tuple[int, int]], step: int, keep: bool
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="coachg-pose-")
        self._info, self._step, self._keep = info, step, keep
        self._procs: list[tuple[subprocess.Popen[bytes], Path, int, int]] = []
        fed = _fed_chunks(info, chunks, step)
        for k, (a, b) in enumerate(chunks):
            out = Path(self._tmp.name) / f"chunk{k}.npz"
            args: dict[str, object] = {
                "path": str(info.path),
                "fps": info.fps,
                "info": info_fields(info),  # the worker need not open the file to probe it
                "start": a,
                "stop": b,
                "step": step,
                "keep": keep,
            }
            fifo = Path(self._tmp.name) / f"frames{k}"
            if k + 1 in fed:  # this worker decodes on and hands the next chunk its frames
                os.mkfifo(fifo)
                args["feed"] = {"fifo": str(fifo), "stop": chunks[k + 1][1]}
            if k in fed:  # this one reads them from the worker before, started just now
                before = Path(self._tmp.name) / f"frames{k - 1}"
                args["source"] = {"fifo": str(before), "pid": self._procs[-1][0].pid}
            proc = _warm_worker(args, out)
            if proc is None:  # none waiting: a fresh one (a third of a CPU second to start)
                cmd = [sys.executable, "-m", "tools.gait.pose_worker", json.dumps(args), str(out)]
                proc = subprocess.Popen(
                    cmd, cwd=_REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            self._procs.append((proc, out, a, b))

    def _frames_done(self) -> int:
        total = 0
        for _, out, _, _ in self._procs:
            with contextlib.suppress(OSError, ValueError):  # not written yet, or mid-write
                total += int(out.with_suffix(".done").read_text() or 0)
        return total

    def collect(self, progress: ProgressFn | None = None, n_samples: int = 1) -> list[Chunk]:
        """Every chunk, in order (a failed worker's chunk done here); ``progress`` hears how far
        the workers are while they run."""
        while progress is not None and any(p.poll() is None for p, *_ in self._procs):
            progress(min(1.0, self._frames_done() / n_samples), "finding the runner's pose")
            time.sleep(0.25)
        results = []
        for proc, out, a, b in self._procs:
            if proc.wait() == 0 and out.exists():
                results.append(Chunk.load(out))
            else:  # a worker failed: do its part here rather than lose it
                log.warning("pose worker for frames %d-%d failed (exit %s)", a, b, proc.returncode)
                results.append(_track_chunk(self._info, a, b, self._step, keep=self._keep))
        return results

    def close(self) -> None:
        """Stop any worker still running and remove their files."""
        for proc, *_ in self._procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._tmp.cleanup()


def _fed_chunks(info: VideoInfo, chunks: list[tuple[int, int]], step: int) -> set[int]:
    """Which chunks get their frames from the worker of the chunk before
    (:mod:`tools.gait.frame_feed`) instead of decoding from the file: every second one (so at
    most one chunk's decoding is added to a worker's own), where the chunk before is short
    enough that its frames, waiting for room in memory, do not hold the next worker back long
    (:data:`tools.gait.frame_feed.MAX_FED_BYTES`)."""
    size = frame_bytes(info.width, info.height, POSE_MAX_SIDE)
    fed: set[int] = set()
    if not available():
        return fed
    for k in range(1, len(chunks), 2):
        a, b = chunks[k - 1]
        if -(-(b - a) // step) * size <= MAX_FED_BYTES:
            fed.add(k)
    return fed


def _chunks(frame_count: int, step: int, workers: int) -> list[tuple[int, int]]:
    """``workers`` contiguous frame ranges of about equal length, each starting on an analysed
    frame. (MediaPipe's tracking restarts at each range, so the same clip split differently
    gives slightly different numbers: the split depends only on the clip and the core count.)"""
    n_samples = -(-frame_count // step)
    if workers <= 1:
        return [(0, frame_count)]
    per_worker = n_samples / workers
    cuts = [0] + [round(per_worker * k) * step for k in range(1, workers)] + [frame_count]
    return [(a, min(b, frame_count)) for a, b in itertools.pairwise(cuts) if a < b]


class PoseJob:
    """Pose over a clip, begun: with more than one chunk, every chunk goes to a worker process
    started at once, so they run while the caller loads what else it needs; :meth:`finish`
    collects them (or tracks a single chunk in this process) and returns the track. Use as a
    context manager, or call :meth:`finish` (a job never finished leaves no process behind once
    closed)."""

    def __init__(
        self,
        info: VideoInfo,
        *,
        step: int | None = None,
        pose_fps: float | None = None,
        workers: int | None = None,
    ) -> None:
        self.info = info
        self.began = time.perf_counter()  # pose's wall time counts from here
        self.step = pose_step(info.fps, pose_fps) if step is None else step
        self.n_samples = -(-info.frame_count // self.step)
        self.keep = self.n_samples <= MAX_KEPT
        if workers is None:
            workers = min(cpu_count(), max(1, self.n_samples // _MIN_FRAMES_PER_WORKER), 4)
        self.chunks = _chunks(info.frame_count, self.step, max(1, workers))
        self._workers = (
            _Workers(info, self.chunks, self.step, self.keep) if len(self.chunks) > 1 else None
        )

    def finish(self, progress: ProgressFn | None = None) -> PoseTrack:
        """Collect the workers' chunks (or track the one chunk here) and return the whole track."""
        info, step = self.info, self.step
        try:
            if self._workers is not None:
                results = self._workers.collect(progress, self.n_samples)
            else:
                a, b = self.chunks[0]
                results = [_track_chunk(info, a, b, step, self._told(progress), self.keep)]
        finally:
            self.close()
        results = self._stitch(results)
        frames = np.concatenate([r.frames for r in results])
        data = np.concatenate([r.landmarks for r in results])
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
            images=FrameStore.join([r.images for r in results]),
        )

    def _stitch(self, results: list[Chunk]) -> list[Chunk]:
        """Chunks whose start finds someone else than the end of the chunk before (a passer-by
        the pose model saw first) are tracked again here, starting from where the runner was."""
        out = results[:1]
        for (a, b), chunk in zip(self.chunks[1:], results[1:], strict=True):
            before = _last_found(out[-1].landmarks)
            if before is not None and not _same_person(before, _first_found(chunk.landmarks)):
                chunk = _track_chunk(self.info, a, b, self.step, keep=self.keep, seed=before)
            out.append(chunk)
        return out

    def _told(self, progress: ProgressFn | None) -> Callable[[int], None] | None:
        if progress is None:
            return None
        return lambda n: progress(n / self.n_samples, "finding the runner's pose")

    def close(self) -> None:
        """Stop the workers (nothing when finished), and start warm ones for the next analysis
        where a long-running process keeps some (:mod:`tools.gait.warm_pool`)."""
        if self._workers is not None:
            self._workers.close()
            self._workers = None
            from tools.gait import warm_pool

            warm_pool.refill()

    def __enter__(self) -> PoseJob:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_pose(
    path: str | Path,
    *,
    fps: float | None = None,
    pose_fps: float | None = None,
    workers: int | None = None,
) -> PoseJob:
    """Open the clip (GaitAnalysisError when it cannot be used) and begin pose on it: worker
    processes start at once, so they run while the caller loads what else it needs."""
    return PoseJob(probe_video(path, fps=fps), pose_fps=pose_fps, workers=workers)


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
