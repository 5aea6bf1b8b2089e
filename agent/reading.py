"""Reading a message the way a person would: lower case, chat slang spelled out ("wk", "pls",
"gimme"), and misspelt words corrected when they are one slip away from a word Coach G knows
("analize my vidoe", "sycn strava"). Every later layer (safety rules, the intent classifier, the
argument extractors) reads the normalised text.
"""

from __future__ import annotations

import re

from tools.words import MONTH_NAMES

#: Chat shorthand, word for word.
_SLANG = {
    "wk": "week", "wks": "weeks", "yr": "year", "yrs": "years", "mth": "month",
    "mths": "months", "mnth": "month", "evr": "ever", "mnths": "months", "lst": "last",
    "pls": "please", "plz": "please", "u": "you",
    "ur": "your", "r": "are", "gimme": "give me", "lemme": "let me", "wanna": "want to",
    "abt": "about", "wat": "what", "wot": "what", "whats": "what's", "hows": "how's",
    "im": "i'm", "ive": "i've", "heres": "here's", "dont": "don't", "vid": "video",
    "vids": "videos", "thx": "thanks", "thanx": "thanks", "tmrw": "tomorrow",
    "yday": "yesterday", "2day": "today", "kms": "km", "hw": "how", "sesh": "session",
    "seshes": "sessions", "n": "and", "frm": "from", "runz": "runs",
}  # fmt: skip


def word_set(text: str) -> frozenset[str]:
    """The words of ``text`` (a table written as prose), as a set."""
    return frozenset(text.split())


#: The words intents hang on; a misspelling of one of these is corrected.
_VOCABULARY = word_set(
    """
    analyse analyze analysis video videos clip footage gait stride form technique filmed
    import upload export files garmin strava sync resync refresh fetch download connect
    activities activity workouts workout sessions session training trained running runs jogging
    rides riding cycling cycled swimming swims walking walks hiking hikes mileage distance
    kilometers miles total totals yesterday today week weeks weekend month months year years
    fortnight last latest recent previous since between show list please thanks thank help what
    which where should would could research evidence explain cadence overstriding overstride
    striking
    strike forefoot midfoot contact oscillation vertical pelvic trunk posture economy
    instructions ignore prompt system password secret diagnose diagnosis injury trending trend
    changed overtraining fatigue strength squats deadlifts history features commands
    longest fastest furthest farthest biggest heaviest slowest quickest
    """
) | {name for name in MONTH_NAMES if len(name) > 3}  # short words are never corrected
#: Real words one slip away from a vocabulary word: never "corrected".
_REAL_WORDS = word_set("from form least contract trailing")


#: Three-letter words whose letters, swapped, are a slip ("rnu", "nar"); by their sorted letters.
_SHORT_SWAPS = {"".join(sorted(w)): w for w in ("run", "ran", "jog", "gym", "day")}
#: Real three-letter words with those letters, never "corrected".
_REAL_SHORT = word_set("run ran jog gym day urn nru yad")


def _slips(word: str, known: str, substitution: int) -> int:
    """The optimal-string-alignment distance: insertions, deletions and swaps of neighbours
    cost one, a substituted letter costs ``substitution``."""
    rows = [list(range(len(known) + 1))]
    for i, a in enumerate(word, 1):
        row = [i]
        for j, b in enumerate(known, 1):
            cost = min(
                rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (substitution if a != b else 0)
            )
            if i > 1 and j > 1 and a == known[j - 2] and word[i - 2] == b:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


def _correct(word: str) -> str:
    """``word`` with slang spelled out, stretched letters shortened ("heyyy"), or the
    vocabulary word it is a slip of. Four-letter words allow a swap of neighbours ("shwo");
    five and six letters one dropped, added or swapped letter ("vidoe", "strva") but not a
    changed one, which too often makes another real word ("think", "thank"); longer words
    allow one slip of any kind, two from ten letters. The first letter must agree, and
    inflections ("changes", "lists") are words, not slips."""
    if word in _SLANG:
        return _SLANG[word]
    if re.search(r"([a-z])\1\1", word):  # heyyy, sooo, cooool
        for repeat in (r"\1", r"\1\1"):
            shorter = re.sub(r"([a-z])\1{2,}", repeat, word)
            if shorter in _VOCABULARY or shorter in SMALLTALK_WORDS:
                return shorter
    if len(word) == 3 and word not in _REAL_SHORT:
        return _SHORT_SWAPS.get("".join(sorted(word)), word)  # rnu -> run
    if len(word) < 4 or "'" in word or word in _VOCABULARY or word in _REAL_WORDS:
        return word
    if word + "g" in _VOCABULARY:  # runnin -> running
        return word + "g"
    allowed = 2 if len(word) >= 10 else 1
    substitution = 2 if len(word) < 7 else 1
    best = (allowed + 1, word)
    for known in _VOCABULARY:
        if known[0] != word[0] or abs(len(known) - len(word)) > allowed:
            continue
        if known.startswith(word[:-1]) or word.startswith(known[:-1]):
            continue  # an inflection: change/changed, lists/list, fatigued/fatigue
        if len(word) == 4 and sorted(word) != sorted(known):
            continue  # four letters: only a swap ("sycn"), or "were" would become "where"
        best = min(best, (_slips(word, known, substitution), known))
    return best[1] if best[0] <= allowed else word


def normalise(message: str) -> str:
    """``message`` lower-cased, slang spelled out and slips corrected, padded with spaces."""
    text = message.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"(\d)\s?ks?\b", r"\1 km", text)  # 10k, 10ks -> 10 km
    text = re.sub(r"\b(many|few|the) k\b", r"\1 km", text)  # how many k -> how many km
    text = re.sub(r"[a-z0-9]+(?:'[a-z]+)?", lambda m: _correct(m[0]), text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


def has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


SMALLTALK_WORDS = word_set(
    """
    hi hey hello hiya yo sup howdy there good morning afternoon evening night gm thanks thank
    you so much very thx ty cheers mate coach g ok okay k cool great awesome nice one lol haha
    lmao bye see later tomorrow soon how are is it going what's up you're the best amazing
    legend ta perfect sweet brilliant wow yes no yep nope sure alright np bro dude buddy again a
    lot all how's doing appreciate appreciated your day been things makes sense understood
    noted got will do sounds
    """
)
