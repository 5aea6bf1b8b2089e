"""The families of gait metrics read together: one chat figure each (:mod:`tools.gait.plots`).

Kept apart from the plotting code so naming a family needs no matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """Metrics read together, drawn as one figure sized for the chat."""

    key: str
    title: str
    metrics: tuple[str, ...]


#: One figure per family, in the order the chat shows them.
FAMILIES: tuple[Family, ...] = (
    Family("rhythm", "Rhythm and timing", ("cadence", "ground_contact", "flight", "duty_factor")),
    Family("landing", "How the foot lands", ("foot_strike_angle", "overstride", "shank_angle")),
    Family(
        "joints",
        "Joint angles",
        ("knee_flexion_contact", "knee_flexion_peak", "hip_extension", "elbow_angle"),
    ),
    Family("posture", "Posture and bounce", ("trunk_lean", "vertical_oscillation")),
    Family(
        "from_behind",
        "From behind",
        ("pelvic_drop", "step_width", "knee_fppa", "arm_crossover"),
    ),
)
