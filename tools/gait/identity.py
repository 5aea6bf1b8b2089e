"""Keeping the same runner and the same legs through a clip.

Pose models sometimes jump to a passer-by for a few frames, or swap the runner's left and right
legs (common in side views, where the legs overlap). Frames that jump are dropped, and swapped
legs are swapped back, before any filtering.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from models.pose import LANDMARK_INDEX as IDX

#: Left/right landmark pairs checked together as one chain each.
LEG_CHAIN = (
    ("left_knee", "right_knee"),
    ("left_ankle", "right_ankle"),
    ("left_heel", "right_heel"),
    ("left_foot_index", "right_foot_index"),
)
ARM_CHAIN = (("left_elbow", "right_elbow"), ("left_wrist", "right_wrist"))


def body_scale(xy: np.ndarray) -> float:
    """Median hip-to-ankle distance (the leg length) in pixels, both legs pooled."""
    lengths = []
    for side in ("left", "right"):
        hip, ankle = xy[:, IDX[f"{side}_hip"]], xy[:, IDX[f"{side}_ankle"]]
        knee = xy[:, IDX[f"{side}_knee"]]
        lengths.append(np.linalg.norm(hip - knee, axis=1) + np.linalg.norm(knee - ankle, axis=1))
    value = float(np.nanmedian(np.concatenate(lengths))) if len(xy) else float("nan")
    return value if np.isfinite(value) and value > 0 else 1.0


def drop_identity_jumps(xy: np.ndarray, *, tolerance: float = 0.35) -> tuple[np.ndarray, int]:
    """Blank frames whose body centre or torso size jumps away from the runner's local track.

    Returns the cleaned copy and the number of frames dropped.
    """
    out = xy.copy()
    hips = (xy[:, IDX["left_hip"]] + xy[:, IDX["right_hip"]]) / 2
    shoulders = (xy[:, IDX["left_shoulder"]] + xy[:, IDX["right_shoulder"]]) / 2
    torso = np.linalg.norm(shoulders - hips, axis=1)
    finite = np.isfinite(torso)
    if finite.sum() < 5:
        return out, 0
    size = 9
    filled_t = np.where(finite, torso, np.nanmedian(torso))
    ref_torso = median_filter(filled_t, size=size, mode="nearest")
    ref_hip = np.stack(
        [
            median_filter(
                np.where(finite, hips[:, d], np.nanmedian(hips[:, d])), size=size, mode="nearest"
            )
            for d in range(2)
        ],
        axis=1,
    )
    bad = finite & (
        (np.abs(torso - ref_torso) > tolerance * ref_torso)
        | (np.linalg.norm(hips - ref_hip, axis=1) > 2 * tolerance * ref_torso)
    )
    out[bad] = np.nan
    return out, int(bad.sum())


def fix_side_swaps(
    xy: np.ndarray, chain: tuple[tuple[str, str], ...] = LEG_CHAIN
) -> tuple[np.ndarray, int]:
    """Swap a chain's left and right back where that fits a constant-velocity track better.

    Returns the corrected copy and the number of frames swapped.
    """
    out = xy.copy()
    li = [IDX[a] for a, _ in chain]
    ri = [IDX[b] for _, b in chain]
    swaps = 0
    prev: list[np.ndarray] = []  # last two accepted (left, right) positions, each (2, n, 2)
    for t in range(len(out)):
        cur = np.stack([out[t, li], out[t, ri]])
        if not np.isfinite(cur).all():
            prev = []
            continue
        if len(prev) >= 2:
            pred = 2 * prev[-1] - prev[-2]
        elif prev:
            pred = prev[-1]
        else:
            prev.append(cur)
            continue
        keep = np.linalg.norm(cur - pred, axis=-1).sum()
        swap = np.linalg.norm(cur[::-1] - pred, axis=-1).sum()
        if swap < 0.6 * keep:
            out[t, li], out[t, ri] = cur[1], cur[0]
            cur = cur[::-1]
            swaps += 1
        prev = [*prev, cur][-2:]
    return out, swaps
