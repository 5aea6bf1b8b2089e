"""Annotated video and key frames: skeleton, stance feet, contact markers, live metrics."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.kinematics import Kinematics
from tools.gait.report import GaitReport
from tools.gait.steps import Step
from tools.gait.video_io import VideoInfo, iter_frames

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


def _text(img: np.ndarray, lines: list[str]) -> None:
    fs = img.shape[0] / 1100
    y = int(30 * fs * 1.4)
    for line in lines:
        cv2.putText(img, line, (12, y), cv2.FONT_HERSHEY_SIMPLEX, fs, (0, 0, 0), 4, cv2.LINE_AA)
        cv2.putText(
            img, line, (12, y), cv2.FONT_HERSHEY_SIMPLEX, fs, (255, 255, 255), 1, cv2.LINE_AA
        )
        y += int(34 * fs * 1.4)


def _writer(
    path: Path, fps: float, size: tuple[int, int], browser: bool
) -> tuple[cv2.VideoWriter, Path]:
    if browser:
        out = path.with_suffix(".webm")
        w = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"VP80"), fps, size)
        if w.isOpened():
            return w, out
    out = path.with_suffix(".mp4")
    for codec in ("mp4v",):  # H.264 encoders are not in the OpenCV wheels
        w = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*codec), fps, size)
        if w.isOpened():
            return w, out
    raise RuntimeError("no video encoder available in this OpenCV build")


def render_video(
    report: GaitReport,
    info: VideoInfo,
    kin: Kinematics,
    steps: list[Step],
    path: Path,
    *,
    browser: bool = False,
    max_side: int | None = None,
) -> Path:
    """Write the annotated clip (at the analysed frame rate) and return its path.

    ``browser=True`` writes VP8 WebM (plays in any browser, slower to encode, smaller frames);
    otherwise MPEG-4 Part 2 in MP4 (fast; plays in desktop players).
    """
    max_side = max_side or (480 if browser else 720)
    step = max(1, round(info.fps / kin_fps(kin)))
    cad = report.metrics.get("cadence")
    writer = None
    out = path
    try:
        for index, frame in iter_frames(info, step=step, max_side=max_side):
            if writer is None:
                writer, out = _writer(
                    path, info.fps / step, (frame.shape[1], frame.shape[0]), browser
                )
            t = index / info.fps
            scale = frame.shape[1] / info.width
            pts = _interp_all(kin, np.array([t]))[0]
            stance = {s.side for s in steps if s.contact <= t <= s.toe_off}
            draw_pose(frame, pts, scale, stance)
            for s in steps:
                if abs(t - s.contact) <= 0.5 * step / info.fps:
                    p = pts[IDX[f"{s.side}_heel"]] * scale
                    if np.isfinite(p).all():
                        cv2.circle(
                            frame, (int(p[0]), int(p[1])), int(frame.shape[0] / 40), (0, 0, 255), 3
                        )
            done = [s for s in steps if s.toe_off <= t]
            lines = [f"t {t:5.2f} s"]
            if cad is not None and cad.value is not None:
                lines.append(f"cadence {cad.value:.0f} spm")
            if done:
                last = done[-1]
                lines.append(f"last contact {last.side[0].upper()} {last.contact_ms:.0f} ms")
            _text(frame, lines)
            writer.write(frame)
    finally:
        if writer is not None:
            writer.release()
    return out


def kin_fps(kin: Kinematics) -> float:
    """Sample rate of the kinematics."""
    return 1.0 / float(np.median(np.diff(kin.times))) if len(kin.times) > 1 else 30.0


def key_frames(
    report: GaitReport,
    info: VideoInfo,
    kin: Kinematics,
    steps: list[Step],
    out_dir: Path,
    count: int = 4,
) -> list[Path]:
    """PNG frames at initial contact (from the middle of the clip, both feet) with the skeleton."""
    if not steps:
        return []
    mid = len(steps) // 2
    chosen = steps[max(0, mid - count // 2) : mid + (count + 1) // 2]
    wanted = {round(s.contact * info.fps): s for s in chosen}
    paths: list[Path] = []
    for index in sorted(wanted):
        s = wanted[index]
        frames = list(iter_frames(info, start=index, stop=index + 1, max_side=960))
        if not frames:
            continue
        img = frames[0][1]
        scale = img.shape[1] / info.width
        pts = _interp_all(kin, np.array([index / info.fps]))[0]
        draw_pose(img, pts, scale, {s.side})
        lines = [
            f"{s.side} foot contact at {s.contact:.2f} s",
            f"contact time {s.contact_ms:.0f} ms",
        ]
        for name in ("knee_flexion_contact", "shank_angle", "overstride", "foot_strike_angle"):
            m = report.metrics.get(name)
            if m is None:
                continue
            vals = [
                v
                for v, t in zip(m.per_step, m.per_step_times, strict=True)
                if abs(t - s.contact) < 1e-3
            ]
            if vals:
                lines.append(f"{m.label}: {vals[0]:.0f} {m.unit}")
        _text(img, lines)
        p = out_dir / f"contact_{s.side}_{s.contact:06.2f}s.png"
        cv2.imwrite(str(p), img)
        paths.append(p)
    return paths
