"""Is the clip's timing real? The stride rate read from the motion itself, before any event.

Phones export slow motion as ordinary 30 frames/s files that play 2, 4 or 8 times slower than
life, often with no tag saying so. A runner's legs then turn over at a rate no runner has. The
stride period is read from the legs' own rhythm (the horizontal distance between the ankles
repeats once per stride), so it does not depend on the event detector, which is built for real
time and would find few or no steps in a slowed clip.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.errors import GaitAnalysisError
from tools.gait.filtering import fill_gaps
from tools.gait.video_io import FPS_FILE, VideoInfo

#: Step rates a running human can have (steps/min): slow jog to sprint. Outside this, the timing
#: (frame rate) is wrong, not the runner.
RUNNING_SPM = (120.0, 260.0)
#: Slow-motion factors phones use.
SLOW_MOTION_FACTORS = (2, 4, 8)
#: A rhythm counts when its autocorrelation peak is at least this strong.
MIN_RHYTHM = 0.3


@dataclass(frozen=True)
class Rhythm:
    """The step rate the legs' motion implies at the clip's timing, and how clear it was."""

    spm: float
    strength: float

    @property
    def clear(self) -> bool:
        """True when the motion repeats clearly enough to read a rate."""
        return np.isfinite(self.spm) and self.strength >= MIN_RHYTHM


def leg_rhythm(times: np.ndarray, xy: np.ndarray) -> Rhythm:
    """Step rate from the period of the ankles' horizontal separation (one period per stride).

    ``xy`` is ``(T, 33, 2)`` cleaned landmarks at ``times`` (seconds at the clip's timing).
    """
    none = Rhythm(float("nan"), 0.0)
    if len(times) < 8:
        return none
    dt = float(np.median(np.diff(times)))
    gap = xy[:, IDX["left_ankle"], 0] - xy[:, IDX["right_ankle"], 0]
    gap = fill_gaps(gap, max_gap=len(gap))
    finite = np.isfinite(gap)
    if finite.sum() < 8:
        return none
    signal = gap[finite] - np.mean(gap[finite])
    n = len(signal)
    spectrum = np.fft.rfft(signal, 2 * n)
    acf = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    if acf[0] <= 0:
        return none
    acf = acf / acf[0]
    # search lags up to half the clip (at least two periods must be seen), from the first lag:
    # a clip timed too fast has a period of few samples in its own time
    lo, hi = 1, n // 2
    if hi <= lo + 2:
        return none
    negative = np.flatnonzero(acf[lo:hi] < 0)
    if not len(negative):
        return none
    # the first positive lobe after the first negative one holds the peak at one period
    after = lo + int(negative[0])
    positive = np.flatnonzero(acf[after:hi] > 0)
    if not len(positive):
        return none
    start = after + int(positive[0])
    back = np.flatnonzero(acf[start:hi] < 0)
    stop = start + int(back[0]) if len(back) else hi
    k = start + int(np.argmax(acf[start:stop]))
    if k + 1 >= n:
        return none
    # parabolic refinement of the peak
    a, b, c = acf[k - 1], acf[k], acf[k + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if (a - 2 * b + c) != 0 else 0.0
    period = (k + float(np.clip(shift, -0.5, 0.5))) * dt
    return Rhythm(120.0 / period, float(np.clip(b, 0.0, 1.0)))


def plausible(spm: float) -> bool:
    """True for a step rate a runner can have."""
    return RUNNING_SPM[0] <= spm <= RUNNING_SPM[1]


def likely_factor(spm: float) -> float | None:
    """The slow-motion factor (2, 4, 8) or speed-up (1/2, 1/4, 1/8) that would bring ``spm`` to a
    typical running rate, or None when none does."""
    candidates = [f for f in SLOW_MOTION_FACTORS] + [1 / f for f in SLOW_MOTION_FACTORS]
    fits = [f for f in candidates if 140.0 <= spm * f <= 215.0]
    if not fits:
        return None
    return min(fits, key=lambda f: abs(np.log(spm * f / 170.0)))


def check_timing(info: VideoInfo, rhythm: Rhythm) -> None:
    """Refuse a clip whose timing makes the runner's legs turn over at an impossible rate.

    Raises GaitAnalysisError ``slow_motion`` when the file's own rate is in use and the motion is
    2-8 times too slow (slow motion nobody confirmed), ``wrong_fps`` when a rate that was given
    or tagged makes the running impossible.
    """
    if not rhythm.clear or plausible(rhythm.spm):
        return
    factor = likely_factor(rhythm.spm)
    if info.fps_source == FPS_FILE and factor is not None and factor > 1:
        filmed = info.container_fps * factor
        raise GaitAnalysisError(
            f"This looks like a slow-motion clip: at the file's {info.container_fps:.0f} "
            f"frames/s the legs turn over about {factor:.0f} times slower than any runner's, and "
            "the file does not say the rate it was filmed at, so its timing can't be trusted "
            "(cadence, contact and flight times would all be wrong). Tell me the rate it was "
            f'filmed at, for example "it\'s {filmed:.0f} fps slow-mo" '
            f"(or `--fps {filmed:.0f}`), and send it again; or send the original clip from the "
            "phone's gallery, which keeps the capture rate.",
            code="slow_motion",
        )
    if info.fps_source == FPS_FILE:
        hint = "the clip plays at a speed I can't work out (edited, sped up or slowed down?)"
    else:
        hint = f"the frame rate {info.fps_source} ({info.fps:.0f} frames/s) does not fit it"
    better = (
        f" At {info.fps * factor:.0f} frames/s it would be a normal running rhythm: is that "
        "the rate it was filmed at?"
        if factor is not None
        else ""
    )
    raise GaitAnalysisError(
        "At this clip's timing the legs move at a rate no runner has, so "
        f"{hint}; I won't report times I can't trust.{better} Send the original, unedited "
        'clip, or tell me the rate it was filmed at (for example "it\'s 120 fps slow-mo").',
        code="wrong_fps",
    )
