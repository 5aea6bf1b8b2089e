"""Foot contact and toe-off from foot keypoints, one detector for video pose and motion capture.

The foot is in stance while its lowest point (heel or toe) stays within a small height of the
ground; the ground is the local low of the foot's path. Thresholds are relative to the foot's own
swing height, so the detector works in pixels or millimetres, near or far from the camera.
Crossings are interpolated between samples, so timing is finer than one frame.

The contact allowance (CONTACT_FRACTION) is for a foot that lands flat or on the forefoot: it
touches down while its keypoints are still well above their loaded stance height and sinks into
stance afterwards (roll and shoe compression). A heel strike is different: the heel is the landing
point and stops at touchdown, having glided in slowly over its last centimetres, so the allowance
would call contact far too early (~47 ms in the eval). When the toe is still high as the foot
reaches the contact level, contact is when the heel reaches its own ground level instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.gait.filtering import percentile_filter

#: Stance while the foot's lowest point is below this share of its typical swing clearance.
#: Calibrated on force-plate stance of two runners (evals/gait_accuracy.py); since heel strikes
#: take the heel's own ground level (HEEL_STRIKE_TILT), CONTACT_FRACTION only sets flat and
#: forefoot landings (RBDS001).
CONTACT_FRACTION = 0.07
TOE_OFF_FRACTION = 0.12
#: A heel strike: the toe is more than this share of swing clearance higher (above its own ground)
#: than the heel as the foot reaches the contact level. The force-plate runners sit well either
#: side: a forefoot lander at -0.09..0.14, a heel striker at 0.12..0.44 (median 0.29).
HEEL_STRIKE_TILT = 0.2
#: The ground is this percentile of a keypoint's height over a 2 s window
#: (inside its stance plateau).
GROUND_PERCENTILE = 85.0
MIN_STANCE_S = 0.08
MAX_STANCE_S = 0.7
MIN_SWING_S = 0.1
_WINDOW_S = 2.0


@dataclass(frozen=True)
class FootEvents:
    """Stance phases of one foot: ``contacts[i]`` to ``toe_offs[i]``, in seconds."""

    side: str
    contacts: np.ndarray
    toe_offs: np.ndarray

    @property
    def contact_times_s(self) -> np.ndarray:
        """Duration of each stance in seconds."""
        return self.toe_offs - self.contacts


def _crossing(t: np.ndarray, c: np.ndarray, i: int, level: float) -> float:
    """Time between samples ``i-1`` and ``i`` where ``c`` crosses ``level`` (linear)."""
    c0, c1 = c[i - 1], c[i]
    if not (np.isfinite(c0) and np.isfinite(c1)) or c0 == c1:
        return float(t[i])
    frac = float(np.clip((level - c0) / (c1 - c0), 0.0, 1.0))
    return float(t[i - 1] + frac * (t[i] - t[i - 1]))


def _ground_clearance(y: np.ndarray, window: int) -> np.ndarray:
    """Height of one keypoint above its own local ground level (image y, down is larger)."""
    filled = y.copy()
    finite = np.isfinite(filled)
    filled[~finite] = np.interp(np.flatnonzero(~finite), np.flatnonzero(finite), filled[finite])
    ground = percentile_filter(filled, GROUND_PERCENTILE, size=window, mode="nearest")
    out = ground - filled
    out[~finite] = np.nan
    return out


def _clearances(
    heel_y: np.ndarray, toe_y: np.ndarray, fs: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heel and toe heights above their own ground levels, and the typical swing clearance."""
    window = max(3, round(_WINDOW_S * fs))
    if min(np.isfinite(heel_y).sum(), np.isfinite(toe_y).sum()) < 3:
        nan = np.full(len(heel_y), np.nan)
        return nan, nan, nan
    heel, toe = _ground_clearance(heel_y, window), _ground_clearance(toe_y, window)
    lowest = np.fmin(heel, toe)
    filled = np.where(np.isfinite(lowest), lowest, 0.0)
    return heel, toe, percentile_filter(filled, 90, size=window, mode="nearest")


def foot_clearance(
    heel_y: np.ndarray, toe_y: np.ndarray, fs: float
) -> tuple[np.ndarray, np.ndarray]:
    """Height of the lower of heel and toe above the ground, and the typical swing clearance.

    Each keypoint gets its own ground level (its lowest position nearby), so markers or keypoints
    that sit above the sole, and a tilted camera, do not bias stance.
    """
    heel, toe, swing = _clearances(heel_y, toe_y, fs)
    return np.fmin(heel, toe), swing


def _heel_strike_contact(
    times: np.ndarray,
    heel: np.ndarray,
    toe: np.ndarray,
    swing: np.ndarray,
    start: float,
    end: float,
) -> float:
    """Contact of the stance ``start``-``end``: if the foot lands heel first, when the heel reaches
    its own ground level; otherwise ``start``."""
    tilt = np.interp(start, times, toe) - np.interp(start, times, heel)
    if not tilt > HEEL_STRIKE_TILT * np.interp(start, times, swing):
        return start
    for i in range(int(np.searchsorted(times, start, side="right")), len(times)):
        if times[i] > end - MIN_STANCE_S:
            break
        if heel[i] <= 0.0:
            return max(start, _crossing(times, heel, i, 0.0))
    return start


def detect_foot_events(
    times: np.ndarray,
    heel_y: np.ndarray,
    toe_y: np.ndarray,
    *,
    side: str = "",
    contact_fraction: float = CONTACT_FRACTION,
    toe_off_fraction: float = TOE_OFF_FRACTION,
) -> FootEvents:
    """Contacts and toe-offs of one foot from heel and toe heights (image y, down is larger).

    Only stances whose start and end were both seen, lasting MIN_STANCE_S to MAX_STANCE_S, are
    returned.
    """
    fs = 1.0 / float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    empty = FootEvents(side, np.zeros(0), np.zeros(0))
    if len(times) < 5 or fs <= 0:
        return empty
    heel, toe, swing = _clearances(heel_y, toe_y, fs)
    clearance = np.fmin(heel, toe)
    down_level = contact_fraction * swing
    up_level = toe_off_fraction * swing
    contacts: list[float] = []
    toe_offs: list[float] = []
    in_stance = False
    start = 0.0
    for i in range(1, len(times)):
        c = clearance[i]
        if not np.isfinite(c) or not np.isfinite(clearance[i - 1]):
            in_stance = False  # a gap: the stance around it is not trusted
            continue
        if not in_stance and clearance[i - 1] >= down_level[i] > c:
            in_stance, start = True, _crossing(times, clearance, i, down_level[i])
        elif in_stance and clearance[i - 1] <= up_level[i] < c:
            end = _crossing(times, clearance, i, up_level[i])
            in_stance = False
            if MIN_STANCE_S <= end - start <= MAX_STANCE_S:
                if toe_offs and start - toe_offs[-1] < MIN_SWING_S:
                    # a blip of lift inside one stance: merge with the previous stance
                    if end - contacts[-1] <= MAX_STANCE_S:
                        toe_offs[-1] = end
                    continue
                contacts.append(_heel_strike_contact(times, heel, toe, swing, start, end))
                toe_offs.append(end)
    return FootEvents(side, np.asarray(contacts), np.asarray(toe_offs))
