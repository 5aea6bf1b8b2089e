"""MediaPipe's pose landmark model (the full one its wheel bundles) on ONNX Runtime.

The model is MediaPipe's own ``pose_landmark_full.tflite``, converted once to ONNX with
``tflite2onnx`` (offline, from the installed wheel) and kept under ``COACHG_HOME/cache``; only the
outputs Coach G uses are kept (the landmarks, the pose flag and the heatmap that refines them, not
the segmentation mask). Around it, what MediaPipe's graph does on a CPU, in NumPy and OpenCV:
the region of interest from the two alignment landmarks of the previous frame (hips' centre and
the body's extent, turned upright and widened 1.25x), the crop warped to 256 x 256, the landmarks
refined from the heatmap (7 x 7 window, where its peak is at least 0.5) and projected back.

MediaPipe's person detector cannot be converted (its weights are stored sparse: the DENSIFY
operator, which tflite2onnx does not know), so a clip's first frame, and any frame where the
runner is lost, is found from the whole picture by the landmark model itself (the picture the
tracker passes is already cropped around the runner), and by MediaPipe when that fails.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from models.closing import Closes

log = logging.getLogger(__name__)

#: Input side of the landmark model, and of its heatmap.
_INPUT, _HEATMAP = 256, 64
#: MediaPipe's region of interest around the alignment points, and its refinement settings.
_ROI_SCALE = 1.25
_REFINE_KERNEL, _REFINE_MIN = 7, 0.5
#: Below this pose flag the runner counts as lost (MediaPipe's min_tracking_confidence).
MIN_PRESENCE = 0.5
#: Model runs that find the runner in a new picture: the whole picture, then the region it gives.
_FIND_RUNS = 2
_OUTPUTS = ["Identity", "Identity_1", "Identity_3"]  # landmarks, pose flag, heatmap
_LOCK = threading.Lock()
#: A region of interest: its centre (pixels), its side (pixels) and its rotation (radians).
Roi = tuple[np.ndarray, float, float]


def tflite_model() -> Path:
    """The full pose landmark model inside the installed MediaPipe wheel."""
    import importlib.util

    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("mediapipe is not installed")
    return Path(spec.origin).parent / "modules" / "pose_landmark" / "pose_landmark_full.tflite"


def _patch_tflite2onnx() -> None:
    """tflite2onnx 0.4.1 rewrites a Pad operator's paddings in place; this model shares one
    paddings tensor between several Pad operators, so the second rewrite fails. Rewrite once."""
    from tflite2onnx.op.padding import Padding

    if getattr(Padding.transform, "_coachg_once", False):
        return
    original = Padding.transform

    def transform_once(self: Padding) -> None:
        if len(self.inputs[1].shape) == 1:  # already rewritten for another Pad operator
            return
        original(self)

    transform_once._coachg_once = True  # type: ignore[attr-defined]
    Padding.transform = transform_once


def onnx_model(cache_dir: Path) -> Path:
    """The ONNX landmark model in ``cache_dir``, converted from the wheel's model on first use
    (a few seconds; named by the source model's hash and the converter's version, so another
    MediaPipe or converter converts again). Raises ImportError when tflite2onnx is missing."""
    source = tflite_model()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    target = cache_dir / f"pose_landmark_full-{digest}-t2o{version('tflite2onnx')}.onnx"
    if target.exists():
        return target
    import onnx
    from tflite2onnx import convert

    _patch_tflite2onnx()
    cache_dir.mkdir(parents=True, exist_ok=True)
    full = target.with_suffix(f".{os.getpid()}.full")
    part = target.with_suffix(f".{os.getpid()}.part")
    try:
        logging.getLogger("tflite2onnx").setLevel(logging.ERROR)
        convert(str(source), str(full))
        onnx.utils.extract_model(str(full), str(part), ["input_1"], _OUTPUTS)
        os.replace(part, target)  # atomic: a process converting beside this one never sees half
    finally:
        full.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return target


#: Sessions made in this process, by model file and thread count: a session holds no state
#: between runs, and making one costs about 0.1 CPU s (a warm pose worker makes one while it
#: waits, and its chunk's estimator uses that one).
_SESSIONS: dict[tuple[str, int], object] = {}


def _session(model: Path, threads: int) -> Any:
    """An ONNX Runtime session of ``model`` on the CPU, made once per process."""
    key = (str(model), threads)
    with _LOCK:
        if key not in _SESSIONS:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            _SESSIONS[key] = ort.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
        return _SESSIONS[key]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def roi_from_alignment(centre: np.ndarray, extent: np.ndarray) -> tuple[np.ndarray, float, float]:
    """MediaPipe's region of interest from its two alignment points (pixels): ``(centre, side,
    rotation in radians)``, the square turned so the body stands upright, widened 1.25x."""
    d = extent - centre
    side = 2.0 * float(np.hypot(d[0], d[1])) * _ROI_SCALE
    rotation = np.pi / 2 - np.arctan2(-d[1], d[0])
    rotation = (rotation + np.pi) % (2 * np.pi) - np.pi
    return centre.astype(np.float64), side, float(rotation)


def _corners(centre: np.ndarray, side: float, rotation: float) -> np.ndarray:
    """Top-left, top-right and bottom-left corners of the turned square (pixels)."""
    c, s = np.cos(rotation), np.sin(rotation)
    half = side / 2
    axes = np.array([[c, s], [-s, c]])  # the square's x and y axes in the picture
    local = np.array([[-half, -half], [half, -half], [-half, half]])
    return (centre + local @ axes).astype(np.float32)


class OneEuro:
    """MediaPipe's one-euro filter of the alignment points that place the next region (min
    cutoff 0.01 Hz, beta 10, derivative cutoff 1 Hz, at MediaPipe's 30 frames a second, speed
    measured in region sizes): still points are held steady, moving ones followed at once."""

    def __init__(
        self, min_cutoff: float = 0.01, beta: float = 10.0, d_cutoff: float = 1.0, rate: float = 30
    ) -> None:
        self.min_cutoff, self.beta, self.d_cutoff, self.rate = min_cutoff, beta, d_cutoff, rate
        self._x: np.ndarray | None = None
        self._dx = np.zeros(0)

    def _alpha(self, cutoff: np.ndarray | float) -> np.ndarray | float:
        tau = 1.0 / (2 * np.pi * cutoff)
        return 1.0 / (1.0 + tau * self.rate)

    def __call__(self, value: np.ndarray, scale: float) -> np.ndarray:
        """The filtered ``value`` (points in pixels), ``scale`` pixels to one region size."""
        if self._x is None:
            self._x, self._dx = value.copy(), np.zeros_like(value)
            return value
        dx = (value - self._x) / max(scale, 1e-6) * self.rate
        self._dx = self._dx + self._alpha(self.d_cutoff) * (dx - self._dx)
        cutoff = self.min_cutoff + self.beta * np.abs(self._dx)
        self._x = self._x + self._alpha(cutoff) * (value - self._x)
        return self._x.copy()

    def reset(self) -> None:
        """Forget the points (the runner was lost)."""
        self._x = None


class OnnxPoseEstimator(Closes):
    """The same interface as :class:`models.pose.PoseEstimator`: ``estimate(image_rgb)``
    returns a ``(33, 3)`` array of x, y in pixels and visibility, or None; with
    ``tracking=True`` each frame's region of interest comes from the frame before."""

    backend = "onnxruntime-pose-landmark-full"

    def __init__(self, model: Path, *, tracking: bool = True, threads: int = 1) -> None:
        self._session = _session(model, threads)
        self._tracking = tracking
        self._roi: Roi | None = None
        self._smooth = OneEuro()
        self._shape: tuple[int, ...] = ()
        self._fallback = None  # MediaPipe, made the first time the model alone finds no one
        #: How many times the runner was searched for in a whole picture (two model runs each).
        self.searches = 0

    def _run(
        self, image: np.ndarray, roi: tuple[np.ndarray, float, float]
    ) -> tuple[np.ndarray, float, np.ndarray]:
        """Landmarks (39 x 5: x, y in pixels, z, visibility, presence), pose flag, and the
        next region's alignment points, from ``image`` seen through ``roi``."""
        centre, side, rotation = roi
        corners = _corners(centre, side, rotation)
        target = np.float32([[0, 0], [_INPUT, 0], [0, _INPUT]])
        warp = cv2.getAffineTransform(corners, target)
        crop = cv2.warpAffine(
            image, warp, (_INPUT, _INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        tensor = (crop.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
        raw, flag, heatmap = self._session.run(_OUTPUTS, {"input_1": tensor})
        marks = raw.reshape(-1, 5).astype(np.float64)
        norm = marks[:, :2] / _INPUT
        norm = _refine(norm, heatmap[0])
        inverse = cv2.invertAffineTransform(warp)
        pixels = norm * _INPUT
        marks[:, 0] = inverse[0, 0] * pixels[:, 0] + inverse[0, 1] * pixels[:, 1] + inverse[0, 2]
        marks[:, 1] = inverse[1, 0] * pixels[:, 0] + inverse[1, 1] * pixels[:, 1] + inverse[1, 2]
        marks[:, 3] = _sigmoid(marks[:, 3])
        marks[:, 4] = _sigmoid(marks[:, 4])
        return marks, float(np.ravel(flag)[0]), marks[33:35, :2]

    def _find(self, image: np.ndarray) -> tuple[np.ndarray, Roi] | None:
        """The runner in a picture with no region yet, and the region for the next picture (in
        this picture's pixels): the whole picture, then the region the model's own alignment
        points give; MediaPipe when the model finds no one."""
        self.searches += 1
        h, w = image.shape[:2]
        roi = (np.array([w / 2, h / 2]), float(max(w, h)), 0.0)
        for _ in range(_FIND_RUNS):
            marks, flag, align = self._run(image, roi)
            if flag < MIN_PRESENCE:
                break
            roi = roi_from_alignment(align[0], align[1])
        else:
            return marks, roi
        return self._mediapipe(image)

    def _mediapipe(self, image: np.ndarray) -> tuple[np.ndarray, Roi] | None:
        """MediaPipe's own detector and model on this picture, and the region they give."""
        from models.pose import MediaPipePoseEstimator

        if self._fallback is None:
            self._fallback = MediaPipePoseEstimator(tracking=False)
        found = self._fallback.estimate(image)
        if found is None:
            return None
        hips = (found[23, :2] + found[24, :2]) / 2
        reach = float(np.max(np.hypot(*(found[:, :2] - hips).T)))
        up = (found[11, :2] + found[12, :2]) / 2 - hips
        up = up / max(float(np.hypot(*up)), 1e-6)
        marks, flag, align = self._run(image, roi_from_alignment(hips, hips + up * reach))
        if flag < MIN_PRESENCE:
            return None
        return marks, roi_from_alignment(align[0], align[1])

    def estimate(
        self, image_rgb: np.ndarray, origin: tuple[float, float] | None = None
    ) -> np.ndarray | None:
        """Landmarks of the runner in an RGB uint8 image, or None.

        ``origin``: where the picture's top-left corner lies in the frame it was cut from (the
        tracker's crop window, :mod:`tools.gait.tracking`). The region is kept in the frame's
        pixels, so it stays on the runner however the window moves or changes size, and the
        runner is not searched for again. Without ``origin``, a picture of another size than
        the one before starts the search afresh (the region kept is in the old picture's
        pixels)."""
        marks = None
        shift = np.zeros(2) if origin is None else np.asarray(origin, dtype=np.float64)
        if origin is None and image_rgb.shape != self._shape:
            self._roi = None
        self._shape = image_rgb.shape
        if self._tracking and self._roi is not None:
            centre, side, rotation = self._roi
            marks, flag, align = self._run(image_rgb, (centre - shift, side, rotation))
            if flag >= MIN_PRESENCE:
                align = self._smooth(align + shift, side)
                self._roi = roi_from_alignment(align[0], align[1])
            else:
                marks = None
        if marks is None:
            self._smooth.reset()
            found = self._find(image_rgb)
            if found is None:
                self._roi = None
                return None
            marks, (centre, side, rotation) = found
            self._roi = (centre + shift, side, rotation)
        if not self._tracking:
            self._roi = None
        out = np.empty((33, 3), dtype=np.float64)
        out[:, :2] = marks[:33, :2]
        out[:, 2] = marks[:33, 3]
        return out

    def close(self) -> None:
        """Free the fallback MediaPipe graph, if one was made."""
        if self._fallback is not None:
            self._fallback.close()
            self._fallback = None


def _refine(norm: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """MediaPipe's RefineLandmarksFromHeatmap: each landmark moved to the confidence-weighted
    centre of the 7 x 7 heatmap cells around it, where the peak is at least 0.5 (``norm``: 0-1
    in the crop; ``heatmap``: landmarks x 64 x 64 logits). All landmarks at once."""
    out = norm.copy()
    channels, rows, cols = heatmap.shape
    n = min(channels, len(norm))
    half = (_REFINE_KERNEL - 1) // 2
    col = np.trunc(norm[:n, 0] * cols).astype(int)  # as C++ casts: towards zero
    row = np.trunc(norm[:n, 1] * rows).astype(int)
    inside = (col >= 0) & (col < cols) & (row >= 0) & (row < rows)
    offsets = np.arange(-half, half + 1)
    rr = row[:, None, None] + offsets[None, :, None]  # n x 7 x 1
    cc = col[:, None, None] + offsets[None, None, :]  # n x 1 x 7
    valid = (rr >= 0) & (rr < rows) & (cc >= 0) & (cc < cols) & inside[:, None, None]
    logits = heatmap[
        np.arange(n)[:, None, None], np.clip(rr, 0, rows - 1), np.clip(cc, 0, cols - 1)
    ]
    conf = np.where(valid, _sigmoid(logits.astype(np.float64)), 0.0)
    total = conf.sum(axis=(1, 2))
    refine = inside & (conf.max(axis=(1, 2)) >= _REFINE_MIN) & (total > 0)
    safe = np.where(total > 0, total, 1.0)
    x = (conf * cc).sum(axis=(1, 2)) / cols / safe
    y = (conf * rr).sum(axis=(1, 2)) / rows / safe
    out[:n, 0] = np.where(refine, x, out[:n, 0])
    out[:n, 1] = np.where(refine, y, out[:n, 1])
    return out
