"""Keeping the same runner and the same legs through a clip.

Pose models sometimes jump to a passer-by for a few frames, or swap the runner's left and right
legs (common in side views, where the legs overlap). Frames that jump are dropped, and swapped
legs are swapped back, before any filtering.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.filtering import median_filter

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


#: A stretch of the track shorter than this is a glitch, not a person (seconds).
MIN_PERSON_S = 0.5


@dataclass(frozen=True)
class Person:
    """One stretch of the track that follows one body without a jump: samples ``[start,
    stop)``, where the body's centre was on average and how tall its torso was (px)."""

    start: int
    stop: int
    centre: tuple[float, float]
    torso_px: float
    start_s: float
    end_s: float

    @property
    def seconds(self) -> float:
        """How long the stretch lasts."""
        return self.end_s - self.start_s


def _centre_and_torso(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    hips = (xy[:, IDX["left_hip"]] + xy[:, IDX["right_hip"]]) / 2
    shoulders = (xy[:, IDX["left_shoulder"]] + xy[:, IDX["right_shoulder"]]) / 2
    return (hips + shoulders) / 2, np.linalg.norm(shoulders - hips, axis=1)


def people(times: np.ndarray, xy: np.ndarray) -> list[Person]:
    """The track split where it jumps from one body to another: a new stretch begins when the
    body found is further from the last one than a runner could move in the time between (a
    torso length, plus half of one per frame missed) or its torso is a different size. Only
    stretches of MIN_PERSON_S or more are kept, longest first.

    The pose model follows one person; when someone else is in the picture it may jump to them
    and back, and each jump shows here as another stretch.
    """
    centre, torso = _centre_and_torso(xy)
    found = np.flatnonzero(np.isfinite(torso) & (torso > 0))
    if not len(found):
        return []
    runs: list[list[int]] = [[int(found[0]), int(found[0]) + 1]]
    for prev, cur in itertools.pairwise(found):
        allowed = torso[prev] * (1.0 + 0.5 * (cur - prev - 1))
        jump = float(np.linalg.norm(centre[cur] - centre[prev]))
        resized = not 0.67 < torso[cur] / torso[prev] < 1.5
        if jump > allowed or resized:
            runs.append([int(cur), int(cur) + 1])
        else:
            runs[-1][1] = int(cur) + 1
    out = []
    for a, b in runs:
        end_s = float(times[b]) if b < len(times) else float(times[-1])
        person = Person(
            a,
            b,
            (float(np.nanmedian(centre[a:b, 0])), float(np.nanmedian(centre[a:b, 1]))),
            float(np.nanmedian(torso[a:b])),
            float(times[a]),
            end_s,
        )
        if person.seconds >= MIN_PERSON_S:
            out.append(person)
    return sorted(out, key=lambda p: -p.seconds)


def others(found: list[Person]) -> list[Person]:
    """The stretches that are someone else than the longest one: away from where it was (more
    than two of its torso lengths) or of another size. Two stretches of the same runner, lost
    and found again where they were, are one person."""
    if not found:
        return []
    main = found[0]
    out = []
    for p in found[1:]:
        far = np.hypot(p.centre[0] - main.centre[0], p.centre[1] - main.centre[1])
        if far > 2 * main.torso_px or not 0.67 < p.torso_px / main.torso_px < 1.5:
            out.append(p)
    return out


#: Cost of calling a leg the other name than the pose model did, in leg lengths of motion: the
#: model's own labels are right more often than not.
RELABEL_COST = 0.3


def _runs_of(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _best_labels(legs: np.ndarray, scale: float) -> np.ndarray:
    """For one unbroken run of frames, ``legs`` (T, 2, n, 2): whether to swap each frame's two
    legs (bool, T) so that both legs move as smoothly as possible over the whole run (constant
    velocity), the Viterbi path over (swap before, swap now)."""
    n = len(legs)
    options = np.stack([legs, legs[:, ::-1]], axis=1)  # (T, 2 choices, 2 legs, n, 2)
    if n < 3:
        return np.zeros(n, dtype=bool)
    inf = np.inf
    # cost[a, b]: best cost of frames 0..t with choice a at t-1 and b at t
    cost = np.full((2, 2), 0.0)
    for a in range(2):
        for b in range(2):
            step = np.linalg.norm(options[1, b] - options[0, a], axis=-1).sum() / scale
            cost[a, b] = step + RELABEL_COST * (a + b)
    back = np.zeros((n, 2, 2), dtype=np.int8)
    for t in range(2, n):
        new = np.full((2, 2), inf)
        for b in range(2):
            for c in range(2):
                for a in range(2):
                    predicted = 2 * options[t - 1, b] - options[t - 2, a]
                    miss = np.linalg.norm(options[t, c] - predicted, axis=-1).sum() / scale
                    total = cost[a, b] + miss + RELABEL_COST * c
                    if total < new[b, c]:
                        new[b, c], back[t, b, c] = total, a
        cost = new
    b, c = np.unravel_index(int(np.argmin(cost)), cost.shape)
    path = np.zeros(n, dtype=bool)
    path[n - 1], path[n - 2] = bool(c), bool(b)
    for t in range(n - 1, 1, -1):
        a = back[t, b, c]
        path[t - 2] = bool(a)
        b, c = a, b
    return path


@dataclass(frozen=True)
class LegIdentity:
    """How the legs were told apart: frames relabelled, label changes (a run of relabelled frames
    starts or ends), frames with both legs seen, and the near leg's name with how many of those
    frames its visibility was the higher."""

    relabelled: int
    changes: int
    frames: int
    near_side: str
    near_share: float

    @property
    def swap_share(self) -> float:
        """Share of frames whose legs had to be renamed."""
        return self.relabelled / self.frames if self.frames else 0.0

    @property
    def doubt(self) -> float:
        """0 (sure) to 1: how unsure left and right are, from the renamed frames (over 10 %
        is a pose model that mixes the legs up) and from how often the near leg was the better
        seen one."""
        from_swaps = float(np.clip((self.swap_share - 0.03) / 0.12, 0, 1))
        from_near = float(np.clip((0.75 - self.near_share) / 0.25, 0, 1))
        return max(from_swaps, from_near)


def track_legs(
    xy: np.ndarray, visibility: np.ndarray, chain: tuple[tuple[str, str], ...] = LEG_CHAIN
) -> tuple[np.ndarray, np.ndarray, LegIdentity]:
    """Left and right legs followed over time: each frame's two legs are named so that both move
    smoothly through the whole clip (a Viterbi path, not frame by frame), the pose model's own
    names winning ties. Visibility is renamed with them. Returns the relabelled landmarks and
    visibility and how the identity went, including the near leg (better seen, in a side
    view)."""
    out, vis = xy.copy(), visibility.copy()
    li = [IDX[a] for a, _ in chain]
    ri = [IDX[b] for _, b in chain]
    legs = np.stack([xy[:, li], xy[:, ri]], axis=1)  # (T, 2, n, 2)
    finite = np.isfinite(legs).all(axis=(1, 2, 3))
    scale = body_scale(xy)
    swap = np.zeros(len(xy), dtype=bool)
    for a, b in _runs_of(finite):
        swap[a:b] = _best_labels(legs[a:b], scale)
    out[np.ix_(swap, li)], out[np.ix_(swap, ri)] = xy[np.ix_(swap, ri)], xy[np.ix_(swap, li)]
    vis[np.ix_(swap, li)], vis[np.ix_(swap, ri)] = (
        visibility[np.ix_(swap, ri)],
        visibility[np.ix_(swap, li)],
    )
    changes = int(np.sum(swap[1:] != swap[:-1]))
    left_better = vis[finite][:, li].mean(axis=1) > vis[finite][:, ri].mean(axis=1)
    share_left = float(np.mean(left_better)) if finite.any() else 0.5
    near = "left" if share_left >= 0.5 else "right"
    identity = LegIdentity(
        int(swap.sum()), changes, int(finite.sum()), near, max(share_left, 1 - share_left)
    )
    return out, vis, identity
