"""The safety rules, run first on every message and deterministic: red-flag symptoms get "see a
doctor"; other people's data, secrets, attempts to change Coach G's instructions and requests for
a diagnosis are declined, and a medication question gets who to ask instead (the words and the
answer are ``knowledge.scope.MEDICATION``'s), whatever else the message asks."""

from __future__ import annotations

from agent.reading import has
from knowledge.pain import PAIN_WORDS
from knowledge.scope import MEDICATION_WORDS

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
    r"\b(fastest|slowest|best|top|strongest) (users?|runners?|athletes?|members?|people) (on|in|of"
    r"|using) (this|the) (app|site|platform|server)\b",
    r"\b\w+'s (home )?(address|phone( number)?|mobile|email|date of birth|birthday|password)\b",
    r"\bsomeone else'?s\b",
    r"\b(user|athlete|account) (number |no\.? |#)?\d+\b",
    r"\b(user|athlete|account|member) (with )?(the )?(user ?)?(id|number|no\.?|#) ?\d+\b",
    rf"\bmy ({_OTHERS})'s\b",
    # "what did my training partner run", "how far has my wife gone", "is my friend faster"
    rf"\b(did|does|do|has|have|is|was|were) my ({_OTHERS})\b(?! and (i|me)\b)",
    r"\bdelete (all|every|everyone)",
    # secrets
    r"\b(api|oauth|strava|auth|bearer|session)[ _-]?tokens?\b",
    r"\b(logins?|log-?in details|sign-?in details|passwords?|api[ _-]?keys?|access[ _-]?tokens?"
    r"|refresh[ _-]?tokens?|client[ _-]?secrets?"
    r"|credentials|secret keys?|private keys?)\b",
    r"\b(admin|root|superuser)\b.{0,20}\b(login|account|access)\b",
    r"\byour (config|configuration|source code|env)\b|\benvironment variables\b",
    r"(^|\s)\.env\b|\benv (file|vars?)\b|\b(config|settings|secrets?) files?\b",
    # diagnosis and medication
    r"\bdiagnos(e|is|ing)\b",
    r"\b(do i have|is (it|this|that)|could (it|this|that) be|sounds like)\b.{0,30}(fracture"
    r"|tendin|tendon|fasciitis|splints|syndrome|torn|tear|sprain|strain|bursitis|arthritis|injur"
    r"|labral|meniscus|impingement|hernia)",
    r"\bis (it|this|my \w+) (broken|fractured|torn|sprained|serious|infected)\b",
    r"\btell me what (i have|it is|this is|is wrong)\b|\bwhat do i have\b",
    rf"\b(tore|torn|pulled|strained|sprained|broke|fractured|twisted|ruptured) my (\w+ )?{_BODY}",
)
_PAIN = PAIN_WORDS
#: Symptoms during or after exercise that need a doctor, not a running coach, whatever is asked.
RED_FLAG = "a symptom that needs a doctor"
OUTSIDE = "outside what Coach G may do"
#: Medicines and doses: answered with who to ask (``knowledge.scope.MEDICATION``).
MEDICATION = "a medication question"
#: A meal, diet or fuelling plan asked for: who to ask (``knowledge.scope.NUTRITION``); a
#: question about nutrition research goes to the notes, which answer it the same way.
NUTRITION = "a nutrition plan"
_NUTRITION_PLAN = (
    r"\b(meal|diet|nutrition|food|eating|fuell?ing|carb[- ]?load\w*|hydration|calorie)"
    r" ?(plan|schedule|guide|programme|program|routine)s?\b"
)
_RED_FLAGS = (
    r"\bchest (pain|pains|tight\w*|pressure|hurts?)\b|\b(tight|pain in( my)?|pressure in( my)?) "
    r"(my )?chest\b(?! straps?)"
    r"|\b(crushing|squeezing|tight\w*|heavy|pressing|burning|stabbing|sharp)\b[\w\s,]{0,25}"
    r"\b(in|on|across|around) (my |the )?chest\b(?! straps?)"
    r"|\b(dizzy|dizziness|light-?headed|faint(ed|ing)?|passed out"
    r"|black(ed)? out|palpitations?|irregular heart ?beat"
    r"|heart (was |is |keeps |kept )?(racing|skipping|pounding|flutter\w*)"
    r"|short(ness)? of breath|can'?t (catch my )?breathe?)\b"
    # blood where it should not be
    r"|\b(cough\w*|spit\w*|vomit\w*|throw\w* up|pee\w*|urin\w*|poo\w*)\b.{0,20}\bblood\b"
    r"|\bblood (in|when) (my )?(pee|urine|stool|poo|cough)"
    # a swollen, hot or red calf (a clot after a flight or a long sit)
    r"|\bcalf\b.{0,30}\b(swollen|swelling)\b.{0,30}\b(hot|red|warm)\b"
    r"|\b(swollen|swelling)\b.{0,20}\b(hot|red|warm)\b.{0,30}\bcalf\b"
)
#: A condition named as a question ("stress fracture?"): a diagnosis request beside a symptom.
_CONDITION_QUESTION = (
    r"\b(stress fracture|fracture|tendinitis|tendinopathy|tendonitis|fasciitis|shin splints"
    r"|torn \w+|\w+ tear|sprain|bursitis|itbs|it band syndrome|impingement)\s?\?"
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


def check(text: str) -> str | None:
    """Why the (normalised) message must not go to a tool, or None when it may."""
    if has(text, _RED_FLAGS):
        return RED_FLAG
    if has(text, *_DECLINE):
        return OUTSIDE
    if has(text, MEDICATION_WORDS):
        return MEDICATION
    if has(text, _NUTRITION_PLAN):
        return NUTRITION
    if has(text, _PAIN) and has(text, _WHATS_WRONG, _CONDITION_QUESTION):
        return OUTSIDE
    return None
