"""What to work on: one careful sentence for each reliable value outside its typical range (or a
clear left/right difference), with the note it rests on.

Each sentence says what the value may mean and what runners commonly do about it, never a
diagnosis; it cites a section of the biomechanics notes (``knowledge/notes``) by file and title,
with that section's source. A sentence whose note section is missing is left out rather than
given without a source.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache

from knowledge.notes import Passage, load_passages
from tools.gait.report import MetricSummary

#: A left/right difference in ground contact time worth a sentence (percent of the mean).
CONTACT_ASYMMETRY_PCT = 8.0


@dataclass(frozen=True)
class Tip:
    """What a value may mean and what runners commonly do, for ``when`` ("low", "high" or
    "asymmetric"), and the note section it rests on."""

    metric: str
    when: str
    text: str
    note: str  # file stem in knowledge/notes
    section: str  # the section's title


TIPS: tuple[Tip, ...] = (
    Tip(
        "cadence",
        "low",
        "A step rate below the typical range often goes with longer steps that land further "
        "ahead of the body; runners who want to change it commonly raise it gradually, about "
        "5% at a time at the same speed, rather than aiming for a fixed number.",
        "cadence",
        "Changing cadence gradually",
    ),
    Tip(
        "cadence",
        "high",
        "A step rate above the typical range is common at faster speeds and in shorter runners; "
        "there is no single ideal cadence, so it is worth comparing with your own runs at the "
        "same speed before changing anything.",
        "cadence",
        "There is no single ideal cadence",
    ),
    Tip(
        "overstride",
        "high",
        "The heel lands well ahead of the hips, which can mean overstriding; a common approach "
        "is a slightly higher step rate (about 5%) so the foot lands closer under the body, "
        "checked on a new video.",
        "overstriding",
        "Landing far ahead of the body links to braking and knee load",
    ),
    Tip(
        "shank_angle",
        "high",
        "The shin is tilted forward of vertical at landing, one of the signs of overstriding "
        "that video shows; a slightly higher step rate is the usual first thing runners try.",
        "overstriding",
        "Landing far ahead of the body links to braking and knee load",
    ),
    Tip(
        "knee_flexion_peak",
        "low",
        "The knee bends less in stance than typical (a stiffer landing); on 2D video this also "
        "reads low when the camera is not square to the runner, so re-film side-on before "
        "acting on it, and change technique only a little at a time.",
        "economy",
        "Self-optimisation",
    ),
    Tip(
        "trunk_lean",
        "high",
        "The trunk leans forward more than typical on this clip; video can only screen for "
        "this (there is no agreed cut-off for too much lean, and the camera must be level and "
        "square to you), so treat it as something to watch rather than a fault to fix.",
        "trunk_lean",
        "Posture seen on video",
    ),
    Tip(
        "vertical_oscillation",
        "high",
        "The hips bounce more than typical; more vertical motion has been linked with a higher "
        "energy cost, and runners commonly work on it with a slightly quicker, lighter step, "
        "changing little at a time.",
        "vertical_oscillation",
        "Less bounce goes with better economy",
    ),
    Tip(
        "ground_contact",
        "high",
        "Each foot stays on the ground longer than typical; contact time shortens with speed, "
        "so compare it at your usual pace before reading much into it, and change technique "
        "only gradually.",
        "contact_time",
        "How long the foot should stay on the ground: judge it at the same speed",
    ),
    Tip(
        "ground_contact",
        "asymmetric",
        "One foot stays on the ground clearly longer than the other; a difference like this is "
        "worth watching on later videos, and worth showing a physiotherapist if one side hurts.",
        "hip_and_pelvis",
        "What a video can show",
    ),
    Tip(
        "pelvic_drop",
        "high",
        "The pelvis drops on the swing side more than typical; greater drop has been found more "
        "often in injured runners, and runners commonly add hip-strength work and check it "
        "again on a new video.",
        "hip_and_pelvis",
        "Contralateral pelvic drop",
    ),
    Tip(
        "knee_fppa",
        "high",
        "The knee moves inward in stance more than typical; from video this is a screening "
        "sign, not a diagnosis, and runners commonly work on hip and knee control and re-film.",
        "knee_alignment",
        "Knee inward movement on video",
    ),
    Tip(
        "arm_crossover",
        "high",
        "The hands cross the body's midline; this is a screening sign from video, and runners "
        "who want to change it commonly cue a forward-and-back arm swing.",
        "arm_swing",
        "Arm crossover on video",
    ),
)


@cache
def _sections() -> dict[tuple[str, str], Passage]:
    return {(p.id.rsplit("-", 1)[0], p.title): p for p in load_passages()}


def note_section(note: str, section: str) -> Passage | None:
    """The notes' section ``section`` of file ``note`` (stem), or None when it does not exist."""
    return _sections().get((note, section))


def _where(metric: MetricSummary) -> str | None:
    ref = metric.reference or {}
    low, high = ref.get("low"), ref.get("high")
    if metric.value is None:
        return None
    if low is not None and metric.value < low:
        return "low"
    if high is not None and metric.value > high:
        return "high"
    return None


def advice(metrics: dict[str, MetricSummary]) -> list[dict[str, str]]:
    """Sentences for the reliable values that are out of range or clearly asymmetric, each with
    ``metric``, ``text``, ``note``, ``section`` and ``source``."""
    out = []
    for tip in TIPS:
        m = metrics.get(tip.metric)
        if m is None or not m.reliable or m.value is None:
            continue
        if tip.when == "asymmetric":
            hit = m.asymmetry_pct is not None and abs(m.asymmetry_pct) >= CONTACT_ASYMMETRY_PCT
        else:
            hit = _where(m) == tip.when
        passage = note_section(tip.note, tip.section)
        if hit and passage is not None:
            out.append(asdict(tip) | {"label": m.label, "source": passage.source})
    return out
