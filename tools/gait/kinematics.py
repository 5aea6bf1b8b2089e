"""Cleaned landmark trajectories with lookup at any time, and the angles gait metrics need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.pose import LANDMARK_INDEX as IDX


@dataclass
class Kinematics:
    """Filtered landmarks ``xy`` (T, 33, 2) in pixels at ``times`` (s), and their visibility."""

    times: np.ndarray
    xy: np.ndarray
    visibility: np.ndarray

    def at(self, t: float, name: str) -> np.ndarray:
        """Position of landmark ``name`` at time ``t`` (linear between samples)."""
        k = IDX[name]
        return np.array(
            [
                np.interp(t, self.times, self.xy[:, k, d], left=np.nan, right=np.nan)
                for d in range(2)
            ]
        )

    def mid(self, t: float, a: str, b: str) -> np.ndarray:
        """Midpoint of two landmarks at time ``t``."""
        return (self.at(t, a) + self.at(t, b)) / 2

    def span(self, t0: float, t1: float) -> np.ndarray:
        """Sample indices with ``t0 <= time <= t1``."""
        return np.flatnonzero((self.times >= t0) & (self.times <= t1))

    def track(self, name: str) -> np.ndarray:
        """(T, 2) trajectory of one landmark."""
        return self.xy[:, IDX[name]]

    def mid_track(self, a: str, b: str) -> np.ndarray:
        """(T, 2) trajectory of the midpoint of two landmarks."""
        return (self.track(a) + self.track(b)) / 2

    def visibility_of(self, names: tuple[str, ...], idx: np.ndarray | None = None) -> float:
        """Median visibility of some landmarks (over ``idx`` samples, or all)."""
        cols = [IDX[n] for n in names]
        vis = self.visibility[:, cols] if idx is None else self.visibility[np.ix_(idx, cols)]
        return float(np.median(vis)) if vis.size else 0.0


def inner_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle ABC in degrees (0-180); works on (2,) or (N, 2) arrays."""
    u, v = a - b, c - b
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def angle_from_down(vec: np.ndarray, forward_sign: int) -> np.ndarray:
    """Angle of an image vector from down (deg), positive towards the running direction."""
    return np.degrees(np.arctan2(forward_sign * vec[..., 0], vec[..., 1]))


def angle_from_up(vec: np.ndarray, forward_sign: int) -> np.ndarray:
    """Angle of an image vector from up (deg), positive towards the running direction."""
    return np.degrees(np.arctan2(forward_sign * vec[..., 0], -vec[..., 1]))


def foot_angle(heel: np.ndarray, toe: np.ndarray, forward_sign: int) -> np.ndarray:
    """Heel-to-toe angle above horizontal, degrees (toes up positive)."""
    d = toe - heel
    return np.degrees(np.arctan2(-d[..., 1], forward_sign * d[..., 0]))
