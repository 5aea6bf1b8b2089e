"""Key frames people can read: the runner cropped and enlarged at a foot contact, with the
angles the report measures drawn where they are (knee flexion at the knee, the shank against the
vertical, the trunk's lean) and each labelled with its value from the report.

A key frame is about as wide as the chat (``KEY_FRAME_HEIGHT`` tall, the runner filling it), so
the arcs and labels stay readable where it is shown. The picture is the frame the pose pass kept
or, when that is small beside the runner, the clip's own full-size frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.drawing import finish, temporary
from tools.gait.report import GaitReport
from tools.gait.steps import Step

#: Height of a key frame in pixels (the runner is cropped to fill it).
KEY_FRAME_HEIGHT = 760
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE = (255, 255, 255)
_DARK = (30, 30, 30)
_ANGLE = (0, 230, 255)  # BGR yellow: the angle drawn and its label
_REFERENCE = (230, 230, 230)


@dataclass(frozen=True)
class Crop:
    """Part of a picture (``x0, y0, x1, y1`` in its pixels) scaled by ``zoom`` into a key frame."""

    x0: int
    y0: int
    x1: int
    y1: int
    zoom: float

    def point(self, p: np.ndarray) -> tuple[int, int]:
        """A picture point as a key-frame pixel."""
        return (round((p[0] - self.x0) * self.zoom), round((p[1] - self.y0) * self.zoom))


def runner_crop(
    pts: np.ndarray, width: int, height: int, out_height: int = KEY_FRAME_HEIGHT
) -> Crop:
    """The part of a ``width`` x ``height`` picture around the runner's landmarks ``pts``
    (33 x 2, the picture's pixels): a margin of a sixth of their height, at least 3:4 wide,
    scaled so it is ``out_height`` tall."""
    good = pts[np.isfinite(pts).all(axis=1)]
    if len(good) < 8:
        return Crop(0, 0, width, height, out_height / height)
    (lx, ly), (hx, hy) = good.min(axis=0), good.max(axis=0)
    pad = max(hy - ly, 1.0) / 6
    y0, y1 = max(0, int(ly - 1.3 * pad)), min(height, int(hy + pad))
    cx, half = (lx + hx) / 2, max((hx - lx) / 2 + pad, 0.375 * (y1 - y0))
    x0, x1 = max(0, int(cx - half)), min(width, int(cx + half))
    return Crop(x0, y0, x1, y1, out_height / max(y1 - y0, 1))


def _label(img: np.ndarray, text: str, at: tuple[int, int], scale: float) -> None:
    """``text`` in a dark box whose left edge is at ``at`` (moved inside the picture)."""
    thick = max(1, round(scale * 2))
    (w, h), base = cv2.getTextSize(text, _FONT, scale, thick)
    pad = round(6 * scale)
    x = int(np.clip(at[0], pad, img.shape[1] - w - 2 * pad))
    y = int(np.clip(at[1], h + 2 * pad, img.shape[0] - base - pad))
    cv2.rectangle(img, (x - pad, y - h - pad), (x + w + pad, y + base + pad), _DARK, -1)
    cv2.putText(img, text, (x, y), _FONT, scale, _ANGLE, thick, cv2.LINE_AA)


def _arc(img: np.ndarray, centre: tuple[int, int], a: np.ndarray, b: np.ndarray, r: int) -> None:
    """The arc of radius ``r`` at ``centre`` between directions ``a`` and ``b`` (the smaller)."""
    start = np.degrees(np.arctan2(a[1], a[0]))
    end = np.degrees(np.arctan2(b[1], b[0]))
    if (end - start) % 360 > 180:
        start, end = end, start
    end = start + (end - start) % 360
    cv2.ellipse(img, centre, (r, r), 0, start, end, _ANGLE, max(2, r // 12), cv2.LINE_AA)


def _value(report: GaitReport, name: str, s: Step) -> float | None:
    """The report's value of metric ``name`` for step ``s`` (None when not measured there)."""
    m = report.metrics.get(name)
    if m is None or m.value is None:
        return None
    for v, t in zip(m.per_step, m.per_step_times, strict=True):
        if abs(t - s.contact) < 1e-3:
            return float(v)
    return None


def draw_key_frame(image: np.ndarray, pts: np.ndarray, report: GaitReport, s: Step) -> np.ndarray:
    """A key frame of ``image`` (BGR) at step ``s``'s contact: the runner cropped and enlarged,
    the skeleton, and the knee, shank and trunk angles drawn with their values.

    ``pts`` are the landmarks (33 x 2) in ``image``'s pixels."""
    from tools.gait.render import draw_pose  # render draws the clip with the same skeleton

    crop = runner_crop(pts, image.shape[1], image.shape[0])
    box = image[crop.y0 : crop.y1, crop.x0 : crop.x1]
    size = (max(2, round(box.shape[1] * crop.zoom)), KEY_FRAME_HEIGHT)
    img = cv2.resize(box, size, interpolation=cv2.INTER_CUBIC)
    local = (pts - (crop.x0, crop.y0)) * crop.zoom
    draw_pose(img, local, 1.0, {s.side})
    scale = KEY_FRAME_HEIGHT / 900
    radius = round(KEY_FRAME_HEIGHT / 14)

    def p(name: str) -> np.ndarray:
        return local[IDX[name]]

    side = s.side
    hip, knee, ankle = p(f"{side}_hip"), p(f"{side}_knee"), p(f"{side}_ankle")
    if np.isfinite([hip, knee, ankle]).all():
        centre = tuple(int(v) for v in knee)
        _arc(img, centre, hip - knee, ankle - knee, radius)  # the knee's inner angle
        knee_flexion = _value(report, "knee_flexion_contact", s)
        if knee_flexion is not None:
            _label(img, f"knee {knee_flexion:.0f} deg bent", (centre[0] + radius, centre[1]), scale)
        up = np.array([0.0, -1.0])
        cv2.line(
            img,
            tuple(int(v) for v in ankle),
            tuple(int(v) for v in ankle + up * 1.6 * radius),
            _REFERENCE,
            2,
            cv2.LINE_AA,
        )
        _arc(img, tuple(int(v) for v in ankle), up, knee - ankle, round(1.2 * radius))
        shank = _value(report, "shank_angle", s)
        if shank is not None:
            at = (int(ankle[0]) + radius, int(ankle[1] - radius))
            _label(img, f"shank {shank:.0f} deg", at, scale)
    shoulders = (p("left_shoulder") + p("right_shoulder")) / 2
    hips = (p("left_hip") + p("right_hip")) / 2
    if np.isfinite([shoulders, hips]).all():
        up = np.array([0.0, -1.0])
        top = tuple(int(v) for v in hips + up * np.linalg.norm(shoulders - hips))
        cv2.line(img, tuple(int(v) for v in hips), top, _REFERENCE, 2, cv2.LINE_AA)
        _arc(img, tuple(int(v) for v in hips), up, shoulders - hips, round(1.5 * radius))
        lean = _value(report, "trunk_lean", s)
        if lean is None and (m := report.metrics.get("trunk_lean")) and m.value is not None:
            lean = m.value
        if lean is not None:
            _label(
                img, f"trunk {lean:.0f} deg", (int(hips[0]) + radius, int(hips[1]) - radius), scale
            )
    lines = [f"{side} foot lands at {s.contact:.2f} s, on the ground {s.contact_ms:.0f} ms"]
    extra = []
    overstride = _value(report, "overstride", s)
    if overstride is not None:
        extra.append(f"heel {overstride:.0f}% leg ahead of hip")
    strike = _value(report, "foot_strike_angle", s)
    if strike is not None:
        extra.append(f"foot {strike:.0f} deg toes up")
    if extra:
        lines.append(", ".join(extra))
    _header(img, lines, scale)
    return img


def _header(img: np.ndarray, lines: list[str], scale: float) -> None:
    """Lines of white text on a dark band across the top, shrunk to fit the width."""
    thick = max(1, round(scale * 2))
    fit = min(
        1.0,
        *((img.shape[1] - 20) / cv2.getTextSize(line, _FONT, scale, thick)[0][0] for line in lines),
    )
    fs = scale * fit
    step = round(36 * fs) + 8
    cv2.rectangle(img, (0, 0), (img.shape[1], step * len(lines) + 10), _DARK, -1)
    for k, line in enumerate(lines):
        cv2.putText(img, line, (10, step * (k + 1)), _FONT, fs, _WHITE, thick, cv2.LINE_AA)


def write_key_frame(
    image: np.ndarray, pts: np.ndarray, report: GaitReport, s: Step, out_dir: Path
) -> Path:
    """Draw a key frame (:func:`draw_key_frame`) and write it as a PNG in ``out_dir``."""
    path = key_frame_path(out_dir, s)
    cv2.imwrite(str(temporary(path)), draw_key_frame(image, pts, report, s))
    return finish(temporary(path), path)


def key_frame_path(out_dir: Path, s: Step) -> Path:
    """Where the key frame at step ``s``'s contact is written."""
    return out_dir / f"contact_{s.side}_{s.contact:06.2f}s.png"
