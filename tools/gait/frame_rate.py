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
#: Two signals' rates agree when they are this close (share).
RHYTHM_MATCH = 0.04


@dataclass(frozen=True)
class Rhythm:
    """The step rate the legs' motion implies at the clip's timing, and how clear it was.

    ``source`` names the signal it came from; ``confirmed`` is True when another, independent
    signal (a different body part, or one that does not depend on the left/right labels) gives
    the same rate; ``cycles`` is how many of its periods the clip holds."""

    spm: float
    strength: float
    source: str = ""
    confirmed: bool = False
    cycles: float = 0.0

    @property
    def clear(self) -> bool:
        """True when the motion repeats clearly enough to read a rate."""
        return bool(np.isfinite(self.spm)) and self.strength >= MIN_RHYTHM

    @property
    def confidence(self) -> float:
        """0-1: how far the rate may be quoted as the runner's cadence (at a right timing): the
        peak's strength, how many periods were seen (8 make it solid) and a second signal's
        agreement."""
        if not self.clear:
            return 0.0
        seen = min(1.0, self.cycles / 8.0)
        return float(np.clip(self.strength, 0.0, 1.0) * seen * (1.0 if self.confirmed else 0.75))

    @property
    def strides(self) -> int:
        """Whole strides the clip holds at this rate."""
        per_stride = "apart" not in self.source and self.source != "hips"
        return int(self.cycles if per_stride else self.cycles / 2)

    def words(self) -> str:
        """Where the rate comes from, in a phrase."""
        return _SOURCE_WORDS.get(self.source, "the legs' rhythm")


_SOURCE_WORDS = {
    "ankles": "the period of the ankles' back-and-forth (one per stride)",
    "knees": "the period of the knees' back-and-forth (one per stride)",
    "ankles apart": "how often the ankles pass each other (twice a stride)",
    "knees apart": "how often the knees pass each other (twice a stride)",
    "hips": "the hips' bounce (once a step)",
}


def _period(signal: np.ndarray, dt: float) -> tuple[float, float]:
    """Period (s) of the first autocorrelation peak after its first dip, and the peak's height
    (0-1); NaN and 0 when there is none."""
    none = (float("nan"), 0.0)
    signal = signal - np.mean(signal)
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
    return (k + float(np.clip(shift, -0.5, 0.5))) * dt, float(np.clip(b, 0.0, 1.0))


def _signals(xy: np.ndarray) -> dict[str, tuple[np.ndarray, float]]:
    """Each signal that repeats with the gait, and the steps per period it holds."""

    def x(name: str) -> np.ndarray:
        return xy[:, IDX[name], 0]

    ankles = x("left_ankle") - x("right_ankle")
    knees = x("left_knee") - x("right_knee")
    hips = (xy[:, IDX["left_hip"], 1] + xy[:, IDX["right_hip"], 1]) / 2
    return {
        "ankles": (ankles, 2.0),
        "knees": (knees, 2.0),
        "ankles apart": (np.abs(ankles), 1.0),
        "knees apart": (np.abs(knees), 1.0),
        "hips": (hips, 1.0),
    }


def _detrended(signal: np.ndarray, window: int) -> np.ndarray:
    """``signal`` minus its moving average over ``window`` samples (camera drift, turning)."""
    if window < 3 or len(signal) < window:
        return signal - np.mean(signal)
    kernel = np.ones(window) / window
    padded = np.pad(signal, window // 2, mode="edge")
    return (
        signal - np.convolve(padded, kernel, mode="same")[window // 2 : window // 2 + len(signal)]
    )


def leg_rhythm(times: np.ndarray, xy: np.ndarray) -> Rhythm:
    """Step rate from the clearest of the gait's own rhythms: the ankles' and the knees'
    horizontal separation (one period per stride), how often they pass each other and the hips'
    bounce (one per step; these two don't depend on which leg is called left).

    ``xy`` is ``(T, 33, 2)`` cleaned landmarks at ``times`` (seconds at the clip's timing).
    """
    none = Rhythm(float("nan"), 0.0)
    if len(times) < 8:
        return none
    dt = float(np.median(np.diff(times)))
    found: list[Rhythm] = []
    for name, (raw, steps) in _signals(xy).items():
        filled = fill_gaps(raw, max_gap=len(raw))
        finite = np.isfinite(filled)
        if finite.sum() < 8:
            continue
        signal = filled[finite]
        if name in ("ankles apart", "knees apart", "hips"):
            # a slow drift (the runner turning, the camera moving) is no part of the rhythm
            signal = _detrended(signal, max(3, len(signal) // 4))
        period, strength = _period(signal, dt)
        if np.isfinite(period) and period > 0:
            spm = 60.0 * steps / period
            found.append(Rhythm(spm, strength, name, cycles=len(signal) * dt / period))
    if not found:
        return none
    found = _octave_checked(found)
    best = max(found, key=lambda r: r.strength)
    confirmed = any(
        r.source != best.source and r.clear and abs(r.spm / best.spm - 1) <= RHYTHM_MATCH
        for r in found
    )
    return Rhythm(best.spm, best.strength, best.source, confirmed, best.cycles)


def _octave_checked(found: list[Rhythm]) -> list[Rhythm]:
    """A once-a-step signal whose rate is half a clear stride signal's saw strides, not steps
    (the near and far leg differ, so each stride repeats, not each step): its rate doubled."""
    strides = [r for r in found if r.clear and "apart" not in r.source and r.source != "hips"]
    out = []
    for r in found:
        if r in strides or not any(abs(2 * r.spm / s.spm - 1) <= RHYTHM_MATCH for s in strides):
            out.append(r)
        else:
            out.append(Rhythm(2 * r.spm, r.strength, r.source, r.confirmed, 2 * r.cycles))
    return out


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


def check_timing(info: VideoInfo, rhythm: Rhythm, physics: str = "") -> None:
    """Refuse a clip whose timing makes the runner's legs turn over at an impossible rate;
    ``physics`` is what the body's physics says of the time scale, in words, said with it.

    Raises GaitAnalysisError ``slow_motion`` when the file's own rate is in use and the motion is
    2-8 times too slow (slow motion nobody confirmed), ``wrong_fps`` when a rate that was given
    or tagged makes the running impossible.
    """
    if not rhythm.clear or plausible(rhythm.spm):
        return
    factor = likely_factor(rhythm.spm)
    if info.fps_source == FPS_FILE and factor is not None and factor > 1:
        filmed = info.container_fps * factor
        said = f" The body's physics says so too: {physics}." if physics else ""
        raise GaitAnalysisError(
            f"This looks like a slow-motion clip: at the file's {info.container_fps:.0f} "
            f"frames/s the legs turn over about {factor:.0f} times slower than any runner's, and "
            "the file does not say the rate it was filmed at, so its timing can't be trusted "
            f"(cadence, contact and flight times would all be wrong).{said} Tell me the rate it "
            f'was filmed at, for example "it\'s {filmed:.0f} fps slow-mo" '
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
    said = f" The body's physics agrees: {physics}." if physics else ""
    raise GaitAnalysisError(
        "At this clip's timing the legs move at a rate no runner has, so "
        f"{hint}; I won't report times I can't trust.{said}{better} Send the original, unedited "
        'clip, or tell me the rate it was filmed at (for example "it\'s 120 fps slow-mo").',
        code="wrong_fps",
    )
