"""Questions Coach G's notes do not answer, and who to ask instead: what to eat or drink, and
medicines. The agent's safety rules (``agent/safety.py``) decline medication and diagnosis
questions before any tool runs, using :data:`MEDICATION_WORDS` from here; the knowledge search
answers a nutrition question with :data:`NUTRITION` (and a medication one that reaches it directly
with :data:`MEDICATION`) instead of stretching a running note to fit."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Outside:
    """A kind of question outside what Coach G can help with, and the honest answer to it."""

    topic: str
    pattern: re.Pattern[str]
    answer: str

    def matches(self, question: str) -> bool:
        return bool(self.pattern.search(question))


#: Medicines, doses and supplements taken as treatment (the safety rules use these words too).
MEDICATION_WORDS = (
    r"\b(prescribe|prescription|medication|medicine|painkillers?|ibuprofen|paracetamol"
    r"|acetaminophen|naproxen|aspirin|dosage|pills|tablets|meds|inhaler|steroids?|doses?"
    r"|melatonin|sleeping pills?|antibiotics?)\b"
)
NUTRITION_WORDS = (
    r"\b(eat|eating|ate|food|foods|meals?|breakfast|lunch|dinner|snacks?|diet|dieting|nutrition"
    r"|protein|carbs?|carbohydrates?|carb[- ]?load\w*|gels?|fuel|fuell?ing|calories|kcal"
    r"|hydrat\w*|dehydrat\w*|drink|drinks|drinking|electrolytes?|sodium|salt tablets|caffeine"
    r"|coffee|energy drinks?|sports drinks?|supplements?|vitamins?|iron tablets|creatine"
    r"|beetroot|nitrates?|fasted|fasting|keto|vegan|vegetarian|lose weight|losing weight"
    r"|weight loss)\b"
    r"|\b(?<!cold )(?<!cold-)water\b(?! immersion)"
)

NUTRITION = Outside(
    "nutrition",
    re.compile(NUTRITION_WORDS, re.I),
    "What to eat or drink (meals, race fuelling, gels, fluids, caffeine, supplements or weight) "
    "is outside what I can help with: my notes cover running technique, training and injuries, "
    "not nutrition. A registered sports dietitian is the right person to ask, and your doctor "
    "if you have a medical condition.",
)
MEDICATION = Outside(
    "medication",
    re.compile(MEDICATION_WORDS, re.I),
    "Medicines and their doses are outside what I can help with: please ask your doctor or a "
    "pharmacist, who know your health and what else you take.",
)
#: Checked in this order; the first that matches answers.
OUTSIDE = (MEDICATION, NUTRITION)


def outside(question: str) -> Outside | None:
    """The kind of question ``question`` is, when Coach G's notes are not the place to answer it."""
    return next((kind for kind in OUTSIDE if kind.matches(question)), None)
