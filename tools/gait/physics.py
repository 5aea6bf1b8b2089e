"""What the body's physics says about a clip, before any event: walking or running, and the
clip's time scale.

**Walking or running** needs no clock. A walker vaults over a stiff leg (an inverted pendulum):
the hips are highest as the legs pass each other at mid-stance. A runner bounces on a springy
leg: the hips are lowest there, and highest in flight, when the legs are far apart. So the sign
of the correlation between hip height and the legs' separation tells them apart at any playback
speed, as does the duty factor (the share of a stride a foot is down: over 50 % with double
support in walking, under 50 % with a flight phase in running), a ratio of times.

**The time scale** needs a clock that is not the file's: gravity. In flight the body falls at g,
and the hips' up-and-down at the step rate has a peak acceleration of about g in real time
(:data:`BOUNCE_G`). Measured in body heights per second squared (the runner's leg in pixels is
the ruler), a clip played k times slower shows k squared less of it: the slow-motion factor is
the square root of the ratio. The cadence a runner can have gives a second, independent reading.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.pose import LANDMARK_INDEX as IDX
from tools.gait.filtering import fill_gaps
from tools.gait.frame_rate import SLOW_MOTION_FACTORS, Rhythm
from tools.gait.steps import Step

G = 9.81
#: Hip-to-ankle length as a share of standing height (Winter's segment table).
LEG_TO_HEIGHT = 0.491
#: Standing height assumed when the runner gave none (m).
TYPICAL_HEIGHT_M = 1.72
#: The hips' vertical bounce at the step rate, as a sinusoid, peaks at about this many g in
#: real-time running: the centre of mass falls at 1 g in flight and is pushed up at up to 1.5 g
#: in stance, and 6-10 cm of oscillation at 160-190 steps/min gives 0.9-1.8 g.
BOUNCE_G = 1.3
#: A runner's typical cadence (steps/min): what the rhythm reading of the time scale aims at.
TYPICAL_SPM = 170.0
#: Hip height and leg separation correlate above this in walking (the hips ride highest at
#: mid-stance), below -PENDULUM_RUN in running.
PENDULUM_WALK = 0.1
PENDULUM_RUN = 0.1
#: A median duty factor above this (a foot down more than half its stride) is walking.
WALK_DUTY_PCT = 55.0


@dataclass(frozen=True)
class GaitKind:
    """``kind`` is "running", "walking" or "unclear"; ``pendulum`` the correlation of hip
    height with the legs' separation (negative in running); ``duty_pct`` the median duty
    factor of the steps found (None without three strides)."""

    kind: str
    pendulum: float
    duty_pct: float | None

    def evidence(self) -> str:
        """The physics behind the verdict, in words."""
        parts = []
        if np.isfinite(self.pendulum):
            where = "highest" if self.pendulum > 0 else "lowest"
            parts.append(
                f"the hips ride {where} as the legs pass each other (correlation "
                f"{self.pendulum:+.2f}: walking vaults over a stiff leg, running bounces on it)"
            )
        walking = self.kind == "walking" or (self.kind == "unclear" and self.pendulum > 0)
        if self.duty_pct is not None and (self.duty_pct > 50) == walking:
            phase = "both feet down at times" if self.duty_pct > 50 else "a flight phase"
            parts.append(f"each foot is down {self.duty_pct:.0f}% of its stride, {phase}")
        return "; ".join(parts)


def _hip_height(xy: np.ndarray) -> np.ndarray:
    """Image y of the hips' midpoint (down is larger)."""
    return (xy[:, IDX["left_hip"], 1] + xy[:, IDX["right_hip"], 1]) / 2


def _moving_mean(signal: np.ndarray, window: int) -> np.ndarray:
    padded = np.pad(signal, window // 2, mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="same")[
        window // 2 : window // 2 + len(signal)
    ]


def pendulum_phase(xy: np.ndarray, visibility: np.ndarray, fps: float) -> float:
    """Correlation of hip height (up positive) with how close the legs are (minus their
    horizontal separation), each detrended over about a second: positive in walking (hips high
    as the legs pass), negative in running. The ankles' separation, or the knees' when the
    ankles are poorly seen. NaN without enough samples."""
    ankles_seen = float(np.median(visibility[:, [IDX["left_ankle"], IDX["right_ankle"]]]))
    part = "ankle" if ankles_seen >= 0.5 else "knee"
    sep = np.abs(xy[:, IDX[f"left_{part}"], 0] - xy[:, IDX[f"right_{part}"], 0])
    height = -_hip_height(xy)
    ok = np.isfinite(sep) & np.isfinite(height)
    window = max(3, round(fps) | 1)
    if ok.sum() < 2 * window:
        return float("nan")
    runs = np.flatnonzero(ok)
    sep, height = fill_gaps(sep, max_gap=len(sep)), fill_gaps(height, max_gap=len(height))
    a, b = runs[0], runs[-1] + 1
    s = _moving_mean(sep[a:b], window) - sep[a:b]  # closeness: largest as the legs pass
    h = height[a:b] - _moving_mean(height[a:b], window)
    trim = window // 2
    s, h = s[trim:-trim], h[trim:-trim]
    if len(s) < 8 or np.std(s) == 0 or np.std(h) == 0:
        return float("nan")
    return float(np.corrcoef(h, s)[0, 1])


def gait_kind(
    xy: np.ndarray, visibility: np.ndarray, fps: float, steps: list[Step], side_view: bool = True
) -> GaitKind:
    """Walking or running from the hips' phase and the duty factor (both free of the clock).
    The hips' phase needs the legs' back-and-forth, which only a side view shows: from behind,
    the duty factor alone decides."""
    pendulum = pendulum_phase(xy, visibility, fps) if side_view else float("nan")
    duty = [100 * (s.toe_off - s.contact) / s.stride_s for s in steps if s.stride_s]
    duty_pct = float(np.median(duty)) if len(duty) >= 3 else None
    walking = (np.isfinite(pendulum) and pendulum > PENDULUM_WALK) or (
        duty_pct is not None and duty_pct > WALK_DUTY_PCT
    )
    running = np.isfinite(pendulum) and pendulum < -PENDULUM_RUN
    kind = "walking" if walking and not running else "running" if running else "unclear"
    if walking and running:  # the hips say running, the feet walking: trust neither
        kind = "unclear"
    return GaitKind(kind, pendulum, duty_pct)


@dataclass(frozen=True)
class TimeScale:
    """How many times slower than life the clip plays at its timing (1 = real time).

    ``gravity`` is the reading from the hips' bounce against g, ``rhythm`` the one from the
    cadence runners have; ``factor`` the phone's factor (1, 2, 4, 8, or 1/2 ...) nearest to their
    combination, ``confidence`` 0-1."""

    factor: float
    confidence: float
    gravity: float | None
    rhythm: float | None
    bounce_g: float | None

    @property
    def slowed(self) -> bool:
        """True when the clip clearly plays slower (or faster) than life."""
        return self.factor != 1 and self.confidence >= 0.5

    def evidence(self) -> str:
        """The readings behind the factor, in words."""
        how = []
        if self.bounce_g is not None:
            how.append(
                f"the hips rise and fall with {self.bounce_g:.2f} g of acceleration at this "
                f"timing, where a runner's bounce has about {BOUNCE_G:g} g, since in flight the "
                "body falls at g"
            )
        if self.rhythm is not None:
            how.append(
                f"the legs' rhythm is {self.rhythm:.1f} times slower than a typical runner's"
            )
        return f"{'; '.join(how)} (confidence {self.confidence:.2f})"

    def words(self) -> str:
        """e.g. 'this looks like about 4x slow motion: ...'."""
        if self.factor == 1:
            what = "this looks like real time"
        elif self.factor > 1:
            what = f"this looks like about {self.factor:g}x slow motion"
        else:
            what = f"this looks sped up about {1 / self.factor:g}x"
        return f"{what}: {self.evidence()}"


def bounce_amplitude_px(times: np.ndarray, xy: np.ndarray, step_hz: float) -> float | None:
    """Amplitude (px) of the hips' vertical bounce at the step rate: a sinusoid fitted by least
    squares over windows of four steps (so a rate a little off does not smear it), median."""
    y = fill_gaps(_hip_height(xy), max_gap=len(xy))
    ok = np.isfinite(y)
    if ok.sum() < 8 or not np.isfinite(step_hz) or step_hz <= 0:
        return None
    t, y = times[ok], y[ok]
    span = 4.0 / step_hz
    amplitudes = []
    start = t[0]
    while start + span <= t[-1] + 1e-9:
        w = (t >= start) & (t < start + span)
        if w.sum() >= 8:
            tt = t[w] - start
            basis = np.column_stack(
                [
                    np.cos(2 * np.pi * step_hz * tt),
                    np.sin(2 * np.pi * step_hz * tt),
                    np.ones_like(tt),
                    tt,
                ]
            )
            coef, *_ = np.linalg.lstsq(basis, y[w], rcond=None)
            amplitudes.append(float(np.hypot(coef[0], coef[1])))
        start += span / 2
    return float(np.median(amplitudes)) if amplitudes else None


def _nearest_factor(value: float) -> float:
    candidates = [1.0] + [float(f) for f in SLOW_MOTION_FACTORS]
    candidates += [1 / f for f in candidates[1:]]
    return min(candidates, key=lambda f: abs(np.log(value / f)))


def time_scale(
    times: np.ndarray,
    xy: np.ndarray,
    rhythm: Rhythm,
    leg_px: float,
    height_cm: float | None = None,
) -> TimeScale:
    """The clip's slow-motion factor from gravity (the hips' bounce in body sizes) and from the
    cadence runners have, with how sure the two together are."""
    none = TimeScale(1.0, 0.0, None, None, None)
    if not rhythm.clear:
        return none
    step_hz = rhythm.spm / 60.0
    by_rhythm = TYPICAL_SPM / rhythm.spm
    amplitude = bounce_amplitude_px(times, xy, step_hz)
    height_m = (height_cm or TYPICAL_HEIGHT_M * 100) / 100
    metres_per_px = LEG_TO_HEIGHT * height_m / leg_px
    by_gravity, bounce_g = None, None
    if amplitude is not None and amplitude > 0:
        bounce_g = (2 * np.pi * step_hz) ** 2 * amplitude * metres_per_px / G
        by_gravity = float(np.sqrt(BOUNCE_G / bounce_g))
    readings = [by_rhythm] + ([by_gravity] if by_gravity is not None else [])
    combined = float(np.exp(np.mean(np.log(readings))))
    factor = _nearest_factor(combined)
    # each reading's distance from the chosen factor, in octaves (a factor of 2 is 1): a
    # reading half-way to the next factor (0.5 octave) gives no confidence
    worst = max(abs(np.log2(r / factor)) for r in readings)
    confidence = float(np.clip(1 - (2 * worst) ** 2, 0, 1)) * min(1.0, rhythm.confidence / 0.5)
    if by_gravity is None:
        confidence *= 0.6  # one reading only, and it leans on what cadence runners have
    return TimeScale(factor, round(confidence, 3), by_gravity, by_rhythm, bounce_g)
