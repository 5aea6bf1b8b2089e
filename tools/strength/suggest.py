"""Strength exercises for what a run showed: a small function the gait analysis, the trends and
the weekly check-in may call when a finding is something strength work addresses.

The words are careful on purpose: strength work *may help* with these; strengthening alone has
not been shown to change how someone runs (Willy & Davis 2011), and none of this diagnoses
anything. Each exercise comes from the library, with why it is suggested and a source.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.context import ToolContext
from tools.strength.library import Matcher

WILLY_2011 = "Willy RW, Davis IS. J Orthop Sports Phys Ther. 2011;41(9):625-632"
FREDERICSON_2000 = "Fredericson M, et al. Clin J Sport Med. 2000;10(3):169-175"
BRAMAH_2018 = "Bramah C, et al. Am J Sports Med. 2018;46(12):3023-3031"
DORN_2012 = "Dorn TW, Schache AG, Pandy MG. J Exp Biol. 2012;215:1944-1956"
BLAGROVE_2018 = "Blagrove RC, Howatson G, Hayes PR. Sports Med. 2018;48(5):1117-1149"
LAUERSEN_2014 = "Lauersen JB, Bertelsen DM, Andersen LB. Br J Sports Med. 2014;48(11):871-877"
CAREFUL = (
    "Strength work may help here, but on its own it has not been shown to change how you run "
    f"({WILLY_2011}); it is no diagnosis. Pain that persists needs a physiotherapist."
)


@dataclass(frozen=True)
class Suggestion:
    """A library exercise suggested for a finding: its name, dose, reason and source."""

    exercise_id: int | None
    exercise: str
    dose: str
    reason: str
    source: str


#: Each finding, in the words the gait and trend tools use, with (exercise, dose, reason,
#: source) from the library.
FINDINGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "pelvic_drop": (
        ("Side Bridge", "3 × 30 s per side", "side-plank work loads the hip abductors that "
         "keep the pelvis level", BRAMAH_2018),
        ("Monster Walk", "2 × 15 steps each way", "banded side steps train the gluteus medius "
         "(hip abductor weakness was found in runners with IT band pain)", FREDERICSON_2000),
        ("Single Leg Glute Bridge", "3 × 12 per side", "single-leg hip extension with the "
         "pelvis held level", BRAMAH_2018),
    ),
    "knee_alignment": (
        ("Monster Walk", "2 × 15 steps each way", "hip abductors and external rotators help "
         "the knee track over the foot", FREDERICSON_2000),
        ("Split Squat with Dumbbells", "3 × 8 per side", "single-leg control with the knee "
         "over the second toe", WILLY_2011),
    ),
    "low_hip_extension": (
        ("Barbell Hip Thrust", "3 × 10", "glute strength for extending the hip at toe-off",
         DORN_2012),
        ("Romanian Deadlift", "3 × 8", "hip hinge and hamstring strength for the push-off",
         DORN_2012),
        ("Single Leg Glute Bridge", "3 × 12 per side", "hip extension one leg at a time",
         DORN_2012),
    ),
    "calf_capacity": (
        ("Seated Calf Raise", "3 × 15", "bent-knee raises load the soleus, which carries the "
         "largest force of any muscle in running", DORN_2012),
        ("Standing Calf Raises", "3 × 15", "straight-knee raises for the gastrocnemius",
         DORN_2012),
    ),
    "running_economy": (
        ("Front Box Jump", "3 × 5", "explosive and plyometric work improved running economy",
         BLAGROVE_2018),
        ("Barbell Squat", "3 × 5 heavy", "heavy strength work improved running economy",
         BLAGROVE_2018),
    ),
    "injury_risk": (
        ("Barbell Squat", "2-3 × 8", "strength training reduced overuse injuries by almost "
         "half in randomised trials", LAUERSEN_2014),
        ("Plank", "3 × 40 s", "trunk strength, part of most programmes in those trials",
         LAUERSEN_2014),
    ),
}  # fmt: skip
#: Other names of each finding.
ALIASES = {
    "contralateral_pelvic_drop": "pelvic_drop",
    "hip_drop": "pelvic_drop",
    "knee_valgus": "knee_alignment",
    "knee_frontal_plane_projection": "knee_alignment",
    "hip_extension": "low_hip_extension",
    "toe_off_hip_extension": "low_hip_extension",
    "calves": "calf_capacity",
    "soleus": "calf_capacity",
    "economy": "running_economy",
    "load_spike": "injury_risk",
}


def suggest_exercises(ctx: ToolContext, finding: str, limit: int = 3) -> list[Suggestion]:
    """Library exercises for a running ``finding`` ("pelvic_drop", "low_hip_extension",
    "knee_alignment", "calf_capacity", "running_economy", "injury_risk"), each with its dose,
    reason and source; empty for a finding strength work does not address. Say
    :data:`CAREFUL` beside them."""
    key = finding.strip().lower().replace(" ", "_").replace("-", "_")
    key = ALIASES.get(key, key)
    rows = FINDINGS.get(key, ())
    if not rows:
        return []
    matcher = Matcher.for_context(ctx)
    out = []
    for name, dose, reason, source in rows[:limit]:
        exercise_id = matcher.by_name.get(name.lower())
        out.append(
            Suggestion(
                exercise_id=exercise_id.exercise_id if exercise_id else None,
                exercise=name,
                dose=dose,
                reason=reason,
                source=source,
            )
        )
    return out


#: The gait analysis's metrics that strength work addresses, and the finding each one is.
GAIT_FINDINGS = {"pelvic_drop": "pelvic_drop", "knee_fppa": "knee_alignment"}


def for_gait_advice(ctx: ToolContext, advice: list[dict[str, str]]) -> list[dict[str, str]]:
    """Library exercises for the gait analysis's "what to work on" items that strength work
    addresses (pelvic drop, the knee moving inward), each with what it is for."""
    out = []
    for tip in advice:
        finding = GAIT_FINDINGS.get(tip.get("metric", ""))
        for s in suggest_exercises(ctx, finding) if finding else []:
            out.append(
                {
                    "for": tip.get("label", finding),
                    "exercise": s.exercise,
                    "dose": s.dose,
                    "reason": s.reason,
                    "source": s.source,
                }
            )
    return out
