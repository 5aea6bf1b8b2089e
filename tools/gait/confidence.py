"""How far to trust each metric: visibility, number of strides, consistency, frame rate, view.

Every factor is 0-1 and comes with a sentence when it lowers the score. A metric below
RELIABLE_MIN is reported as not reliable rather than quoted as a number without a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.result import RELIABLE as RELIABLE_MIN

#: Contact and toe-off from keypoints are good to about this much even at high frame rates
#: (force-plate validation in evals/gait_accuracy.py).
EVENT_TIMING_MS = 30.0


@dataclass
class Confidence:
    """A 0-1 score with the reasons that lowered it."""

    score: float
    reasons: list[str] = field(default_factory=list)

    @property
    def reliable(self) -> bool:
        """True when the metric may be quoted without a warning."""
        return self.score >= RELIABLE_MIN


def metric_confidence(
    *,
    label: str,
    values: np.ndarray,
    tolerance: float,
    visibility: float,
    pose_fps: float,
    timing: bool,
    view_ok: bool,
    view_confidence: float,
) -> Confidence:
    """Score one metric from its per-step values and the conditions it was measured under."""
    reasons: list[str] = []
    if not view_ok:
        return Confidence(0.0, [f"{label} cannot be measured from this camera view."])
    n = len(values)
    if n == 0:
        return Confidence(0.0, [f"{label}: no complete step could be measured."])
    f_n = min(1.0, n / 8.0)
    if n < 8:
        reasons.append(f"only {n} steps measured; 8 or more make the median solid")
    f_vis = float(np.clip((visibility - 0.4) / 0.45, 0.0, 1.0))
    if f_vis < 0.8:
        reasons.append(f"the body parts it needs were poorly visible (visibility {visibility:.2f})")
    q75, q25 = np.percentile(values, [75, 25])
    spread = (q75 - q25) / 1.35  # robust SD
    # the summary is a median over n steps: its precision is what matters most, with a mild
    # penalty for a runner (or a tracker) that is inconsistent from step to step
    std_err = spread / np.sqrt(n)
    f_cons = (0.7 + 0.3 / (1.0 + (spread / tolerance) ** 2)) / (
        1.0 + (2 * std_err / tolerance) ** 2
    )
    if f_cons < 0.7:
        reasons.append(f"it varies a lot from step to step (robust SD {spread:.1f})")
    score = f_n * (0.3 + 0.7 * f_vis) * f_cons
    if timing:
        frame_ms = 1000.0 / pose_fps
        err = float(np.hypot(frame_ms, EVENT_TIMING_MS))
        f_fps = 1.0 / (1.0 + (err / 55.0) ** 2)
        score *= f_fps
        reasons.append(
            f"at {pose_fps:.0f} frames/s each event is only good to about ±{frame_ms:.0f} ms "
            f"(contact and toe-off from video keypoints: about ±{EVENT_TIMING_MS:.0f} ms)"
        )
    if view_confidence < 0.8:
        score *= 0.5 + 0.5 * view_confidence
        reasons.append("the camera view was not clearly side-on or rear-on")
    return Confidence(float(np.clip(score, 0.0, 1.0)), reasons)
