"""Pose estimation behind one small class, so another backend can replace MediaPipe.

MediaPipe 0.10.21 bundles the ``model_complexity=1`` (full) pose landmark model in its wheel,
so this runs offline. Complexity 0 and 2 would download a model at run time, so they are never
used here. The same model runs on ONNX Runtime by default (:mod:`models.pose_onnx`, about half
MediaPipe's CPU time a frame); ``COACHG_POSE_BACKEND=mediapipe`` keeps MediaPipe's own graph.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING

import numpy as np

from models.closing import Closes

if TYPE_CHECKING:
    from models.pose_onnx import OnnxPoseEstimator

log = logging.getLogger(__name__)

#: The 33 landmarks MediaPipe Pose returns, in its order.
LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}
NUM_LANDMARKS = len(LANDMARK_NAMES)


MEDIAPIPE = "mediapipe-pose-full"
ONNX = "onnxruntime-pose-landmark-full"


def chosen_backend() -> str:
    """The pose backend this machine uses: ONNX Runtime unless the settings say "mediapipe"
    or ONNX Runtime or the converter (tflite2onnx) is not installed."""
    from storage.settings import Settings

    if Settings.from_env().pose_backend == "mediapipe":
        return MEDIAPIPE
    have = all(importlib.util.find_spec(m) for m in ("onnxruntime", "tflite2onnx", "onnx"))
    return ONNX if have else MEDIAPIPE


class MediaPipePoseEstimator(Closes):
    """One person's 2D pose per image: MediaPipe Pose (full model, bundled, offline).

    ``estimate(image_rgb)`` returns a ``(33, 3)`` float array of x and y in pixels of the given
    image and MediaPipe's visibility (0-1), or None when no person is found. With ``tracking=True``
    consecutive calls are treated as video frames: MediaPipe follows the person through a region of
    interest instead of re-detecting in every frame, which is faster and keeps the same person.
    """

    backend = MEDIAPIPE

    def __init__(
        self,
        *,
        tracking: bool = True,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        import mediapipe as mp  # imported here: heavy, and only the pose path needs it

        self._pose = mp.solutions.pose.Pose(
            static_image_mode=not tracking,
            model_complexity=1,  # the only bundled model; 0 and 2 download at run time
            smooth_landmarks=False,  # we filter ourselves, zero-phase, after outlier removal
            enable_segmentation=False,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    def estimate(self, image_rgb: np.ndarray) -> np.ndarray | None:
        """Landmarks of the most prominent person in an RGB uint8 image, or None."""
        height, width = image_rgb.shape[:2]
        result = self._pose.process(image_rgb)
        if result.pose_landmarks is None:
            return None
        out = np.empty((NUM_LANDMARKS, 3), dtype=np.float64)
        for i, lm in enumerate(result.pose_landmarks.landmark):
            out[i] = (lm.x * width, lm.y * height, lm.visibility)
        return out

    def close(self) -> None:
        """Free the MediaPipe graph."""
        self._pose.close()


def _onnx_estimator(tracking: bool) -> OnnxPoseEstimator:
    from models.pose_onnx import OnnxPoseEstimator, onnx_model
    from storage.settings import Settings

    model = onnx_model(Settings.from_env().home / "cache")
    return OnnxPoseEstimator(model, tracking=tracking)


class PoseEstimator(Closes):
    """The configured pose estimator (:func:`chosen_backend`), behind MediaPipe's interface:
    ``estimate(image_rgb)`` gives ``(33, 3)`` landmarks (x, y in pixels, visibility) or None.
    ``backend`` names the one used (the class attribute: the one this machine chooses)."""

    backend = chosen_backend()

    def __init__(self, *, tracking: bool = True, backend: str | None = None) -> None:
        backend = backend or self.backend
        self._impl: MediaPipePoseEstimator | OnnxPoseEstimator
        if backend == ONNX:
            try:
                self._impl = _onnx_estimator(tracking)
            except Exception:  # a model that cannot be converted or loaded: MediaPipe's own
                log.warning(
                    "the ONNX pose model could not be used; MediaPipe runs instead", exc_info=True
                )
                self._impl = MediaPipePoseEstimator(tracking=tracking)
        else:
            self._impl = MediaPipePoseEstimator(tracking=tracking)
        self.backend = self._impl.backend

    def estimate(
        self, image_rgb: np.ndarray, origin: tuple[float, float] | None = None
    ) -> np.ndarray | None:
        """Landmarks of the most prominent person in an RGB uint8 image, or None. ``origin``:
        where the image's top-left corner lies in the frame it was cut from, when a tracker
        crops each frame (the ONNX estimator then moves its region with the crop; MediaPipe
        finds its own)."""
        if isinstance(self._impl, MediaPipePoseEstimator):
            return self._impl.estimate(image_rgb)
        return self._impl.estimate(image_rgb, origin)

    def close(self) -> None:
        """Free the model."""
        self._impl.close()
