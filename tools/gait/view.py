"""Which view the camera had (side or rear/front) and which way the runner faces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.errors import GaitAnalysisError

VIEWS = ("side", "rear")


@dataclass(frozen=True)
class ViewInfo:
    """``view`` is "side" or "rear" (a front view is analysed like a rear one, mirrored);
    ``faces`` is "left"/"right" in a side view, "away"/"toward" otherwise; ``near_side`` the
    runner's side closer to the camera in a side view; ``right_sign`` is +1 when the runner's right
    appears towards +x (image right)."""

    view: str
    faces: str
    confidence: float
    given: bool
    near_side: str
    right_sign: int
    width_ratio: float

    @property
    def forward_sign(self) -> int:
        """+1 when the runner moves towards +x in the image (side view)."""
        return 1 if self.faces == "right" else -1


def _median(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if len(finite) else float("nan")


def detect_view(xy: np.ndarray, visibility: np.ndarray, given: str | None = None) -> ViewInfo:
    """Guess the view from body proportions, or check the one given.

    In a side view the shoulders and hips overlap (their width is small next to the torso length);
    seen from behind or the front they are wide apart.
    """
    if given is not None:
        given = given.strip().lower()
        if given == "front":
            given = "rear"
        if given not in VIEWS:
            raise GaitAnalysisError(
                f"I don't know the view {given!r}. Say view='side' (camera at hip height, "
                "beside the runner) or view='rear' (camera behind the runner), or leave it out "
                "and I'll detect it.",
                code="bad_view",
            )
    ls, rs = xy[:, IDX["left_shoulder"]], xy[:, IDX["right_shoulder"]]
    lh, rh = xy[:, IDX["left_hip"]], xy[:, IDX["right_hip"]]
    torso = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    width = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2
    ratio = _median(width / torso)
    detected = "side" if ratio < 0.35 else "rear"
    # distance of the ratio from the decision boundary, as a rough confidence
    conf = float(np.clip(abs(ratio - 0.35) / 0.2, 0.2, 1.0)) if np.isfinite(ratio) else 0.2
    view = given or detected
    right_sign = 1 if _median(rh[:, 0] - lh[:, 0]) >= 0 else -1
    nose = xy[:, IDX["nose"]]
    ears = (xy[:, IDX["left_ear"]] + xy[:, IDX["right_ear"]]) / 2
    toes = (xy[:, IDX["left_foot_index"]] + xy[:, IDX["right_foot_index"]]) / 2
    heels = (xy[:, IDX["left_heel"]] + xy[:, IDX["right_heel"]]) / 2
    if view == "side":
        votes = np.sign(_median(nose[:, 0] - ears[:, 0])) + np.sign(
            _median(toes[:, 0] - heels[:, 0])
        )
        faces = "right" if votes > 0 else "left"
        near = (
            "left"
            if _median(
                visibility[:, IDX["left_hip"]]
                - visibility[:, IDX["right_hip"]]
                + visibility[:, IDX["left_ankle"]]
                - visibility[:, IDX["right_ankle"]]
            )
            >= 0
            else "right"
        )
        if votes == 0:
            conf *= 0.6
    else:
        face_vis = _median(visibility[:, IDX["nose"]])
        faces = "toward" if face_vis > 0.6 and right_sign < 0 else "away"
        near = ""
    if given is not None:
        conf = 1.0 if given == detected else 0.5
    return ViewInfo(view, faces, conf, given is not None, near, right_sign, ratio)
