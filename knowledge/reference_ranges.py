"""Literature reference values for running gait metrics, with their sources.

These are orientation values for recreational runners at easy to moderate speeds, shown beside a
runner's own numbers. They are not diagnostic cut-offs: most metrics change with speed, height and
footwear, and the studies measured them in 3D or on force plates, not from phone video.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A published paper or book."""

    authors: str
    year: int
    title: str
    journal: str

    def cite(self) -> str:
        """Short citation, e.g. ``Heiderscheit et al. 2011, Med Sci Sports Exerc``."""
        return f"{self.authors} ({self.year}). {self.title}. {self.journal}."


@dataclass(frozen=True)
class ReferenceRange:
    """A typical range (``low``-``high``, in ``unit``) for one metric, and why."""

    metric: str
    low: float | None
    high: float | None
    unit: str
    note: str
    sources: tuple[Source, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form with citations as text."""
        return {
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "note": self.note,
            "sources": [s.cite() for s in self.sources],
        }


HEIDERSCHEIT_2011 = Source(
    "Heiderscheit BC, Chumanov ES, Michalski MP, Wille CM, Ryan MB",
    2011,
    "Effects of step rate manipulation on joint mechanics during running",
    "Medicine & Science in Sports & Exercise 43(2):296-302",
)
MOORE_2016 = Source(
    "Moore IS",
    2016,
    "Is there an economical running technique? A review of modifiable biomechanical factors "
    "affecting running economy",
    "Sports Medicine 46(6):793-807",
)
FOLLAND_2017 = Source(
    "Folland JP, Allen SJ, Black MI, Handsaker JC, Forrester SE",
    2017,
    "Running technique is an important component of running economy and performance",
    "Medicine & Science in Sports & Exercise 49(7):1412-1423",
)
SOUZA_2016 = Source(
    "Souza RB",
    2016,
    "An evidence-based videotaped running biomechanics analysis",
    "Physical Medicine and Rehabilitation Clinics of North America 27(1):217-236",
)
NOVACHECK_1998 = Source(
    "Novacheck TF", 1998, "The biomechanics of running", "Gait & Posture 7(1):77-95"
)
ALTMAN_DAVIS_2012 = Source(
    "Altman AR, Davis IS",
    2012,
    "A kinematic method for footstrike pattern detection in barefoot and shod runners",
    "Gait & Posture 35(2):298-300",
)
BRAMAH_2018 = Source(
    "Bramah C, Preece SJ, Gill N, Herrington L",
    2018,
    "Is there a pathological gait associated with common soft tissue running injuries?",
    "American Journal of Sports Medicine 46(12):3023-3031",
)
LUSSIANA_2019 = Source(
    "Lussiana T, Patoz A, Gindre C, Mourot L, Hébert-Losier K",
    2019,
    "The implications of time on the ground on running economy: less is not always better",
    "Journal of Experimental Biology 222(6):jeb192047",
)
TENG_POWERS_2014 = Source(
    "Teng HL, Powers CM",
    2014,
    "Sagittal plane trunk posture influences patellofemoral joint stress during running",
    "Journal of Orthopaedic & Sports Physical Therapy 44(10):785-792",
)
WINTER_2009 = Source(
    "Winter DA",
    2009,
    "Biomechanics and Motor Control of Human Movement (4th ed.)",
    "John Wiley & Sons",
)

RANGES: dict[str, ReferenceRange] = {
    r.metric: r
    for r in (
        ReferenceRange(
            "cadence",
            160,
            185,
            "steps/min",
            "Typical of recreational runners at easy pace. In 45 runners on a treadmill, a 5 % "
            "higher step rate meant less energy absorbed at the knee, and 10 % at the hip too "
            "(Heiderscheit 2011, one session, not injuries); there is no single ideal value.",
            (HEIDERSCHEIT_2011, MOORE_2016),
        ),
        ReferenceRange(
            "ground_contact",
            200,
            300,
            "ms",
            "Contact time falls with speed; at easy pace most recreational runners "
            "are in this band.",
            (MOORE_2016, LUSSIANA_2019),
        ),
        ReferenceRange(
            "duty_factor",
            25,
            45,
            "%",
            "Share of the stride each foot is on the ground; running has no double support (<50%).",
            (LUSSIANA_2019,),
        ),
        ReferenceRange("flight", 60, 160, "ms", "Rises with speed.", (NOVACHECK_1998,)),
        ReferenceRange(
            "foot_strike_angle",
            None,
            None,
            "deg",
            "Foot angle at contact relative to mid-stance: above 8 deg rearfoot, -1.6 to 8 deg "
            "midfoot, below -1.6 deg forefoot strike. No pattern is better in itself.",
            (ALTMAN_DAVIS_2012,),
        ),
        ReferenceRange(
            "overstride",
            None,
            15,
            "% leg length",
            "The foot landing far ahead of the hip (with an extended knee and a forward-tilted "
            "shank) goes with higher braking and joint loads; a higher step rate reduces it.",
            (HEIDERSCHEIT_2011, SOUZA_2016),
        ),
        ReferenceRange(
            "shank_angle",
            -5,
            10,
            "deg",
            "Shank near vertical at contact; a large positive angle (ankle ahead of knee) is a "
            "sign of overstriding.",
            (SOUZA_2016,),
        ),
        ReferenceRange(
            "knee_flexion_contact",
            10,
            25,
            "deg",
            "Some knee bend at contact; a nearly straight knee at contact is associated with "
            "injury in runners.",
            (NOVACHECK_1998, BRAMAH_2018),
        ),
        ReferenceRange(
            "knee_flexion_peak",
            35,
            50,
            "deg",
            "Peak knee flexion during stance at moderate speed.",
            (NOVACHECK_1998,),
        ),
        ReferenceRange(
            "hip_extension",
            5,
            20,
            "deg",
            "Thigh behind the trunk line at toe-off.",
            (NOVACHECK_1998, SOUZA_2016),
        ),
        ReferenceRange(
            "trunk_lean",
            2,
            12,
            "deg",
            "A slight forward lean; more trunk flexion shifts load from the knee to the hip.",
            (TENG_POWERS_2014, FOLLAND_2017),
        ),
        ReferenceRange(
            "vertical_oscillation",
            5,
            10,
            "cm",
            "Vertical excursion of the pelvis per step; lower values go with better running "
            "economy.",
            (MOORE_2016, FOLLAND_2017),
        ),
        ReferenceRange(
            "elbow_angle",
            70,
            110,
            "deg",
            "A relaxed arm carriage around a right angle.",
            (SOUZA_2016,),
        ),
        ReferenceRange(
            "pelvic_drop",
            None,
            6,
            "deg",
            "Greater contralateral pelvic drop in stance is associated with common "
            "running injuries.",
            (BRAMAH_2018, SOUZA_2016),
        ),
        ReferenceRange(
            "step_width",
            0,
            None,
            "% pelvis width",
            "A foot landing across the body midline (negative width, crossover) is worth watching.",
            (SOUZA_2016,),
        ),
        ReferenceRange(
            "knee_fppa",
            None,
            10,
            "deg",
            "A large knee-inward (valgus) projection angle in stance is worth watching.",
            (SOUZA_2016,),
        ),
        ReferenceRange(
            "arm_crossover",
            None,
            0,
            "% shoulder width",
            "Hands crossing the body midline.",
            (SOUZA_2016,),
        ),
    )
}


def reference_for(metric: str) -> ReferenceRange | None:
    """The reference range for a metric name, or None."""
    return RANGES.get(metric)
