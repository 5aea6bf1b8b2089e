"""Annotated video and key frames: skeleton, stance feet, contact markers, live metrics."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.drawing import finish, temporary
from tools.gait.frame_store import FrameStore
from tools.gait.key_frames import key_frame_path, write_key_frame
from tools.gait.kinematics import Kinematics
from tools.gait.report import GaitReport
from tools.gait.steps import Step
from tools.gait.video_io import VideoInfo, iter_frames
from tools.gait.video_writer import VideoSink

_BONES = [("left_shoulder", "right_shoulder"), ("left_hip", "right_hip")] + [
    (f"{s}_{a}", f"{s}_{b}")
    for s in ("left", "right")
    for a, b in (
        ("shoulder", "elbow"),
        ("elbow", "wrist"),
        ("shoulder", "hip"),
        ("hip", "knee"),
        ("knee", "ankle"),
        ("ankle", "heel"),
        ("heel", "foot_index"),
        ("ankle", "foot_index"),
    )
]
_COLOURS = {"left": (255, 160, 0), "right": (0, 140, 255), "": (220, 220, 220)}  # BGR
_STANCE = (60, 220, 60)
#: The annotated clip is drawn at most this many frames a second (encoding is its main cost;
#: contacts are still marked on the frame nearest each).
ANNOTATED_MAX_FPS = 30.0


def _interp_all(kin: Kinematics, times: np.ndarray) -> np.ndarray:
    out = np.empty((len(times), kin.xy.shape[1], 2))
    for k in range(kin.xy.shape[1]):
        for d in range(2):
            out[:, k, d] = np.interp(times, kin.times, kin.xy[:, k, d], left=np.nan, right=np.nan)
    return out


def _side_of(name: str) -> str:
    return name.split("_")[0] if name.startswith(("left", "right")) else ""


def draw_pose(img: np.ndarray, pts: np.ndarray, scale: float, stance: set[str]) -> None:
    """Draw the skeleton (left blue, right orange, stance foot green) on ``img`` in place."""
    thick = max(2, round(img.shape[0] / 360))
    for a, b in _BONES:
        pa, pb = pts[IDX[a]] * scale, pts[IDX[b]] * scale
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            side = _side_of(a) if _side_of(a) == _side_of(b) else ""
            colour = _STANCE if side in stance and ("heel" in b or "foot" in b) else _COLOURS[side]
            cv2.line(
                img,
                tuple(int(v) for v in pa),
                tuple(int(v) for v in pb),
                colour,
                thick,
                cv2.LINE_AA,
            )
    for k in range(11, pts.shape[0]):
        p = pts[k] * scale
        if np.isfinite(p).all():
            cv2.circle(img, (int(p[0]), int(p[1])), thick + 1, (255, 255, 255), -1, cv2.LINE_AA)


_FONT = cv2.FONT_HERSHEY_SIMPLEX
_MARGIN_PX = 12


def text_scale(lines: list[str], width: int, height: int) -> float:
    """The font scale for ``lines`` on a ``width`` x ``height`` image: sized to the picture's
    height, shrunk until the longest line fits its width and all lines fit its height."""
    fs = height / 1100
    if not lines:
        return fs
    fs = min(fs, height / ((len(lines) + 1) * 34 * 1.4))

    def widest(scale: float) -> int:
        return max(cv2.getTextSize(line, _FONT, scale, 4)[0][0] for line in lines)

    while fs > 0.2 and widest(fs) > width - 2 * _MARGIN_PX:
        fs *= 0.93
    return max(fs, 0.2)


def _text(img: np.ndarray, lines: list[str], fs: float | None = None) -> None:
    fs = fs or text_scale(lines, img.shape[1], img.shape[0])
    y = int(30 * fs * 1.4)
    for line in lines:
        cv2.putText(img, line, (_MARGIN_PX, y), _FONT, fs, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(img, line, (_MARGIN_PX, y), _FONT, fs, (255, 255, 255), 1, cv2.LINE_AA)
        y += int(34 * fs * 1.4)


@dataclass
class Rendered:
    """The annotated video and the key frames at initial contact."""

    video: Path
    key_frames: list[Path] = field(default_factory=list)


def _source(
    info: VideoInfo, images: FrameStore | None, drawn: np.ndarray, wanted: set[int]
) -> Iterator[tuple[int, np.ndarray, float]]:
    """``(frame index, image, image pixels per full-size pixel)`` for the drawn frames and the
    key frames: from the frames kept by the pose pass, else decoded again."""
    if images is not None:
        for index in sorted({*map(int, drawn), *wanted}):
            yield index, images.image(index), images.scale
        return
    step = int(drawn[1] - drawn[0]) if len(drawn) > 1 else 1
    for index, full in iter_frames(info, step=step, also=wanted):
        yield index, full, 1.0


def render(
    report: GaitReport,
    info: VideoInfo,
    kin: Kinematics,
    steps: list[Step],
    out_dir: Path,
    *,
    browser: bool = False,
    max_side: int | None = None,
    key_frame_count: int = 4,
    images: FrameStore | None = None,
) -> Rendered:
    """Draw the annotated clip (at the analysed frame rate up to ANNOTATED_MAX_FPS, cropped to
    the runner) and the key frames, in one pass through the video (``images``: the frames the
    pose pass kept, which spare decoding it again).

    ``browser=True`` writes VP8 WebM (plays in any browser, frames up to 480 px); otherwise
    MPEG-4 Part 2 in MP4 (plays in desktop players, frames up to 720 px). Key frames are PNGs of
    the runner, cropped and enlarged, at typical contacts (see :func:`typical_steps`), both
    feet, with the angles drawn (:mod:`tools.gait.key_frames`).
    """
    max_side = max_side or (480 if browser else 720)
    x0, y0, x1, y1 = runner_box(kin, info.width, info.height)
    scale = min(1.0, max_side / max(x1 - x0, y1 - y0))
    size = (2 * round((x1 - x0) * scale / 2), 2 * round((y1 - y0) * scale / 2))  # even sides
    if images is not None:
        drawn = images.indices[:: max(1, round(kin_fps(kin) / ANNOTATED_MAX_FPS))]
    else:
        step = max(1, round(info.fps / min(kin_fps(kin), ANNOTATED_MAX_FPS)))
        drawn = np.arange(0, info.frame_count, step)
    wanted = _wanted(report, steps, info, images, key_frame_count)
    frame_s = float(np.median(np.diff(drawn))) / info.fps if len(drawn) > 1 else 1 / info.fps
    done = Rendered(video_path(out_dir, browser))
    landmarks = _interp_all(kin, drawn / info.fps)  # every drawn frame's landmarks at once
    row = {int(index): k for k, index in enumerate(drawn)}
    lines = _live_lines(report, steps, 0.0)
    font = text_scale([*lines, "last contact L 1000 ms"], *size)
    with VideoSink(temporary(done.video), 1 / frame_s, size) as sink:
        for index, image, zoom in _source(info, images, drawn, set(wanted)):
            if index in wanted:
                done.key_frames.append(
                    _key_frame(report, info, kin, image, index, wanted[index], out_dir)
                )
            if index not in row:
                continue
            box = image[round(y0 * zoom) : round(y1 * zoom), round(x0 * zoom) : round(x1 * zoom)]
            frame = cv2.resize(box, size, interpolation=cv2.INTER_LINEAR)
            pts = landmarks[row[index]] - (x0, y0)
            _annotate(frame, report, pts, steps, index / info.fps, scale, frame_s, font)
            sink.write(frame)
    finish(temporary(done.video), done.video)
    return done


def video_path(out_dir: Path, browser: bool) -> Path:
    """Where :func:`render` writes the annotated clip."""
    return out_dir / ("annotated.webm" if browser else "annotated.mp4")


def _wanted(
    report: GaitReport,
    steps: list[Step],
    info: VideoInfo,
    images: FrameStore | None,
    count: int,
) -> dict[int, Step]:
    """Frame index -> step, for the key frames (at the kept frame nearest each contact)."""
    wanted = _key_frame_steps(report, steps, info.fps, count)
    if images is None:
        return wanted
    return {images.nearest(i): s for i, s in wanted.items()}


def planned(
    report: GaitReport,
    info: VideoInfo,
    steps: list[Step],
    out_dir: Path,
    *,
    browser: bool = False,
    key_frame_count: int = 4,
    images: FrameStore | None = None,
) -> Rendered:
    """The files :func:`render` will write with the same arguments, before it draws any."""
    wanted = _wanted(report, steps, info, images, key_frame_count)
    frames = [key_frame_path(out_dir, wanted[i]) for i in sorted(wanted)]
    return Rendered(video_path(out_dir, browser), frames)


def _live_lines(report: GaitReport, steps: list[Step], t: float) -> list[str]:
    """The numbers written on the annotated clip at time ``t``."""
    lines = [f"t {t:5.2f} s"]
    cad = report.metrics.get("cadence")
    if cad is not None and cad.value is not None:
        lines.append(f"cadence {cad.value:.0f} spm")
    finished = [s for s in steps if s.toe_off <= t]
    if finished:
        last = finished[-1]
        lines.append(f"last contact {last.side[0].upper()} {last.contact_ms:.0f} ms")
    return lines


def _annotate(
    frame: np.ndarray,
    report: GaitReport,
    pts: np.ndarray,
    steps: list[Step],
    t: float,
    scale: float,
    frame_s: float,
    font: float,
) -> None:
    """Skeleton, contact markers and live numbers (at font scale ``font``) on one frame of the
    annotated clip (``pts``: the landmarks at ``t`` in the cropped frame's pixels before
    ``scale``)."""
    stance = {s.side for s in steps if s.contact <= t <= s.toe_off}
    draw_pose(frame, pts, scale, stance)
    for s in steps:
        if abs(t - s.contact) <= 0.5 * frame_s:
            p = pts[IDX[f"{s.side}_heel"]] * scale
            if np.isfinite(p).all():
                centre = (int(p[0]), int(p[1]))
                cv2.circle(frame, centre, int(frame.shape[0] / 40), (0, 0, 255), 3)
    _text(frame, _live_lines(report, steps, t), font)


def runner_box(
    kin: Kinematics, width: int, height: int, margin: float = 0.12, min_aspect: float = 0.6
) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the part of the frame the runner's landmarks cover over the whole
    clip (1st to 99th percentile), with ``margin`` of their height around it for head and shoes,
    at least ``min_aspect`` as wide as tall; the whole frame when too few landmarks were found."""
    pts = kin.xy.reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 33:
        return 0, 0, width, height
    (lx, ly), (hx, hy) = np.percentile(pts, 1, axis=0), np.percentile(pts, 99, axis=0)
    pad = margin * max(hy - ly, 1.0)
    x0, y0 = max(0, int(lx - pad)), max(0, int(ly - 1.5 * pad))
    x1, y1 = min(width, int(hx + pad) + 1), min(height, int(hy + pad) + 1)
    if (x1 - x0) < min_aspect * (y1 - y0):  # room for the text and some context
        grow = int(min_aspect * (y1 - y0) - (x1 - x0)) // 2 + 1
        x0, x1 = max(0, x0 - grow), min(width, x1 + grow)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return 0, 0, width, height
    return x0, y0, x1, y1


def kin_fps(kin: Kinematics) -> float:
    """Sample rate of the kinematics."""
    return 1.0 / float(np.median(np.diff(kin.times))) if len(kin.times) > 1 else 30.0


#: Metrics whose per-step values pick the typical steps for key frames.
_TYPICAL_BY = ("ground_contact", "overstride", "knee_flexion_contact", "shank_angle")


def typical_steps(report: GaitReport, steps: list[Step], count: int) -> list[Step]:
    """``count`` steps typical of the clip: those whose values sit nearest the clip's medians
    (in interquartile ranges), alternating feet, from the analysed view only, and never two of
    one foot within one stride of each other (so one step never gets two labels)."""
    used = {e["contact_s"] for e in report.events}
    pool = [s for s in steps if round(s.contact, 4) in used] or list(steps)
    strides = [s.stride_s for s in pool if s.stride_s]
    stride = float(np.median(strides)) if strides else 0.7

    def distance(st: Step) -> float:
        total, seen = 0.0, 0
        for name in _TYPICAL_BY:
            m = report.metrics.get(name)
            if m is None or m.value is None or m.p25 is None or m.p75 is None:
                continue
            for v, t in zip(m.per_step, m.per_step_times, strict=True):
                if abs(t - st.contact) < 1e-3:
                    total += abs(v - m.value) / max(m.p75 - m.p25, 1e-6)
                    seen += 1
        return total / seen if seen else 10.0

    ranked = sorted(pool, key=distance)
    chosen: list[Step] = []
    for side in ("left", "right") * count:
        if len(chosen) >= count:
            break
        for st in ranked:
            clash = any(
                c is st or (c.side == st.side and abs(c.contact - st.contact) < 0.9 * stride)
                for c in chosen
            )
            if st.side == side and not clash:
                chosen.append(st)
                break
    return sorted(chosen, key=lambda s: s.contact)


def _key_frame_steps(
    report: GaitReport, steps: list[Step], fps: float, count: int
) -> dict[int, Step]:
    """Frame index -> step, for ``count`` typical contacts."""
    return {round(s.contact * fps): s for s in typical_steps(report, steps, count)}


def _key_frame(
    report: GaitReport,
    info: VideoInfo,
    kin: Kinematics,
    image: np.ndarray,
    index: int,
    s: Step,
    out_dir: Path,
) -> Path:
    """One PNG at a contact: the runner cropped and enlarged, the angles drawn and labelled
    (:mod:`tools.gait.key_frames`)."""
    pts = _interp_all(kin, np.array([index / info.fps]))[0] * (image.shape[1] / info.width)
    return write_key_frame(image, pts, report, s, out_dir)
