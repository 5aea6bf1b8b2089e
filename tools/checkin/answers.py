"""Reading a runner's free answers to the weekly check-in, without a language model.

"slept badly, legs are fine, work was mad" answers three questions at once: the message is cut
into clauses, each clause is given to the item its words name (sleep, soreness, stress, mood,
session effort, pain, next week), and a clause that names none answers the question just asked.
Each wellness item gets a score from 1 (very good) to 7 (very bad), as in Hooper's index, from a
number ("5", "5/7"; "8/10" reads as a quality for sleep and mood, as a load for soreness and
stress) or from words ("badly" 5, "terrible" 6, "fine" 2), with the runner's own words kept.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

#: The questions, in order, and how each is asked.
ITEMS = ("sleep", "soreness", "stress", "mood", "effort", "pain", "constraints")
SCORED = ("sleep", "soreness", "stress", "mood")
QUESTIONS = {
    "sleep": "How did you sleep this week? A word is fine, or 1 (very well) to 7 (very badly).",
    "soreness": "How do your legs and body feel: fresh, or sore? 1 (fresh) to 7 (very sore).",
    "stress": "How was the rest of life, work and home? 1 (calm) to 7 (very stressful).",
    "mood": "And your mood and motivation? 1 (great) to 7 (very low).",
    "effort": (
        "How hard did your key sessions feel, from 1 (very easy) to 10 (all out)? Name the "
        "session if you like."
    ),
    "pain": 'Any pain, and where? Does it change how you run? ("none" is a fine answer)',
    "constraints": "Anything that limits next week: travel, work, a race, fewer days?",
}
SCALE_WORDS = {1: "very good", 2: "good", 3: "fairly good", 4: "so-so", 5: "poor", 6: "bad",
               7: "very bad"}  # fmt: skip


def scored(answers: dict[str, dict]) -> dict[str, dict]:
    """The scored items of stored answers that have a score, each as its score, its word on the
    scale ("bad") and the athlete's own words."""
    return {
        item: {
            "score": a["score"],
            "word": SCALE_WORDS.get(round(a["score"]), ""),
            "words": a.get("words", ""),
        }
        for item, a in answers.items()
        if item in SCORED and a.get("score") is not None
    }


SKIP = re.compile(r"^\s*(skip|pass|next|rather not say|prefer not to say|no comment|dunno|"
                  r"don'?t know|not sure|n/?a)\b", re.I)  # fmt: skip
NOTHING = re.compile(r"^\s*(none|no|nope|nothing|nah|all good|no pain|not really|nothing much|"
                     r"none at all|zero)\b", re.I)  # fmt: skip

_KEYWORDS = {
    "sleep": r"\b(sle[ep]p\w*|slept|insomnia|nights?|bed|rest(ed)?|tired at night|kip)\b",
    "soreness": r"\b(legs?|sore\w*|doms|stiff\w*|heavy|tight\w*|calf|calves|quads?|hamstrings?"
    r"|muscles?|body|achy|aching|fresh)\b",
    "stress": r"\b(work|stress\w*|busy|hectic|job|family|kids|deadlines?|life|office|exams?)\b",
    "mood": r"\b(mood|motivat\w*|happy|down|low|flat|grumpy|cheerful|spirits|mentally|morale"
    r"|excited|fed up)\b",
    "effort": r"\b(rpe|sessions?|intervals?|tempo|long run|workout|reps|threshold|race|"
    r"felt (?:easy|hard|tough|ok)|effort)\b",
    "pain": r"\b(pain\w*|hurts?|hurting|ache[sd]?|injur\w*|niggles?|twinge|sharp|throbbing)\b",
    "constraints": r"\b(next week|travel\w*|trip|holiday|vacation|away|only \w+ days?|wedding"
    r"|conference|no time)\b",
}
# Words to scores (1 very good ... 7 very bad); checked longest first, negations before.
_WORDS = (
    (r"\b(not (?:too |that )?bad|alright|not great but ok)\b", 3),
    (r"\b(not (?:great|good|well|amazing)|could be better)\b", 5),
    (r"\b(not (?:sore|stiff|tired|stressed|busy)|no (?:soreness|stress|pain))\b", 2),
    (r"\b(worst|no sleep|couldn'?t sleep|did(?:n'?t| not) sleep|unbearable|awful awful)\b", 7),
    (
        r"\b(very bad|really bad|terribl\w*|awful|horrib\w*|mad|crazy|insane|manic|hectic|exhausted"
        r"|wrecked|shattered|knackered|destroyed|really sore|very sore|miserable|dreadful"
        r"|rubbish)\b",
        6,
    ),
    (
        r"\b(bad\w*|poor\w*|tired|sore|heavy|stressful|stressed|busy|low|flat|tight|stiff|rough"
        r"|restless|broken|meh and tired|grumpy|down|achy|fed up|unmotivated)\b",
        5,
    ),
    (r"\b(ok|okay|average|meh|so-so|so so|normal|fair|mixed|up and down)\b", 4),
    (
        r"\b(pretty good|quite good|decent|fine|solid|relaxed|calm|fresh|happy|motivated|good|well"
        r"|rested)\b",
        2,
    ),
    (
        r"\b(great|amazing|excellent|brilliant|perfect|fantastic|superb|like a (?:baby|log)"
        r"|really good|very good|very well|on fire|buzzing)\b",
        1,
    ),
)
_INTENSIFIER = re.compile(r"\b(very|really|so|super|extremely)\b")
_EFFORT_WORDS = (
    (r"\b(all out|max(?:imal)?|everything)\b", 10),
    (r"\b(very hard|brutal|killer|really hard|savage)\b", 9),
    (r"\b(hard|tough|tiring)\b", 7),
    (r"\b(moderate|steady|comfortably hard|ok|fine)\b", 5),
    (r"\b(easy|comfortable|light|cruisy)\b", 3),
)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?:\s*(?:/|out of|of)\s*(7|10))?(?![\d.:])")
_CLAUSES = re.compile(r"[,;.!?\n]+|\bbut\b|\band\b|\bwhile\b|\balthough\b")


@dataclass
class Answer:
    """One item's answer: its score (None when the words gave none) and the runner's words."""

    score: float | None
    words: str
    skipped: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(text) if c and c.strip()]


def items_named(clause: str) -> list[str]:
    """The items a clause's words name."""
    lowered = clause.lower()
    found = [item for item, pattern in _KEYWORDS.items() if re.search(pattern, lowered)]
    if "pain" in found and re.search(r"\bno (?:pain|niggles?)\b", lowered):
        found = ["pain"]
    return found


def read(item: str, text: str) -> Answer | None:
    """``text`` as an answer to ``item``; None when it says nothing usable."""
    words = " ".join(text.split())[:500]
    if SKIP.match(words):
        return Answer(None, words, skipped=True)
    lowered = words.lower()
    if item in ("pain", "constraints"):
        if NOTHING.match(lowered) or re.search(r"\bno (?:pain|niggles?)\b", lowered):
            return Answer(0.0 if item == "pain" else None, "none")
        return Answer(1.0 if item == "pain" else None, words) if words else None
    if item == "effort":
        return Answer(_effort(lowered), words)
    return Answer(_score(item, lowered), words)


def _score(item: str, lowered: str) -> float | None:
    number = _NUMBER.search(lowered)
    if number:
        value, out_of = int(number[1]), number[2]
        if out_of == "10" or (out_of is None and 7 < value <= 10):
            if not 0 <= value <= 10:
                return None
            # Out of 10, sleep and mood are a quality (10 best); soreness and stress a load.
            fraction = value / 10 if item in ("soreness", "stress") else 1 - value / 10
            return float(round(1 + 6 * fraction))
        if 1 <= value <= 7:
            return float(value)
        return None
    for pattern, score in _WORDS:
        if re.search(pattern, lowered):
            if _INTENSIFIER.search(lowered) and score in (2, 5):  # "very good", "really tired"
                return float(score + 1 if score == 5 else score - 1)
            return float(score)
    return None


def _effort(lowered: str) -> float | None:
    number = _NUMBER.search(lowered)
    if number and 1 <= int(number[1]) <= 10:
        return float(number[1])
    for pattern, score in _EFFORT_WORDS:
        if re.search(pattern, lowered):
            return float(score)
    return None


def read_message(text: str, asked: str | None) -> dict[str, Answer]:
    """Every item ``text`` answers: clauses that name an item answer it; the rest answer
    ``asked`` (the question just put), if any."""
    found: dict[str, Answer] = {}
    rest: list[str] = []
    for clause in clauses(text) or [text]:
        named = [i for i in items_named(clause) if i != asked] if asked else items_named(clause)
        if asked in items_named(clause):
            named = [asked]
        if not named:
            rest.append(clause)
            continue
        for item in named[:1]:
            answer = read(item, clause)
            if answer is not None and (answer.score is not None or item in ("pain", "constraints")):
                found[item] = answer
            elif asked:
                rest.append(clause)
    if asked == "effort" and _NUMBER.search(text.lower()):
        found["effort"] = Answer(_effort(text.lower()), " ".join(text.split())[:500])
    if asked and asked not in found:
        whole = ", ".join(rest) if rest else text
        answer = read(asked, whole.strip())
        if answer is not None:
            found[asked] = answer
    return found
