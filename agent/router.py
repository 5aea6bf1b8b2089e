"""The deterministic router: from a message (and its attachments) to a proposed tool call.

It first reads the message the way a person would: lower case, chat slang spelled out ("wk",
"pls", "gimme"), and misspelt intent words corrected when they are one slip away from a word it
knows ("analize my vidoe", "sycn strava"). Then it knows intents by their words, reads dates,
sports, counts, heights and frame rates, and sorts what needs no tool (greetings, thanks), what
it must decline (other people's data, secrets, medical diagnosis, attempts to change its
instructions) and what it cannot place (for the LLM, or a short question back). It never reads
tool output: only the user's own words choose tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from agent.dates import parse_dates

VIDEO_TYPES = {".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv", ".3gp"}
ACTIVITY_TYPES = {".fit", ".gpx", ".tcx", ".zip", ".gz", ".csv"}


@dataclass
class Route:
    """What the router proposes. ``kind`` is ``tool``, ``smalltalk``, ``help``, ``decline``,
    ``clarify``, ``coming_soon`` or ``unknown``; ``tool``/``args`` are set for ``tool`` (and
    name the tool a ``clarify`` or ``coming_soon`` is about)."""

    kind: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    reason: str = ""


# -- reading the message ------------------------------------------------------------------

#: Chat shorthand, word for word.
_SLANG = {
    "wk": "week", "wks": "weeks", "yr": "year", "yrs": "years", "mth": "month",
    "mths": "months", "lst": "last", "pls": "please", "plz": "please", "u": "you",
    "ur": "your", "r": "are", "gimme": "give me", "lemme": "let me", "wanna": "want to",
    "abt": "about", "wat": "what", "wot": "what", "whats": "what's", "hows": "how's",
    "im": "i'm", "ive": "i've", "heres": "here's", "dont": "don't", "vid": "video",
    "vids": "videos", "thx": "thanks", "thanx": "thanks", "tmrw": "tomorrow",
    "yday": "yesterday", "2day": "today", "kms": "km", "hw": "how", "sesh": "session",
    "seshes": "sessions",
}  # fmt: skip


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: The words intents hang on; a misspelling of one of these is corrected.
_VOCABULARY = _words(
    """
    analyse analyze analysis video videos clip footage gait stride form technique filmed
    import upload export files garmin strava sync resync refresh fetch download connect
    activities activity workouts workout sessions session training trained running runs jogging
    rides riding cycling cycled swimming swims walking walks hiking hikes mileage distance
    kilometers miles total totals yesterday today week weeks weekend month months year years
    fortnight last latest recent previous since between january february march april june july
    august september october november december show list please thanks thank help what which
    where should would could research evidence explain cadence overstriding overstride striking
    strike forefoot midfoot contact oscillation vertical pelvic trunk posture economy
    instructions ignore prompt system password secret diagnose diagnosis injury trending trend
    changed overtraining fatigue strength squats deadlifts history features commands
    """
)
#: Real words one slip away from a vocabulary word: never "corrected".
_REAL_WORDS = _words("from form least contract trailing")


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
            if shorter in _VOCABULARY or shorter in _SMALLTALK_WORDS:
                return shorter
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
    text = re.sub(r"(\d)\s?k\b", r"\1 km", text)  # 10k -> 10 km
    text = re.sub(r"\b(many|few|the) k\b", r"\1 km", text)  # how many k -> how many km
    text = re.sub(r"[a-z0-9]+(?:'[a-z]+)?", lambda m: _correct(m[0]), text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


# -- the tables ---------------------------------------------------------------------------

_SELF = r"\b(i|i'm|i've|i'd|me|my|mine)\b"
_SPORTS = (
    ("run", r"\b(run|runs|running|runnings|ran|jog|jogs|jogging|jogged|mileage)\b"),
    ("ride", r"\b(ride|rides|riding|rode|bike|biking|cycling|cycle|cycled)\b"),
    ("swim", r"\b(swim|swims|swimming|swam)\b"),
    ("walk", r"\b(walk|walks|walking|walked)\b"),
    ("hike", r"\b(hike|hikes|hiking|hiked)\b"),
)
_OTHERS = (
    r"friend|mate|buddy|teammate|team ?mate|training partner|partner|girlfriend|boyfriend|wife"
    r"|husband|brother|sister|mum|mom|dad|son|daughter|colleague|neighbou?r|club ?mate"
    r"|running (buddy|partner)"
)
_BODY = (
    r"(hamstrings?|hammy|calf|calves|quads?|ankles?|knees?|achilles|muscles?|groin|back|hips?"
    r"|foot|feet|shins?|toes?|legs?|glutes?|tendons?|ligaments?|acl|mcl|meniscus|plantar)\b"
)
_DECLINE = (
    # changing or revealing its instructions
    r"\b(ignore|disregard|forget|override)\b.{0,30}\b(instructions|prompt|rules|guidelines)\b",
    # "disregard everything above", "ignore the previous messages" (not "forget my previous run")
    r"\b(ignore|disregard|forget)\b (?:about )?(?:all |any )?(?:of )?(?:the |that |this )?"
    r"(?:everything|all|stuff|text|messages?|context|conversation)? ?(above|previous|prior|earlier"
    r"|preceding|before|so far)\b(?! (run|ride|swim|walk|hike|activit|session|workout|week|month"
    r"|year|day|import|upload|sync|video|clip|file))",
    r"\b(ignore|disregard|forget)\b (about )?everything (you('ve| have)? (been|were) told"
    r"|you know)",
    r"\b(system|hidden|initial|original|secret) (prompt|instructions)\b",
    r"\b(jailbreak|(developer|dan|admin|god|root|sudo|debug) mode)\b",
    r"\byou are now\b|^ system:",
    r"\b(tell|show|print|reveal|repeat|output|give)\b.{0,15}\byour (rules|instructions|prompt"
    r"|guidelines)\b",
    r"\bpretend (that )?you (have|had) no\b",
    r"\b(dump|drop|wipe)\b.{0,20}\b(database|db|tables?)\b",
    # other people's data
    r"\b(all|every|other) (the )?(other )?(athletes?|users?|members?|accounts?)\b",
    r"\bother (runners|people)\b.{0,30}\b(here|app|data|runs|activities|did|do)\b",
    r"\beveryone('s| else)",
    r"\bsomeone else'?s\b",
    r"\b(user|athlete|account) (number |no\.? |#)?\d+\b",
    r"\b(user|athlete|account|member) (with )?(the )?(user ?)?(id|number|no\.?|#) ?\d+\b",
    rf"\bmy ({_OTHERS})'s\b",
    # "what did my training partner run", "how far has my wife gone", "is my friend faster"
    rf"\b(did|does|do|has|have|is|was|were) my ({_OTHERS})\b(?! and (i|me)\b)",
    r"\bdelete (all|every|everyone)",
    # secrets
    r"\b(api|oauth|strava|auth|bearer|session)[ _-]?tokens?\b",
    r"\b(passwords?|api[ _-]?keys?|access[ _-]?tokens?|refresh[ _-]?tokens?|client[ _-]?secrets?"
    r"|credentials|secret keys?|private keys?)\b",
    r"\b(admin|root|superuser)\b.{0,20}\b(login|account|access)\b",
    r"\byour (config|configuration|source code|env)\b|\benvironment variables\b",
    r"(^|\s)\.env\b|\benv (file|vars?)\b|\b(config|settings|secrets?) files?\b",
    # diagnosis and medication
    r"\bdiagnos(e|is|ing)\b",
    r"\b(prescribe|prescription|medication|medicine|painkillers?|ibuprofen|paracetamol"
    r"|acetaminophen|naproxen|aspirin|dosage|pills|tablets|meds)\b",
    r"\b(do i have|is (it|this|that)|could (it|this|that) be|sounds like)\b.{0,30}(fracture"
    r"|tendin|tendon|fasciitis|splints|syndrome|torn|tear|sprain|strain|bursitis|arthritis|injur)",
    r"\bis (it|this|my \w+) (broken|fractured|torn|sprained|serious|infected)\b",
    r"\btell me what (i have|it is|this is|is wrong)\b|\bwhat do i have\b",
    rf"\b(tore|torn|pulled|strained|sprained|broke|fractured|twisted|ruptured) my (\w+ )?{_BODY}",
)
_PAIN = (
    r"\b(hurts?|hurting|pain|painful|sore|aches?|aching|swollen|swell(s|ing)?|injured|numb|clicks?"
    r"|clicking|pops?|popping|grinds?|grinding|throbs?|throbbing|tingl\w*|twinges?|bruis\w*"
    r"|lumps?|stiff)\b"
)
_HOW_WAS_MY = r"\bhow(?: (?:was|is|did|went|has)|'s) my (?P<period>week|weekend|month|year)\b"

#: Symptoms during or after exercise that need a doctor, not a running coach, whatever is asked.
RED_FLAG = "a symptom that needs a doctor"
_RED_FLAGS = (
    r"\bchest (pain|pains|tight\w*|pressure|hurts?)\b|\b(tight|pain in( my)?|pressure in( my)?) "
    r"(my )?chest\b(?! straps?)|\b(dizzy|dizziness|light-?headed|faint(ed|ing)?|passed out"
    r"|black(ed)? out|palpitations?|irregular heart ?beat"
    r"|heart (was |is |keeps |kept )?(racing|skipping|pounding|flutter\w*)"
    r"|short(ness)? of breath|can'?t (catch my )?breathe?)\b"
)
#: A condition named as a question ("stress fracture?"): a diagnosis request beside a symptom.
_CONDITION_QUESTION = (
    r"\b(stress fracture|fracture|tendinitis|tendinopathy|tendonitis|fasciitis|shin splints"
    r"|torn \w+|sprain|bursitis|itbs|it band syndrome)\s?\?"
)
_WHATS_WRONG = (
    r"\b(what's|what is) (wrong|causing)\b|\bwhat (is|could) (it|this) be\b|\bdo i have\b"
    r"|\bwhat('s| is) (it|this|that)\W*$"
    r"|\b(is|could) (it|this|that) (be )?(a|an)\b(?! (good|bad|great|problem|idea|normal|common"
    r"|thing|way|matter|question|myth|reason|sign|concern))"
    r"|\b(have|did) i (rupture|tear|tore|torn|break|broke|broken|fracture|strain|sprain|pull"
    r"|damage|injure|snap)\w*"
    r"|\bis it (torn|broken|fractured|serious)\b|\bshould i (be )?(worried|worry|concerned)\b"
    r"|\bwhat's (going on|happening)\b"
)

_LIFTS = (
    r"(squats?|deadlifts?|bench( press)?|lunges?|planks?|pull-?ups?|push-?ups?|rows?|press"
    r"|calf raises|hip thrusts?|step-?ups?|rdls?|kettlebell|lifts?|lifting|weights)"
)
_UNUSUAL = r"(unusual|anomal\w*|odd|strange|weird|abnormal|out of the ordinary|outliers?)"
_METRICS = r"(metrics|numbers|data|stats|statistics)"
#: Tools that are not built yet, in the order they are tried.
_COMING = {
    "strength_history": (
        r"\bstrength (history|log|progress|records?)\b",
        r"\bstrength\b.{0,20}\b(progress\w*|improv\w*|gone up)\b",
        r"\b(did|have|do|can) i (lift|squat|deadlift|bench)",
        rf"\b(when|how long ago) (did|was|were) (i|my)\b.{{0,25}}\b{_LIFTS}\b",
        rf"\blast time i (did|do|trained|hit)\b.{{0,20}}\b{_LIFTS}\b",
        rf"\b(best|max|heaviest|pr|prs|personal best|1rm) (\w+ )?{_LIFTS}",
        rf"\b{_LIFTS} (pr|prs|pb|pbs|1rm|max|record)\b",
        r"\b(show|list|see|view|how many|all|every)\b.{0,20}\b(gym|strength|weights|lifting)"
        r" (sessions?|workouts?)\b(?!.{0,30}\d+ ?x ?\d+)",
        rf"\b{_LIFTS}\b.*\b(progress\w*|history|improved|gone up)\b",
    ),
    "log_strength": (
        r"\b(log|record|add|save|track)\b.{0,20}\b(strength|lift\w*|gym|weights|core)\b",
        rf"\b{_LIFTS}\b.{{0,30}}\b\d+ ?x ?\d+",
        rf"\b\d+ ?x ?\d+\b.{{0,30}}\b{_LIFTS}\b",
        r"\b(\d+|a few|some|three|four|five) sets (of )?(\d+|\w+ reps)\b",  # sets x reps
        rf"\b(note|write|jot|put|log|save|record) (that|it|this|them)\b.{{0,60}}\b{_LIFTS}\b",
        rf"\b({_LIFTS}|gym|strength)\b.{{0,80}}\b(note|write|jot|log|save|record|add) (that|it"
        r"|this|them)\b",
    ),
    "training_load": (
        r"\b(training|my|weekly|workload|running) load\b|^ load\b|\bload (score|balance|ratio"
        r"|status|focus)\b",
        r"\b(do|should) i (need|take|have|do)( a)? (recovery|rest|deload|down|easy) (week|days?"
        r"|block)\b",
        r"\b(i'm|feeling|feel|am i) (so |really |very |a bit |pretty )?(knackered|exhausted|wiped"
        r"|drained|shattered|cooked|fried|burnt out|burned out)\b.{0,40}\b(need|should|too much"
        r"|rest|recovery)\b",
        r"\bacwr\b|\bacute\b.{0,10}\bchronic\b",
        r"\bover-?train",
        r"\bfatigued am i\b|\bmy fatigue\b|\bfitness (vs|versus|and) fatigue\b",
        r"\b(doing|done|running) too much\b|\btoo much too soon\b",
        r"\bramp\w*( up)? too\b|\b(mileage|volume) .*\b(too (fast|quick\w*|much|high))\b",
        r"\b(ctl|atl|tsb)\b",
    ),
    "weekly_checkin": (
        r"\bcheck[- ]?in\b",
        r"\bweekly (review|summary|report|recap|check|catch[- ]?up|update|round[- ]?up|debrief)",
        r"\bcatch[- ]?up (on|about) (my|the|this|last) week\b",
        r"\b(review|recap) (of )?my week\b",
    ),
    "detect_changes": (
        r"\btrend(s|ing|ed)?\b",
        r"\bchange ?points?\b",
        r"\bchang(ed|ing)\b.{0,20}\bover\b",
        r"\bchanges? in my\b",
        r"\bget(ting)? (better|worse)\b|\bbetter or worse\b",
        r"\b(is|are|has|have) my\b.{0,30}\b(getting|becoming|become|gone|going)"
        r" (\w+er|more|less)\b",
        r"\bmy\b.{0,40}\bover time\b",
        r"\b(did|has|have|is|are) my\b.{0,30}\b(improv\w*|chang\w*|progress\w*|drop\w*"
        r"|increas\w*|decreas\w*|drift\w*|slipp\w*|declin\w*|gone (up|down)|go (up|down))",
        # something out of the ordinary in the numbers: "spot anything unusual in my metrics"
        rf"\b{_UNUSUAL}\b.{{0,40}}\b{_METRICS}\b|\b{_METRICS}\b.{{0,40}}\b{_UNUSUAL}\b",
        # a metric drifting over a period: "my cadence has drifted over the last few months"
        r"\bdrift(s|ed|ing)?\b",
        r"\b(improved|changed|declined|slipped|dropped|progressed)\b.{0,25}\b(over|in|during"
        r"|across) the (last|past) (few |couple of |\d+ |\w+ )?(weeks|months|years)\b",
    ),
}

_HELP = (
    r"^ (help|commands|menu|options)\W* $",
    r"^ (i need |need |please |can i get )?(a |some )?help( me| please)?\W* $",
    r"^ can you help( me)?\W* $",
    r"\bwhat (can|do) you do\b",
    r"\bwhat (can|could|should) i (ask|say|do here)\b",
    r"\bhow (do|can) i (get started|start|begin)( with (this|you|coach g|the app))?\W* $",
    r"\bwho are you\b",
    r"\bwhat are you\b",
    r"\bhow (does|do) (this|you|it) work\b",
    r"\bhow (do|can) i use (this|you|coach g|the app)\b",
    r"\b(your|the|what) (features|commands|abilities|capabilities)\b",
    r"\bwhat (kinds?|sorts?|types?) of (questions|things|stuff)\b",
    r"\bwhat (else )?(can|could) you help( me)? with\b",
    r"\b(things|stuff) (can|could|do) you (help|do)\b",
)
_SMALLTALK_WORDS = _words(
    """
    hi hey hello hiya yo sup howdy there good morning afternoon evening night gm thanks thank
    you so much very thx ty cheers mate coach g ok okay k cool great awesome nice one lol haha
    lmao bye see later tomorrow soon how are is it going what's up you're the best amazing
    legend perfect sweet brilliant wow yes no yep nope sure alright np bro dude buddy again a
    lot all how's doing appreciate appreciated your day been things
    """
)
_GREETING = r"^ (hi|hey|hello|hiya|yo|good (morning|afternoon|evening)|howdy|sup)\b"
_THANKS = r"\b(thanks|thank you|thx|cheers|ty|great|awesome|cool|nice|ok|okay|bye|see you)\b"

_VIDEO_THINGS = (
    r"(video|videos|clip|footage|recording|form|gait|stride|technique|foot ?strike"
    r"|running style|mechanics)"
)
_LOOK = r"(analy[sz]e|analysis|check|look at|take a look|review|assess|critique|rate|evaluate)"
_VIDEO_ASK = (
    rf"\b{_LOOK}\b.*\b{_VIDEO_THINGS}\b",
    r"\b(video|clip|footage)\b.*\b(analy[sz]e|analysis|gait|form|look|check)\b",
    r"\bgait analysis\b",
    r"\bhow (should|do|can) i (film|record|shoot)\b",
    r"\b(filmed|recorded) (myself|me)\b",
    r"\b(video|clip|footage) of me\b",
    r"\bhere's (a|my|the) (video|clip)\b",
    rf"\b(feedback|thoughts|opinion|pointers|critique|notes)\b.*\b{_VIDEO_THINGS}\b.*\b(video"
    r"|clip|footage|recording|film)\b",
    r"\b(film|filming|record|recording|shoot|shooting|video|videoing) (myself|me)\b",
    r"\b(where|how) (should|do|can|would) i (put|place|position|hold|set up|mount|angle)\b.{0,15}"
    r"\b(phone|camera|gopro|tripod)\b",
)
#: "In the clip", "this video": one the user means to send, since none is attached (unless
#: they ask what was found in it before).
_VIDEO_REFERENCE = r"\b(in|on|from|watch|see) (the|this|that|my) (video|clip|footage)\b"
_STRAVA_FILE = (
    r"\bstrava\b.{0,20}\b(export|archive|zip|bulk)\b",
    r"\b(export|archive|zip)\b.{0,20}\bstrava\b",
)
_SYNC_VERBS = (
    r"\b(sync|re-?sync|pull|fetch|get|import|update|download|refresh|grab|bring|connect|load"
    r"|come through)\b"
)
_IMPORT_ASK = (
    r"\b(import|upload|add|load|send|transfer)\b.*\b(fit|gpx|tcx|files?|export|garmin|watch"
    r"|coros|polar|suunto|wahoo|zip|device)\b",
    r"^ (import|upload)\b",
    r"\b(gpx|tcx)\b|\bfit (files?|data)\b",
    r"\b(get|bring|move|put|transfer)\b.{0,30}\b(into|in to|onto|on to) (the app|coach g|here"
    r"|this( app)?|you)\b",
    # "bring over my old Garmin history", "migrate my runs across from Polar"
    r"\b(bring|move|carry|port|migrate|transfer)\b( \w+)?( over| across)\b.{0,30}\b(garmin"
    r"|coros|polar|suunto|wahoo|watch|history|data|activities|runs)\b",
    r"\bmigrate\b.{0,30}\b(garmin|coros|polar|suunto|wahoo|watch|history|data|activities|runs)\b",
)

_RESEARCH = r"\b(research|study|studies|evidence|science|scientific)\b"
_KNOWLEDGE_WORDS = (
    r"\b(why|explain|myths?|tips?|advice|recommend\w*|benefits?|risks?|pros and cons|worth it"
    r"|the deal with|is it true|understand|drills?|exercises? (for|to)|ways? to|a problem"
    r"|bad for|good for|difference between|the difference|what does \w+ mean|meaning of)\b"
    r"|\bhow (do|can|should) i (stop|improve|fix|avoid|prevent|reduce|increase|correct)\b"
)
_QUESTION = (
    r"^ (what|what's|how|how's|is|are|does|do|can|should|which|when|will|would)\b"
    r"|\b(what is|what's|what are|what does|how do i|how can i|how to|how should|should i"
    r"|is it (bad|good|ok|okay|normal|better|safe))\b"
)
_TOPICS = (
    r"\b(cadence|stride|overstrid\w*|strike|striking|striker|forefoot|midfoot|heel|contact"
    r"|oscillation|bounce|pelvic|pelvis|hip drop|trunk|lean|posture|arms?|knees?|hips?"
    r"|glutes?|ankles?|economy|form|technique|gait|shoes?|carbon|drills?|warm ?up|stretch\w*"
    r"|injur\w*|shin splints|barefoot|treadmill|land|landing|duty factor|flight time"
    r"|step rate|steps per minute|hills?|downhill|uphill|breathing|pace|tempo|intervals?"
    r"|marathon|recovery|run|running|runners?|(over|under)?pronat\w*|supinat\w*|bouncing"
    r"|arch(es)?|orthotics?"
    # physiology and training terms
    r"|doms|lactate|lactic|threshold|vo2 ?max|vo2|zones?|aerobic|anaerobic|heart rate|hrv"
    r"|max hr|glycogen|mitochondria\w*|capillar\w*|fartlek|strides|taper\w*|carb\w*"
    r"|periodi[sz]ation|base (building|training)|polari[sz]ed|easy runs?|long runs?"
    r"|muscle soreness|cramps?|hydration|electrolytes?)\b"
)
#: Questions about the world, not running: no knowledge search answers them.
_OFF_TOPIC = (
    r"\bweather (going to|gonna|be like|like|forecast|today|tomorrow|tonight|this)\b|\bforecast\b"
    r"|\bwill it (rain|snow|be (hot|cold|windy|sunny|wet))\b"
)
_MY_DATA = (
    r"\b(did|have|had) i\b|\bi did\b",
    r"\b(show|list|pull up|display) (me|my|it|them)\b",
    r"\bhow (much|many|far|long|often|active)\b(?!.*\bshould\b)",
    r"\bmy (last|latest|recent|previous|most recent)\b",
    r"\bmy (longest|fastest|furthest|farthest|biggest|shortest|slowest|quickest|best|worst)\b",
    r"\b(what|which|when)( \w+)? (was|were) my\b",
    r"\bhow did (my|the|that|it|i)\b|\b(mon|tues|wednes|thurs|fri|satur|sun)day's\b",
    r"\bmy (\w+ )?(runs|rides|swims|walks|hikes|activities|workouts|sessions|training|log"
    r"|mileage|volume|distance|km)\b",
)
_RECALL = r"\bwhat did (we|you) (find|say|see|notice)\b|\blast time\b"

_DATA_WORDS = (
    r"\b(activities|activity|workouts?|sessions?|training|log|logged|km|kilometers?|kilometres?"
    r"|miles?|mileage|distance|volume|totals?|runs|runnings|rides|swims|walks|hikes|jogs|trips|stats)\b"
)
_DATA_QUESTIONS = (
    r"\bhow (much|many|far|long|often|active)\b|\bnumber of\b",
    r"\bwhat (did|have) i\b",
    r"\b(did|have) i (go|been|run|ran|ride|rode|swim|swam|walk|hike|train|do|done|work|bike"
    r"|cycle|jog)",
    r"\bwhen did i\b",
    r"\bget up to\b",
    r"\b(longest|fastest|furthest|farthest|biggest|shortest|slowest)\b",
)
_SHOW = r"\b(show|list|see|view|give|tell|pull up|display|recap)\b"


# -- reading details ----------------------------------------------------------------------


_COUNTS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
#: Numbers a height may be written in: "six foot two", "five feet eleven".
_HEIGHT_WORDS = {word: n for word, n in _COUNTS.items() if n <= 11}
_SMALL = r"(\d{1,2}|" + "|".join(_HEIGHT_WORDS) + ")"


def _small(number: str | None) -> int:
    return 0 if number is None else int(number) if number.isdigit() else _HEIGHT_WORDS[number]


def _height_cm(text: str) -> float | None:
    """A height in centimetres ("180cm", "180 centimetres"), metres ("1.80 m", "1m80", "1 metre
    80") or feet and inches, in figures or words ("5'10", "6 ft 1", "six foot", "six foot two")."""
    if m := re.search(r"\b(1\d\d|2[0-2]\d)\s?(?:cm|centimet(?:re|er)s?)\b", text):
        return float(m[1])
    if m := re.search(r"\b(1[.,]\d{1,2})\s?(?:m|metres?|meters?)\b(?!in)", text):
        return round(float(m[1].replace(",", ".")) * 100, 1)
    if m := re.search(r"\b1\s?(?:m|metres?|meters?)\s?(\d{2})\b(?!\s?(?:fps|frames|kg|km))", text):
        return 100.0 + int(m[1])
    feet = r"\b([4-7]|four|five|six|seven)\s?(?:ft|foot|feet|')"
    if m := re.search(rf"{feet}(?:\s?(?:and )?{_SMALL}(?!\s?(?:fps|frames|km|miles?))\b)?", text):
        inches = _small(m[1]) * 12 + _small(m[2])
        return round(inches * 2.54, 1)
    return None


def _fps(text: str) -> float | None:
    """The frame rate named; slow motion without a rate is left to the file's own metadata."""
    if m := re.search(r"\b(\d{2,3})\s?(?:fps|frames ?(?:per|/|a) ?s(?:ec(?:ond)?)?)\b", text):
        return float(m[1])
    return None


def _view(text: str) -> str | None:
    if _has(text, r"\b(rear|behind|back view|from the back|back-on)\b"):
        return "rear"
    if _has(text, r"\b(side|sideways|profile|side-on|sagittal)\b"):
        return "side"
    return None


def _sport(text: str) -> str | None:
    found = [sport for sport, pattern in _SPORTS if re.search(pattern, text)]
    return found[0] if len(found) == 1 else None


_ITEMS = r"(?:runs|rides|swims|walks|hikes|activities|workouts|sessions)"
_NEWEST = r"(?:last|latest|most recent|recent|newest|previous)"


def _limit(text: str) -> int | None:
    """How many of the newest activities: "my last 3 runs", "my 5 most recent activities"."""
    count = r"(\d{1,3}|" + "|".join(_COUNTS) + ")"
    if m := re.search(
        rf"\b(?:{_NEWEST}|past|my|the) {count} (?:{_NEWEST} )?(?:\w+ )?{_ITEMS}", text
    ):
        return int(m[1]) if m[1].isdigit() else _COUNTS[m[1]]
    if m := re.search(rf"\b{count} {_NEWEST} {_ITEMS}", text):
        return int(m[1]) if m[1].isdigit() else _COUNTS[m[1]]
    if re.search(rf"\b{_NEWEST} (\w+ )?(run|ride|swim|walk|hike|activity|workout|session)\b", text):
        return 1
    return None


# -- deciding -----------------------------------------------------------------------------


def _declined(text: str) -> bool:
    return _has(text, *_DECLINE) or (
        _has(text, _PAIN) and _has(text, _WHATS_WRONG, _CONDITION_QUESTION)
    )


def _only_smalltalk(text: str) -> bool:
    words = re.findall(r"[a-z']+", text)
    return bool(words) and all(word in _SMALLTALK_WORDS for word in words)


def _attached(text: str, attachments: list[str]) -> Route:
    videos = [a for a in attachments if Path(a).suffix.lower() in VIDEO_TYPES]
    files = [a for a in attachments if Path(a).suffix.lower() in ACTIVITY_TYPES]
    if videos:
        args: dict[str, Any] = {"video_path": videos[0]}
        if view := _view(text):
            args["view"] = view
        if (height := _height_cm(text)) is not None:
            args["height_cm"] = height
        if (fps := _fps(text)) is not None:
            args["fps"] = fps
        return Route("tool", "analyze_run_video", args, 0.97, "a video is attached")
    if files:
        return Route("tool", "import_activities", {"paths": files}, 0.97, "activity files attached")
    return Route("clarify", reason="unsupported attachment")


def _strava(text: str) -> Route | None:
    if _has(text, *_STRAVA_FILE):
        return Route("clarify", "import_activities", confidence=0.9, reason="a Strava export file")
    if _has(text, r"\bstrava\b") and _has(text, _SYNC_VERBS):
        full = _has(text, r"\b(all|everything|full|whole|entire|complete|from scratch|history)\b")
        return Route("tool", "sync_strava", {"full": full} if full else {}, 0.95, "Strava sync")
    if _has(text, r"^ (re-?)?sync\b", r"\b(re-?)?sync (my|now|please|again|it|up)\b"):
        return Route("tool", "sync_strava", {}, 0.85, "sync")
    return None


def _knowledge(text: str) -> bool:
    """A question about running in general (or what was found before), not about my data."""
    if _has(text, _RECALL):
        return True
    if _has(text, _OFF_TOPIC):
        return False
    asks = _has(text, _RESEARCH) or (
        _has(text, _KNOWLEDGE_WORDS, _QUESTION) and _has(text, _TOPICS)
    )
    dated_mine = _has(text, r"\bmy\b") and parse_dates(text, date.today())
    return asks and not (_has(text, *_MY_DATA) or dated_mine)


def _listing(text: str, today: date) -> Route | None:
    dates = parse_dates(text, today)
    sport = _sport(text)
    limit = _limit(text)
    about_data = _has(text, _DATA_WORDS, *_DATA_QUESTIONS)
    mine = _has(text, _SELF)
    if not (
        limit
        or (about_data and (mine or dates))
        or (dates and (sport or _has(text, _SHOW, r"^ anything\b")))
        or (sport and mine and _has(text, _SHOW))
    ):
        return None
    args: dict[str, Any] = dates.as_args() if dates else {}
    if sport:
        args["sport"] = sport
    if limit:
        args["limit"] = limit
    return Route("tool", "list_activities", args, 0.9 if about_data else 0.75, "activities")


def route(message: str, attachments: list[str] | None = None, today: date | None = None) -> Route:
    """Propose what to do with ``message``."""
    today = today or date.today()
    attachments = list(attachments or [])
    text = normalise(message)

    if _has(text, _RED_FLAGS):
        return Route("decline", confidence=0.95, reason=RED_FLAG)
    if _declined(text):
        return Route("decline", confidence=0.95, reason="outside what Coach G may do")
    if attachments:
        return _attached(text, attachments)
    if _has(text, *_HELP):
        return Route("help", confidence=0.9, reason="help")
    if _only_smalltalk(text):
        return Route("smalltalk", confidence=0.9, reason="small talk")
    if _has(text, *_VIDEO_ASK) or (_has(text, _VIDEO_REFERENCE) and not _has(text, _RECALL)):
        return Route("clarify", "analyze_run_video", confidence=0.9, reason="needs the video")
    if proposed := _strava(text):
        return proposed
    if _has(text, *_IMPORT_ASK):
        return Route("clarify", "import_activities", confidence=0.9, reason="needs the files")
    for tool, patterns in _COMING.items():
        if _has(text, *patterns):
            return Route("coming_soon", tool, confidence=0.9, reason=f"{tool} is not built yet")
    if _knowledge(text):
        return Route(
            "tool", "search_knowledge", {"query": message.strip()}, 0.8, "a question of knowledge"
        )
    if proposed := _listing(text, today):
        return proposed
    if m := re.search(_HOW_WAS_MY, text):
        # Until weekly check-ins exist, "how was my week?" is best answered by that week's list.
        period = "this weekend" if m["period"] == "weekend" else f"this {m['period']}"
        dates = parse_dates(" " + period + " ", today)
        return Route("tool", "list_activities", dates.as_args() if dates else {}, 0.7, period)
    if _has(text, _GREETING, _THANKS):
        return Route("smalltalk", confidence=0.85, reason="greeting or thanks")
    if (dates := parse_dates(text, today)) and _has(text, _SELF):
        return Route("tool", "list_activities", dates.as_args(), 0.6, "a date with no other clue")
    return Route("unknown", reason="no intent recognised")
