"""Pain comes first: the answer to any pain question (in the chat or in a check-in) is the
warning signs that mean stop, a plain "stop running on it and get it assessed", who to see and
how soon, and never a treatment.

Each warning sign below rests on a section of ``notes/pain_warning_signs.md``, whose sources were
checked against the papers; the few signs no paper here was checked for are given as Coach G's
own rule of caution and said to be so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Words of pain or injury (the safety rules, the check-in and the router read these).
PAIN_WORDS = (
    r"\b(hurts?|hurting|pain|painful|sore|soreness|aches?|aching|swollen|swell(s|ing)?|injur\w*"
    r"|niggles?|niggling|numb|clicks?|clicking|pops?|popping|grinds?|grinding|throbs?"
    r"|throbbing|tingl\w*|twinges?|bruis\w*|lumps?|stiff|limp\w*|tender)\b"
)
#: A red flag in the leg rather than the chest: a swollen calf that may be a clot.
CLOT = re.compile(
    r"\b(calf|calves|leg|shin)\b.{0,40}\b(swollen|swelling|hot|red|warm)\b"
    r"|\b(swollen|swelling|hot|red|warm)\b.{0,40}\b(calf|calves|leg)\b",
    re.I,
)
#: A limp is a stop sign wherever it is.
LIMP = re.compile(r"\blimp(ing|s|ed)?\b", re.I)
#: Soreness that is ordinary after training (and asks for no assessment) when nothing else is
#: said: "legs a bit sore after the long run", "quads stiff".
MILD = re.compile(r"\b(bit|little|slightly|mild(ly)?|normal|usual|doms)\b", re.I)

#: A question whether to go on ("should I run through it?", "can I race on a sore knee?").
ASKS_TO_GO_ON = re.compile(
    r"\b(should|can|could|may|is it (ok|okay|safe|fine)|ok to|okay to|safe to|fine to)\b"
    r".{0,40}\b(run|race|train|jog|carry on|keep going|push)",
    re.I,
)

#: Whom to see, and the sources of the advice.
PHYSIO = "a physiotherapist or a sports-medicine doctor"
_WARDEN = (
    "Warden SJ, Davis IS, Fredericson M. Management and prevention of bone stress injuries in "
    "long-distance runners. J Orthop Sports Phys Ther. 2014;44(10):749-765."
)
_PATEL = (
    "Patel DS, Roth M, Kapil N. Stress fractures: diagnosis, treatment, and prevention. "
    "Am Fam Physician. 2011;83(1):39-46."
)
_BOYD = (
    "Boyd RPR, Dimock R, Solan MC, Porter E. Achilles tendon rupture: how to avoid missing the "
    "diagnosis. Br J Gen Pract. 2015;65(641):668-669."
)
HILBERG = (
    "Hilberg T, Ransmann P, Hagedorn T. Sport and venous thromboembolism: site, accompanying "
    "features, symptoms, and diagnosis. Dtsch Arztebl Int. 2021;118(11):181-187."
)
_LOGERSTEDT = (
    "Logerstedt DS, Scalzitti DA, Bennell KL, et al. Knee pain and mobility impairments: meniscal "
    "and articular cartilage lesions revision 2018. J Orthop Sports Phys Ther. "
    "2018;48(2):A1-A50."
)
_SILBERNAGEL = (
    "Silbernagel KG, Thomeé R, Eriksson BI, Karlsson J. Continued sports activity, using a "
    "pain-monitoring model, during rehabilitation in patients with Achilles tendinopathy. "
    "Am J Sports Med. 2007;35(6):897-906."
)
#: Signs Coach G treats as stop signs out of caution, without a checked paper behind each.
CAUTION = "pain at rest or at night, pain when you hop on that leg, or a limp"


@dataclass(frozen=True)
class BodyPart:
    name: str
    pattern: str
    signs: tuple[str, ...]
    sources: tuple[str, ...]
    urgent: str = ""  # a sign that needs a doctor the same day, and why


PARTS = (
    BodyPart(
        "shin",
        r"\bshins?\b|\btibia\b|\bshin splints\b",
        (
            "pain and tenderness in one spot on the bone (sore when you press it), which can "
            "be a bone stress injury",
            "swelling, or pain that builds run by run after a recent jump in training",
        ),
        (_WARDEN, _PATEL),
    ),
    BodyPart(
        "foot",
        r"\b(foot|feet|metatarsals?|arch|instep|navicular)\b",
        ("pain and tenderness in one spot on a bone of the foot (sore when you press it)",),
        (_WARDEN,),
    ),
    BodyPart(
        "calf",
        r"\bcalf\b|\bcalves\b",
        (
            "a sudden snap or a feeling of being kicked at the back of the calf (the tendon can "
            "tear even if you can still walk)",
            "calf pain or swelling with no clear injury, which can be a blood clot",
        ),
        (_BOYD, HILBERG),
        urgent="a snap, or swelling without an injury, needs a doctor the same day; with "
        "breathlessness or chest pain, call emergency services",
    ),
    BodyPart(
        "Achilles",
        r"\bachilles\b|\bheel\b|\bankle\b",
        (
            "a sudden snap or a feeling of being kicked at the back of the ankle",
            "pain that is worse at each run or makes you change how you run",
        ),
        (_BOYD, _SILBERNAGEL),
        urgent="a snap needs a doctor the same day",
    ),
    BodyPart(
        "knee",
        r"\bknees?\b|\bkneecap\b|\bpatella\b|\bmeniscus\b",
        (
            "swelling that builds over the hours after a twist",
            "a knee that catches or locks",
        ),
        (_LOGERSTEDT,),
    ),
)
_GENERAL = BodyPart(
    "",
    "",
    (
        "pain in one spot on a bone (sore when you press it)",
        "swelling, or pain that changes how you run",
    ),
    (_WARDEN,),
)


#: Every source a pain answer may cite (fixed text, like the answer's wording).
ALL_SOURCES = tuple(dict.fromkeys(s for part in (*PARTS, _GENERAL) for s in part.sources))


@dataclass(frozen=True)
class PainAnswer:
    """Safety first for one report of pain."""

    part: str  # "shin", "calf", ... or "" when no part is named
    limping: bool
    text: str
    sources: tuple[str, ...]


def mentions_pain(text: str) -> bool:
    return bool(re.search(PAIN_WORDS, text, re.I))


def reported(text: str) -> bool:
    """Pain a coach answers with safety first: pain named with a place on the body, a limp, or
    a question of running on it; ordinary soreness of big muscles ("quads a bit sore") aside."""
    if not mentions_pain(text):
        return False
    if LIMP.search(text):
        return True
    part = body_part(text)
    running_on = re.search(
        r"\b(run|race|train|jog|keep going|carry on)\w* (through|on|with)\b", text, re.I
    )
    if not (part or running_on or re.search(_OTHER_PLACES, text, re.I)):
        return False
    hurting_joint = _HURTS.search(text) and re.search(_JOINTS, text, re.I)  # "hip hurts a bit"
    return bool(part or running_on or not MILD.search(text) or hurting_joint)


def body_part(text: str) -> BodyPart | None:
    return next((p for p in PARTS if re.search(p.pattern, text, re.I)), None)


def where(text: str) -> str:
    """The side and place of the pain as said ("left calf"), or ""."""
    part = body_part(text)
    found = re.search(part.pattern, text, re.I) if part else re.search(_OTHER_PLACES, text, re.I)
    if found is None:
        return ""
    side = re.search(
        r"\b(left|right|both)\b(?=\W+(\w+\W+)?" + re.escape(found[0]) + ")", text, re.I
    )
    return f"{side[1].lower()} {found[0].lower()}" if side else found[0].lower()


_OTHER_PLACES = r"\b(hamstrings?|quads?|hips?|glutes?|groin|back|toes?|thigh|it band|itb)\b"
#: Of those, the joints and bands, where even mild pain (not soreness) is met safety first.
_JOINTS = r"\b(hips?|groin|back|toes?|it band|itb)\b"
_HURTS = re.compile(r"\b(hurt\w*|pain\w*|aching|aches?)\b", re.I)


def pain_answer(text: str, who: str = "you") -> PainAnswer:
    """The safety-first answer to pain described in ``text``; ``who`` is "you", or an athlete's
    name when their coach reads it."""
    part = body_part(text) or _GENERAL
    place = where(text)
    limping = bool(LIMP.search(text))
    whose = "your" if who == "you" else f"{who}'s"
    first = f"Stop running on {f'{whose} {place}' if place else 'it'} and get it assessed by "
    first += f"{PHYSIO} before running again"
    if limping:
        first += f": {'you are' if who == 'you' else who + ' is'} limping, and a limp always "
        first += "means stop."
    else:
        first += "."
    if ASKS_TO_GO_ON.search(text):
        first = "No. " + first
    lines = [
        first,
        "",
        "Warning signs that mean stop now and see someone:",
        *(f"- {sign}" for sign in (*part.signs, CAUTION)),
    ]
    if part.urgent:
        lines += ["", f"How soon: {part.urgent}."]
    lines += [
        "",
        f"Who to see: {PHYSIO}. I can't tell what it is, and I won't suggest a treatment: "
        f"that is for whoever examines {'you' if who == 'you' else 'them'}. Until then, no "
        "running through pain.",
        "",
        f"The last warning signs ({CAUTION}) are Coach G's own rule of caution; the others "
        "come from:",
        *(f"- {source}" for source in part.sources),
    ]
    return PainAnswer(part.name, limping, "\n".join(lines), part.sources)
