"""Per-step gait metrics from kinematics and events, for side and rear views.

Each metric is a series of values, one per step or stride, with its time and foot, so that it can
be summarised, split by side (asymmetry) and by clip thirds (fatigue), and plotted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tools.gait.frame_rate import RUNNING_SPM
from tools.gait.kinematics import (
    Kinematics,
    angle_from_down,
    angle_from_up,
    foot_angle,
    inner_angle,
)
from tools.gait.steps import Cadence, Step
from tools.gait.view import ViewInfo

#: Hip-to-ankle length (thigh + shank) as a share of standing height: Winter's segment table.
LEG_TO_HEIGHT = 0.491


@dataclass(frozen=True)
class MetricSpec:
    """What a metric is: label, unit, the view it needs, the landmarks it reads, and how much
    stride-to-stride spread is normal (``tolerance``, in its unit). ``timing`` metrics depend on
    the frame rate. ``plausible`` is the range a running human's value can have at all: a median
    outside it is a measuring failure (wrong frame rate, lost steps, wrong view), never a
    finding. ``min_n`` is how many steps (or strides) it needs before it is reported."""

    name: str
    label: str
    unit: str
    view: str
    landmarks: tuple[str, ...]
    tolerance: float
    timing: bool = False
    per: str = "step"
    plausible: tuple[float, float] | None = None
    min_n: int = 4


_LEG = ("hip", "knee", "ankle", "heel", "foot_index")
_FOOT = ("heel", "foot_index")

SPECS: dict[str, MetricSpec] = {
    s.name: s
    for s in (
        MetricSpec(
            "cadence",
            "Cadence",
            "steps/min",
            "any",
            _FOOT,
            8.0,
            per="stride",
            plausible=RUNNING_SPM,
            min_n=2,
        ),
        MetricSpec(
            "ground_contact",
            "Ground contact time",
            "ms",
            "side",
            _FOOT,
            40.0,
            timing=True,
            plausible=(80.0, 450.0),
        ),
        MetricSpec(
            "flight",
            "Flight time",
            "ms",
            "side",
            _FOOT,
            40.0,
            timing=True,
            plausible=(0.0, 300.0),
        ),
        MetricSpec(
            "duty_factor",
            "Duty factor",
            "%",
            "side",
            _FOOT,
            6.0,
            timing=True,
            per="stride",
            plausible=(15.0, 55.0),
            min_n=3,
        ),
        MetricSpec("foot_strike_angle", "Foot strike angle", "deg", "side", _FOOT, 8.0),
        MetricSpec(
            "overstride",
            "Overstride (heel ahead of hip)",
            "% leg length",
            "side",
            ("hip", "heel"),
            8.0,
            plausible=(-30.0, 60.0),
        ),
        MetricSpec("shank_angle", "Shank angle at contact", "deg", "side", ("knee", "ankle"), 5.0),
        MetricSpec(
            "vertical_oscillation",
            "Vertical oscillation",
            "cm",
            "side",
            ("hip",),
            2.0,
            plausible=(2.0, 20.0),
        ),
        MetricSpec(
            "trunk_lean",
            "Trunk lean",
            "deg",
            "side",
            ("shoulder", "hip"),
            4.0,
            per="stride",
            plausible=(-15.0, 40.0),
            min_n=2,
        ),
        MetricSpec(
            "knee_flexion_contact",
            "Knee flexion at contact",
            "deg",
            "side",
            ("hip", "knee", "ankle"),
            6.0,
            plausible=(-5.0, 60.0),
        ),
        MetricSpec(
            "knee_flexion_peak",
            "Peak knee flexion in stance",
            "deg",
            "side",
            ("hip", "knee", "ankle"),
            6.0,
            plausible=(10.0, 90.0),
        ),
        MetricSpec(
            "hip_extension",
            "Hip extension at toe-off",
            "deg",
            "side",
            ("shoulder", "hip", "knee"),
            6.0,
        ),
        MetricSpec(
            "elbow_angle",
            "Elbow angle",
            "deg",
            "side",
            ("shoulder", "elbow", "wrist"),
            10.0,
            per="stride",
            plausible=(30.0, 180.0),
            min_n=2,
        ),
        MetricSpec(
            "pelvic_drop",
            "Contralateral pelvic drop",
            "deg",
            "rear",
            ("hip",),
            3.0,
            plausible=(-5.0, 20.0),
        ),
        MetricSpec(
            "step_width", "Step width", "% pelvis width", "rear", ("hip", "ankle", "heel"), 25.0
        ),
        MetricSpec(
            "knee_fppa",
            "Knee frontal plane projection angle",
            "deg",
            "rear",
            ("hip", "knee", "ankle"),
            6.0,
        ),
        MetricSpec(
            "arm_crossover",
            "Arm crossover",
            "% shoulder width",
            "rear",
            ("shoulder", "wrist"),
            20.0,
            per="stride",
            plausible=(-100.0, 100.0),
            min_n=2,
        ),
    )
}


@dataclass
class MetricSeries:
    """Values of one metric, one per step or stride, with time (s) and foot."""

    name: str
    values: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)

    def add(self, value: float | None, t: float, side: str) -> None:
        """Append a value if it is a finite number."""
        if value is not None and np.isfinite(value):
            self.values.append(float(value))
            self.times.append(float(t))
            self.sides.append(side)


def _lm(side: str, part: str) -> str:
    return f"{side}_{part}"


def side_view_series(
    kin: Kinematics,
    steps: list[Step],
    cad: Cadence,
    view: ViewInfo,
    leg_px: float,
    height_cm: float | None,
) -> dict[str, MetricSeries]:
    """All side-view metrics per step or stride, from the steps filmed side-on."""
    out = {name: MetricSeries(name) for name, s in SPECS.items() if s.view in ("side", "any")}
    for value, t in zip(cad.per_stride, cad.times, strict=True):
        out["cadence"].add(value, t, "")
    hip_track = kin.mid_track("left_hip", "right_hip")
    px_to_unit = 100.0 / leg_px  # % of leg length
    if height_cm:
        out["vertical_oscillation"] = MetricSeries("vertical_oscillation")
        px_to_unit = height_cm * LEG_TO_HEIGHT / leg_px  # cm
    for st in steps:
        s, c, o = st.side, st.contact, st.toe_off
        if not view.fits(c):
            continue
        f = view.forward_sign_at(c)
        out["ground_contact"].add(st.contact_ms, c, s)
        out["flight"].add(st.flight_ms, o, s)
        if st.stride_s:
            out["duty_factor"].add(100 * (o - c) / st.stride_s, c, s)
        heel, toe = kin.at(c, _lm(s, "heel")), kin.at(c, _lm(s, "foot_index"))
        stance = kin.span(c, o)
        if len(stance):
            mid = stance[len(stance) // 2]
            flat = foot_angle(kin.xy[mid, _idx(s, "heel")], kin.xy[mid, _idx(s, "foot_index")], f)
            out["foot_strike_angle"].add(float(foot_angle(heel, toe, f) - flat), c, s)
        hip = kin.mid(c, "left_hip", "right_hip")
        out["overstride"].add(f * (heel[0] - hip[0]) / leg_px * 100, c, s)
        knee, ankle = kin.at(c, _lm(s, "knee")), kin.at(c, _lm(s, "ankle"))
        out["shank_angle"].add(float(angle_from_down(ankle - knee, f)), c, s)
        own_hip = kin.at(c, _lm(s, "hip"))
        out["knee_flexion_contact"].add(180 - float(inner_angle(own_hip, knee, ankle)), c, s)
        if len(stance):
            flex = 180 - inner_angle(
                kin.xy[stance, _idx(s, "hip")],
                kin.xy[stance, _idx(s, "knee")],
                kin.xy[stance, _idx(s, "ankle")],
            )
            out["knee_flexion_peak"].add(
                float(np.nanmax(flex)) if np.isfinite(flex).any() else None, c, s
            )
        shoulder = kin.mid(o, "left_shoulder", "right_shoulder")
        hip_o, knee_o = kin.at(o, _lm(s, "hip")), kin.at(o, _lm(s, "knee"))
        trunk_down = kin.mid(o, "left_hip", "right_hip") - shoulder
        out["hip_extension"].add(
            float(angle_from_down(trunk_down, f) - angle_from_down(knee_o - hip_o, f)), o, s
        )
        if st.next_contact is not None:
            idx = kin.span(c, st.next_contact)
            if len(idx) >= 3:
                y = hip_track[idx, 1]
                out["vertical_oscillation"].add(
                    float(np.nanmax(y) - np.nanmin(y)) * px_to_unit, c, s
                )
        if st.next_same is not None:
            idx = kin.span(c, st.next_same)
            if len(idx) >= 3:
                sh = kin.mid_track("left_shoulder", "right_shoulder")[idx]
                lean = angle_from_up(sh - hip_track[idx], f)
                out["trunk_lean"].add(float(np.nanmean(lean)), c, s)
                arm = view.near_side or s
                elbow = inner_angle(
                    kin.xy[idx, _idx(arm, "shoulder")],
                    kin.xy[idx, _idx(arm, "elbow")],
                    kin.xy[idx, _idx(arm, "wrist")],
                )
                out["elbow_angle"].add(float(np.nanmean(elbow)), c, s)
    if not height_cm:
        out["vertical_oscillation"].name = "vertical_oscillation"
    return out


def rear_view_series(
    kin: Kinematics, steps: list[Step], cad: Cadence, view: ViewInfo
) -> dict[str, MetricSeries]:
    """Frontal-plane metrics per step: pelvic drop, step width, knee FPPA, arm crossover."""
    out = {name: MetricSeries(name) for name, s in SPECS.items() if s.view in ("rear", "any")}
    for value, t in zip(cad.per_stride, cad.times, strict=True):
        out["cadence"].add(value, t, "")
    r = view.right_sign  # lateral coordinate: runner's right positive
    lh, rh = kin.track("left_hip"), kin.track("right_hip")
    pelvis_w = float(np.nanmedian(np.abs(rh[:, 0] - lh[:, 0])))
    sh_w = float(
        np.nanmedian(np.abs(kin.track("right_shoulder")[:, 0] - kin.track("left_shoulder")[:, 0]))
    )
    # obliquity: how much lower the left hip is than the right (deg), camera roll removed
    obliq = np.degrees(np.arctan2(lh[:, 1] - rh[:, 1], np.abs(rh[:, 0] - lh[:, 0])))
    obliq = obliq - np.nanmedian(obliq)
    mid_sh = kin.mid_track("left_shoulder", "right_shoulder")
    for st in steps:
        s, c, o = st.side, st.contact, st.toe_off
        if not view.fits(c):
            continue
        stance = kin.span(c, o)
        if len(stance):
            drop = (
                -obliq[stance] if s == "left" else obliq[stance]
            )  # swing-side hip lower: positive
            out["pelvic_drop"].add(float(np.nanmax(drop)), c, s)
            hip, knee, ankle = (kin.xy[stance, _idx(s, p)] for p in ("hip", "knee", "ankle"))
            side_sign = r if s == "right" else -r
            line = (
                hip
                + (ankle - hip)
                * (((knee - hip) * (ankle - hip)).sum(-1) / ((ankle - hip) ** 2).sum(-1))[:, None]
            )
            medial = -side_sign * (knee[:, 0] - line[:, 0])  # knee towards the midline: positive
            fppa = (180 - inner_angle(hip, knee, ankle)) * np.sign(medial)
            out["knee_fppa"].add(
                float(fppa[np.nanargmax(np.abs(fppa))]) if np.isfinite(fppa).any() else None, c, s
            )
        foot = (kin.at(c, _lm(s, "heel")) + kin.at(c, _lm(s, "ankle"))) / 2
        midline = kin.mid(c, "left_hip", "right_hip")[0]
        side_sign = r if s == "right" else -r
        out["step_width"].add(side_sign * (foot[0] - midline) * 2 / pelvis_w * 100, c, s)
        if st.next_same is not None:
            idx = kin.span(c, st.next_same)
            if len(idx):
                cross = []
                for arm, sign in (("left", -r), ("right", r)):
                    w = kin.xy[idx, _idx(arm, "wrist"), 0]
                    cross.append(np.nanmax(-sign * (w - mid_sh[idx, 0])))
                out["arm_crossover"].add(float(max(cross)) / sh_w * 100, c, s)
    return out


def _idx(side: str, part: str) -> int:
    from models.pose import LANDMARK_INDEX

    return LANDMARK_INDEX[f"{side}_{part}"]
