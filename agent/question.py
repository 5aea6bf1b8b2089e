"""What kind of answer a message wants, read once per message: an extreme (longest, fastest), a
judgement (is X ok, too much), a trend (how is X going), should-I advice, what-next (what to work
on, how am I doing), a listing, or a lookup. The composer leads with the tool's finding for that
kind; a listing or lookup gets the tool's full reply.
"""

from __future__ import annotations

import re

from agent.reading import has

WHAT_NEXT = (
    r"\bwhat (should|do|can|could|does) (\w+) (need to )?(work on|focus on|improve|change|fix"
    r"|do next|be doing)\b",
    r"\bhow (am i|are we|is (she|he|\w+)) doing\b|\bhow('s| is| are) (my|her|his|\w+'s) "
    r"(running|training|season) (going|looking)\b",
    r"\b(one|main|biggest|first) thing (to|i should|she should|he should) (fix|work on|change"
    r"|improve)\b|\bwhere (should|do|can) i (start|improve)\b|\bpriorit\w*\b"
    r"|\bwhat('s| is) (my|her|his) (weakness|weak spot|limiter)\b",
    r"\bany (advice|tips|suggestions)\b(?! (on|about|for) )",
    r"^\W*(ok(ay)?\W+|so\W+)?what('?s| is)? (next|now)\b(?! (week|month|year|race|run|session))",
    r"\b(rundown|run-down|overview|status update|quick update|catch-?up) (on|of|for) "
    r"(?!my\b|me\b|the\b|this\b|that\b|it\b)\w+",  # a coach's "a rundown on Sam"
)
SHOULD = (
    r"^\W*(should|shall|can|could|may|must) (i|we|she|he)\b",
    r"^\W*(should|shall) (?!you\b|u\b|it\b|that\b|this\b)[a-z]+ \w",  # "should Ann race?"
    # a should-question after a sentence of context: "haven't run much. should i race?"
    # ("what should I do this week?", "how far should I run?" ask for a plan, not a verdict)
    r"(?<!what )(?<!how )(?<!which )(?<!when )(?<!where )(?<!far )(?<!much )(?<!long )"
    r"\b(should|shall) (i|we|she|he)\b(?! (be )?(worried|worry|concerned))",
    r"\b(is it|would it be) (ok|okay|safe|wise|smart|fine|sensible|better) to\b",
    r"\b(ok|okay|safe|fine) (for (me|her|him) )?to (run|race|train|go)\b",
    r"\bdo (i|you think i) need (a|to)\b",
    # a plan put forward for a verdict: "thinking of jumping into a half this weekend",
    # "was thinking I'd push up to 100 km next week. good idea?"
    r"\b(thinking (of|about)|planning (to|on)|was thinking i'?d|(i'?d like to|i want to"
    r"|i'?m going to|gonna) (run|race|try|push|add|increase|sign up|jump|do a|go for))\b",
)
JUDGEMENT = (
    r"\b(too|enough) (much|many|long|fast|far|soon|big|little|few|short|slow|high|low|hard"
    r"|easy|quick)\b|\btoo (much|many|long|fast|far|soon|big|little|few|short|slow|high|low"
    r"|hard|easy|quickly|quick|steep|steeply|early|aggressive\w*|rapid\w*)\b",
    r"\bover ?(train|do|reach|cook)\w*\b|\bdoing too\b",
    r"\b(is|are|was|were|am|looks?) (my|her|his|the|this|that|it|i|\w+'s)\b.{0,40}\b(ok|okay"
    r"|fine|good|bad|normal|healthy|right|alright|reasonable|sensible|high|low|a problem"
    r"|an issue|concerning|worrying|a jump|a spike|sustainable)\b",
    r"\b(is|are|was) (that|this|it) (a lot|ok|okay|normal|bad|good|too|dumb|stupid|reckless"
    r"|crazy|risky|silly|smart|wise|sensible|safe|excessive|aggressive|a mistake|overkill)\b",
    r"\b(ok|okay|fine|alright|reasonable|sensible|safe|a lot|too much) for (my|her|his|the|that"
    r"|this|their|a) (week|block|build|level|plan)\b",
    r"\b(a )?(dumb|bad|good|smart|stupid|wise|silly|reasonable|sensible|risky) (idea|move|plan"
    r"|call|thing)\b|\ba mistake\b",
    r"\b(a )?(better|worse|bigger|stronger|weaker) (year|month|week|season|block)\b",
    r"\b(a )?(safe|big|small|sensible|reasonable|huge|risky) (step|jump|increase|build)\b",
    r"\b(is|was|are|were|am)\b.{0,60}\benough\b",  # "was August enough for a marathon?"
    # a plan put forward, then "ok?": "squats twice a week alongside running, ok?"
    r"[,.-]\s*(is that |is this |that |this )?(ok|okay|alright|fine|wise|sensible|smart|safe"
    r"|doable|realistic)\s*\?\W*$",
)
EXTREME = (
    # "who squats heavier, Ann or Bob?": a record set side by side
    r"^\W*(who|which (one|of them|athlete))\b.{0,40}\b(heavier|longer|further|farther|faster"
    r"|quicker|stronger|more|bigger|higher)\b",
    r"\b(longest|furthest|farthest|fastest|quickest|slowest|biggest|largest|hardest|heaviest"
    r"|highest|lowest|best|worst|most|least|pb|pbs|pr|prs|personal (best|record)s?)\b",
)
TREND = (
    r"\b(trend\w*|progress\w*|improv\w*|chang(e|ed|es|ing)|evolv\w*|creep\w*|drift\w*"
    r"|over the years|mov(e|ed|ing) (through|over"
    r"|across|during)|going|getting (better|worse|faster|slower|fitter|longer|shorter|stronger"
    r"|weaker|heavier|bigger|smaller|higher|lower|more|less)|over time|lately|recently|since)\b",
    r"\b(gone|went|going|come|came|trending) (up|down)\b|\b(rising|risen|falling|fallen"
    r"|increasing|decreasing|climbing|dropping)\b",
    r"\bhow (did|has|have|does) .{0,40}\b(go|develop\w*|grow\w*|shift\w*) (from|over|since|between"
    r"|through|across)\b",
)
LISTING = (
    r"\b(list|show|display|all (my|her|his)|last \d+|last (two|three|four|five|ten)"
    r"|what did (i|she|he)|what have (i|she|he)|which (runs|activities|sessions))\b",
)
KINDS = (
    ("what_next", WHAT_NEXT),
    ("should", SHOULD),
    ("judgement", JUDGEMENT),
    ("extreme", EXTREME),
    ("trend", TREND),
    ("listing", LISTING),
)
#: Kinds whose answer leads with a verdict, not a list of figures.
VERDICT_KINDS = frozenset({"what_next", "should", "judgement", "extreme", "trend"})
#: "show me the numbers": the whole reply behind the last verdict.
NUMBERS = re.compile(
    r"^\W*(ok(ay)?\W+)?(show|give|tell|see)( me)? (all )?(the )?(full |whole |raw )?"
    r"(numbers|figures|details|data|stats|breakdown)\b|^\W*(all|full|the) (the )?(numbers|figures"
    r"|details)\W*$",
    re.I,
)


def answer_kind(text: str) -> str:
    """The kind of answer the (normalised) message wants; "lookup" when nothing else fits."""
    return next((kind for kind, patterns in KINDS if has(text, *patterns)), "lookup")
