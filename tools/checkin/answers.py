"""Reading a runner's free answers to the weekly check-in, without a language model.

"slept badly, legs are fine, work was mad" answers three questions at once: the message is cut
into clauses, and a clause answers another question than the one just asked only when it
answers it clearly (it names the item and gives a score: "mood 3/7"; "next week ..." for next
week's constraints); every other clause answers the question just asked. Each wellness item
gets a score from 1 (very good) to 7 (very bad), as in Hooper's index, from a number read on
the scale its question states ("4" is 4 of 7; "8/10" reads as a quality for sleep and mood, as a
load for soreness and stress) or from words ("badly" 5, "terrible" 6, "fine" 2), with the
runner's own words kept. Session effort keeps every session named ("intervals 8 and long run 6").

Pain comes first: :func:`pain_level` tells pain to get assessed (a limp, a bone or joint, pain
rather than soreness) from ordinary soreness, whatever question the answer was given to.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from knowledge.pain import LIMP, MILD, body_part, mentions_pain, where

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
    # asked right after pain to get assessed: where (when not said), and whether a race is near
    "pain_where": "Where does it hurt: which part of the body, and which side?",
    "race": "Is a race coming up in the next weeks?",
}
#: The scale each question states in its own words: (lowest, highest).
SCALES = {
    item: (int(m[1]), int(m[2]))
    for item, question in QUESTIONS.items()
    if (m := re.search(r"\b(\d+) \([^)]*\) to (\d+) \(", question))
}
#: Items whose 1-7 score is a load (7 = a lot); the others are a quality read upside down.
LOADS = ("soreness", "stress")
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
YES = re.compile(r"^\s*(yes|yeah|yep|yup|aye|sure|i do|there is|indeed)\b", re.I)
#: A clause about next week, which alone may answer the constraints when another was asked.
NEXT_WEEK = re.compile(r"\bnext (week|weekend)\b|\b(coming|upcoming) week\b|\bweek ahead\b", re.I)

_KEYWORDS = {
    "sleep": r"\b(sle[ep]p\w*|slept|insomnia|nights?|bed|rest(ed)?|tired at night|kip)\b",
    "soreness": r"\b(legs?|sore\w*|doms|stiff\w*|heavy|tight\w*|calf|calves|quads?|hamstrings?"
    r"|muscles?|body|achy|aching|fresh)\b",
    "stress": r"\b(work|stress\w*|busy|hectic|job|family|kids|deadlines?|life|office|exams?)\b",
    "mood": r"\b(mood|motivat\w*|energy|energetic|happy|down|low|flat|grumpy|cheerful|spirits"
    r"|mentally|morale|excited|fed up)\b",
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
    (
        r"\b((?:a )?(?:little |tiny )?bit (?:of )?(?:sore\w*|stiff\w*|tight\w*|heavy|tired|achy)"
        r"|(?:slightly|a little) (?:sore|stiff|tight|heavy|tired|achy)"
        r"|some (?:\w+ )?(?:soreness|stiffness|tightness)"
        r"|mild\w*)\b",
        3,
    ),
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
#: A measure, not a score: "5 hours", "6-7h", "10k", "3 nights", "80%".
_MEASURE = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*(?:-|–|to|or)\s*\d+(?:[.,]\d+)?)?\s*"
    r"(?:h|hrs?|hours?|k|km|kms|mi|miles?|min|mins|minutes?|secs?|seconds?|nights?|days?"
    r"|weeks?|x|times|%|am|pm|bpm|kg|lbs?|st|nd|rd|th|sessions?|runs?|reps?)\b",
    re.I,
)
#: A score: "4", "4.5", "4-5", "3/7", "8 out of 10".
_SCORE = re.compile(
    r"(?<![\w.,/:])(\d{1,2}(?:\.5)?)(?:\s*(?:-|–|to|or)\s*(\d{1,2}(?:\.5)?))?"
    r"(?:\s*(?:/|out of|of)\s*(\d{1,2}))?(?:ish)?(?![\w:/]|[.,]\d)"
)
#: Words around a bare score: "maybe a 4", "like 4/10", "4ish".
_FILLER = re.compile(r"\b(like|maybe|about|around|probably|prob|roughly|say|i'?d say|a|an|so"
                     r"|ish|i guess|guess|um+|hmm+|tbh|honestly|call it)\b", re.I)  # fmt: skip
_CLAUSES = re.compile(r"[,;.!?\n]+|\bbut\b|\band\b|\bwhile\b|\balthough\b")
#: The name of a training session in an effort answer.
_SESSION = re.compile(
    r"\b(long runs?|tempo(?: runs?)?|intervals?|threshold(?: runs?)?|track(?: session)?"
    r"|hill (?:repeats|reps|sprints|session)|hills|fartlek|parkrun|race|strides"
    r"|progression runs?|recovery runs?|easy runs?|(?:mon|tues|wednes|thurs|fri|satur|sun)day'?s?"
    r" (?:long run|run|session|workout)|\d+ ?k(?:m)?(?: (?:race|run|tt))?|speed ?work|workout)\b",
    re.I,
)
#: Words that deny pain: "no pain", "nothing painful", "legs aren't sore", "pain-free".
_NO_PAIN = re.compile(
    r"\b(?:no|not|nothing|without|zero|never|free of|doesn'?t|don'?t|didn'?t|isn'?t|aren'?t"
    r"|wasn'?t|weren'?t)\b(?:\s+\w+){0,2}?\s+(?:pain\w*|sore\w*|hurt\w*|ach\w*|injur\w*|niggl\w*"
    r"|stiff\w*|limp\w*|swell\w*|swollen)\b|\bpain[- ]free\b"
    r"|\b(?:pain|soreness|niggle|ache|limp)\w*\s+(?:has\s+|have\s+|is\s+|was\s+)?(?:gone|went away"
    r"|cleared|disappeared|settled)\b",
    re.I,
)
#: The soreness words of ordinary training, which alone need no assessment.
_SORENESS = re.compile(r"\b(sore\w*|stiff\w*|aches?|aching|achy|doms|tight\w*)\b", re.I)
#: Words of pain that :data:`knowledge.pain.PAIN_WORDS` leaves out.
_SHARP = re.compile(r"\b(sharp|stabbing|shooting|burning)\b", re.I)
#: Bones and joints besides those of :data:`knowledge.pain.PARTS`.
_BONE_OR_JOINT = re.compile(r"\b(hips?|groin|pelvis|toes?|bones?|joints?)\b", re.I)
#: How pain is to be met: got assessed before running, or ordinary soreness.
ASSESS, MILD_SORENESS = "assess", "mild"


@dataclass
class Answer:
    """One item's answer: its score (None when the words gave none) and the runner's words.

    Pain keeps where it is (``place``), whether the runner limps and its ``level``
    (:data:`ASSESS` or :data:`MILD_SORENESS`); session effort keeps each session named
    (``sessions``: name, score of 10 and words).
    """

    score: float | None
    words: str
    skipped: bool = False
    place: str = ""
    limping: bool = False
    level: str = ""
    sessions: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        kept = ("score", "words", "skipped")
        return {k: v for k, v in asdict(self).items() if k in kept or v}


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSES.split(text) if c and c.strip()]


def items_named(clause: str) -> list[str]:
    """The items a clause's words name."""
    lowered = clause.lower()
    found = [item for item, pattern in _KEYWORDS.items() if re.search(pattern, lowered)]
    if "pain" in found and re.search(r"\bno (?:pain|niggles?)\b", lowered):
        found = ["pain"]
    return found


def pain_level(text: str, asked: str | None = None) -> str:
    """How the pain ``text`` describes is met: :data:`ASSESS` (a limp, a bone or joint, pain
    rather than soreness: stop and get it assessed), :data:`MILD_SORENESS` (ordinary training
    soreness), or "" when it reports none. An answer to the pain question that is not "none"
    is pain even without a pain word ("my achilles feels odd")."""
    said = _NO_PAIN.sub(" ", text)
    if LIMP.search(said):
        return ASSESS
    if not _hurts(said) and asked != "pain":
        return ""
    part = body_part(said)
    if (part is not None and part.name != "calf") or _BONE_OR_JOINT.search(said):
        return ASSESS
    if _hurts(_SORENESS.sub(" ", said)):  # pain, hurts, sharp, swollen, clicking, ...
        return ASSESS
    if _hurts(said) or _SORENESS.search(said) or MILD.search(said):
        return MILD_SORENESS
    return ASSESS  # something said to the pain question that no word here explains


def _hurts(text: str) -> bool:
    return mentions_pain(text) or bool(_SHARP.search(text))


def _pain(text: str, asked: str | None) -> Answer | None:
    """``text`` as a report of pain (None when it reports none)."""
    level = pain_level(text, asked)
    if not level:
        return None
    words = " ".join(text.split())[:500]
    return Answer(1.0, words, place=where(text), limping=bool(LIMP.search(text)), level=level)


def read(item: str, text: str) -> Answer | None:
    """``text`` as an answer to ``item``; None when it says nothing usable."""
    words = " ".join(text.split())[:500]
    if not words:
        return None
    if SKIP.match(words):
        return Answer(None, words, skipped=True)
    lowered = words.lower()
    if item == "pain":  # "no" alone is none; "no, but my knee hurts" is pain
        if not _NO_PAIN.sub(" ", lowered).strip(" ,.;!"):
            return Answer(0.0, "none")
        return _pain(words, None if NOTHING.match(lowered) else "pain") or Answer(0.0, "none")
    if item == "pain_where":
        return Answer(None, words, place=where(words) or words)
    if item == "race":
        if NOTHING.match(lowered):
            return Answer(0.0, words)
        race = YES.match(lowered) or re.search(r"\b(race|marathon|half|\d+ ?k|parkrun)", lowered)
        return Answer(1.0 if race else None, words)
    if item == "constraints":
        return Answer(None, "none") if NOTHING.match(lowered) else Answer(None, words)
    if item == "effort":
        sessions = read_sessions(words)
        scores = [s["score"] for s in sessions if s["score"] is not None]
        return Answer(max(scores) if scores else None, words, sessions=sessions)
    return Answer(_score(item, lowered), words)


def number_on_scale(item: str, lowered: str) -> float | None:
    """The score a number in ``lowered`` gives ``item`` on the scale its question states
    (None when there is no number, or none that fits the scale): "4" is 4 of 7 for mood, "8"
    is no score of 7, "8/10" is a good night's sleep and a lot of stress."""
    low, high = SCALES[item]
    m = _SCORE.search(_MEASURE.sub(" ", lowered))
    if m is None:
        return None
    value = float(m[1]) if m[2] is None else (float(m[1]) + float(m[2])) / 2
    out_of = int(m[3]) if m[3] else high
    if out_of == high:
        return value if low <= value <= high else None
    if not 0 <= value <= out_of:
        return None
    if high == 7 and out_of == 10:  # a quality (10 best) or a load (10 most), read on 1-7
        fraction = value / 10 if item in LOADS else 1 - value / 10
        return float(round(1 + 6 * fraction))
    return float(round(low + (high - low) * value / out_of)) if value else float(low)


#: Hours of sleep a night, read on the 1 (very well) to 7 (very badly) scale.
_HOURS = re.compile(
    r"(?<![\d.-])(\d{1,2}(?:\.\d)?)(?: ?(?:-|to) ?(\d{1,2}(?:\.\d)?))? ?(?:h|hrs?|hours?)\b"
    r"(?! ?(?:of )?(?:run|ride|hike|work))"
)
_SLEEP_HOURS = ((8, 2.0), (7, 3.0), (6, 4.0), (5, 5.0))


def _score(item: str, lowered: str) -> float | None:
    """A number on the item's scale, else words; a number the words contradict ("slept well,
    6/7") was meant the other way up (7 best), and is read so."""
    if item == "sleep" and (m := _HOURS.search(lowered)):  # "sleeping ~6h a night"
        hours = (float(m[1]) + float(m[2] or m[1])) / 2  # "6-7h": 6.5
        return next((score for least, score in _SLEEP_HOURS if hours >= least), 6.0)
    number = number_on_scale(item, lowered)
    word = _word_score(item, lowered)
    if number is None:
        return word
    low, high = SCALES[item]
    flipped = low + high - number
    if word is not None and abs(word - number) >= 3 and abs(word - flipped) <= 1:
        return flipped
    return number


def _word_score(item: str, lowered: str) -> float | None:
    if item in LOADS and (m := re.search(r"\b(low|light|high|lots|a lot)\b", lowered)):
        return 2.0 if m[1] in ("low", "light") else 6.0  # "work stress low"
    for pattern, score in _WORDS:
        if re.search(pattern, lowered):
            if _INTENSIFIER.search(lowered) and score in (2, 5):  # "very good", "really tired"
                return float(score + 1 if score == 5 else score - 1)
            return float(score)
    return None


def _effort(lowered: str) -> tuple[float | None, bool]:
    """A clause's effort of 10 and whether it came from a number."""
    number = number_on_scale("effort", lowered)
    if number is not None:
        return number, True
    for pattern, score in _EFFORT_WORDS:
        if re.search(pattern, lowered):
            return float(score), False
    return None, False


def _bare_score(clause: str) -> bool:
    """Whether a clause is a score and nothing else ("maybe a 4", "like 4/10", "7")."""
    m = _SCORE.search(clause)
    return m is not None and not re.search(r"\w", _FILLER.sub(" ", _SCORE.sub(" ", clause)))


def read_sessions(text: str) -> list[dict]:
    """Each session an effort answer names, with its effort of 10 and the words it was given
    in: "intervals 8 and long run 6" is two; "the long run was hard, 8" is one (the number
    says how hard)."""
    sessions: list[dict] = []
    from_number: list[bool] = []
    for clause in clauses(text) or [text]:
        lowered = clause.lower()
        named = _SESSION.search(lowered)
        name = named[0] if named else ""
        score, numbered = _effort(_SESSION.sub(" ", lowered) if named else lowered)
        if score is None and not name:
            continue
        last = sessions[-1] if sessions else None
        if last is not None and not name and (last["score"] is None or not from_number[-1]):
            if score is not None:
                last["score"], from_number[-1] = score, numbered
            last["words"] += f", {clause}"
            continue
        if last is not None and name and last["score"] is None and not last["name"]:
            last |= {"name": name, "score": score, "words": f"{last['words']}, {clause}"}
            from_number[-1] = numbered
            continue
        sessions.append({"name": name, "score": score, "words": clause})
        from_number.append(numbered)
    return sessions


def _clearly(item: str, clause: str) -> Answer | None:
    """``clause`` as an answer to ``item`` when it answers it clearly, though not asked."""
    if item == "pain":
        return read("pain", clause) if NOTHING.match(clause) or _NO_PAIN.search(clause) else None
    if item == "constraints":
        return read(item, clause) if NEXT_WEEK.search(clause) else None
    answer = read(item, clause)
    return answer if answer is not None and answer.score is not None else None


def read_message(text: str, asked: str | None) -> dict[str, Answer]:
    """Every item ``text`` answers: the question just put (``asked``, if any), and any other
    answered clearly in the same message ("slept badly, mood 3/7"); pain reported anywhere is
    read as pain, to get assessed or ordinary soreness (see :func:`pain_level`)."""
    found: dict[str, Answer] = {}
    mine: list[str] = []
    side: dict[str, list[str]] = {}
    previous: str | None = None  # the item of the clause before, when not the one asked
    for clause in clauses(text) or [text]:
        named = items_named(clause)
        if asked in named:
            mine.append(clause)
            previous = None
            continue
        if not named and previous is not None and _bare_score(clause):  # "..., like 4/10"
            side[previous].append(clause)
            continue
        level = pain_level(clause)
        allowed = ["soreness"] if level == ASSESS else named  # "sharp going down stairs"
        item = next((i for i in allowed if i in named and _clearly(i, clause)), None)
        if item is None and asked and level and not (asked == "soreness" and level != ASSESS):
            continue  # pain is read below, and answers no other question
        if item is None:
            mine.append(clause)
            previous = None
            continue
        side.setdefault(item, []).append(clause)
        previous = item
    for item, said in side.items():
        answer = _clearly(item, ", ".join(said))
        if answer is not None:
            found[item] = answer
    if asked == "pain":
        answer = read("pain", text)
    elif asked in ("pain_where", "race"):
        answer = read(asked, text)
    else:
        answer = read(asked, ", ".join(mine)) if asked and mine else None
    if asked and answer is not None:
        found[asked] = answer
    whole = _pain(text, None)
    if asked != "pain" and whole is not None and whole.level == ASSESS:
        # pain to get assessed, whatever was asked (ordinary soreness answers soreness only)
        said = [c for c in clauses(text) if pain_level(c) or body_part(c) or where(c)]
        whole.words = ", ".join(said)[:500] or whole.words
        found["pain"] = whole
    return found
