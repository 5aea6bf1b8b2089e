"""Which tool answers the question: the router's reading, or, when the question wants a verdict
the read tool can't give ("was that week too big a jump?" read as a listing), the likeliest other
reading that can; a verdict about the athlete comes from their own data, not the general notes."""

from __future__ import annotations

import re
from datetime import date

from agent.question import VERDICT_KINDS
from agent.reading import normalise
from agent.router import SURE, Route, for_tool
from tools.registry import TOOLS, get_tool
from tools.spec import ToolSpec

#: A reading this sure stands, if its tool answers the kind of question at all.
CLEAR = 0.9
#: The general notes answer a personal should-question about a topic they cover ("should I try
#: to raise my cadence?", with their short answer and the runner's own numbers) when the
#: router reads them this clearly; less clearly, the athlete's data gives the verdict.
NOTES_CLEAR = 0.6
#: A question about the athlete themselves ("should I ...", "is my ...").
PERSONAL = re.compile(r"\b(i|my|me|i'm|am i|mine|myself|she|he|her|his)\b")
#: The least probability at which another reading is taken instead of the first, when only
#: it answers the kind of question asked (a question not about the athlete).
ANSWERING_ALTERNATIVE = 0.01
#: The least probability of a reading that finds the record asked for ("her longest run").
RECORD_READING = 0.05
#: Kinds of question that only a tool with findings for them can answer.
VERDICTS = frozenset({"judgement", "should", "what_next"})
#: What the athlete did: a record of these is looked up in their data, not in the notes
#: ("quickest run pace-wise?", "heaviest squat").
ACTIVITY = re.compile(
    r"\b(runs?|rides?|swims?|walks?|hikes?|weeks?|months?|years?|\d+ ?k|\d+ ?km|half|marathon"
    r"|races?|sessions?|lifts?|squat\w*|deadlift\w*|bench\w*)\b"
)
#: A should-question, and one that asks for a write ("should I log my squats here?").
_SHOULD = re.compile(r"\b(should|shall)\b")
_A_REQUEST = re.compile(
    r"\b(should|shall)\s+(?:[a-z]+\s+)?(log|save|import|sync|upload|record|store|link|connect"
    r"|enter|put|add (this|these|it|that|them)|make|build|create|start|plan|do (my|the|this|a)"
    r" (week|check))\b"
)


def advice_on_a_write(text: str) -> bool:
    """A should-question about doing something, not a request to do it ("should Bob add a
    third strength day?" wants advice; "should I log my squats here?" is a request)."""
    return bool(_SHOULD.search(text)) and not _A_REQUEST.search(text)


#: A year written out: a should-question that names one looks back ("should I have ... in 2024?").
_YEAR = re.compile(r"\b(19|20)\d\d\b")


def _looking_ahead(proposed: Route, message: str) -> Route:
    """A should-question is about now and what comes next: "should I race a half next month?",
    "a 30k this saturday?" are judged from the training up to today, not from a period read
    out of the future's dates (a month alone reads as the last one gone)."""
    ahead = proposed.answer == "should" or "proposed_km" in proposed.args
    if ahead and not _YEAR.search(message):
        for dated in ("since", "until"):
            proposed.args.pop(dated, None)
    return proposed


def _record_reading(proposed: Route, text: str) -> str | None:
    """Another likely reading whose ``order`` reader finds the record asked for ("her longest
    run this year", "Ann's biggest week"), when the router's own reading finds none."""
    if "order" in proposed.args:
        return None
    for name, probability in (proposed.ranking or proposed.alternatives)[:3]:
        other = TOOLS.get(name)
        if other is None or name == proposed.tool or other.writes or probability < RECORD_READING:
            continue
        if (reader := other.readers.get("order")) is not None and reader(text):
            return name
    return None


def for_the_question(proposed: Route, message: str, named: bool, today: date) -> Route:
    """The proposed tool, or the likeliest other read-only tool that answers the kind of
    question asked ("was that week too big a jump?" wants a verdict, not a listing); a
    verdict about the athlete ("should I race this weekend?") comes from their data, not
    from the general notes."""
    spec = get_tool(proposed.tool or "")
    text = normalise(message)
    personal = named or bool(PERSONAL.search(text))
    proposed = _looking_ahead(proposed, message)
    readings = proposed.ranking or proposed.alternatives

    dated = bool({"since", "until"} & proposed.args.keys())

    def fits(other: ToolSpec) -> bool:
        answers = other.answers | (other.dated_answers if dated and other is spec else set())
        return proposed.answer in answers and (other.reads_athlete or not personal)

    if not proposed.sure and proposed.answer in VERDICT_KINDS and fits(spec):
        others = [TOOLS.get(n) for n, _ in proposed.alternatives if n != spec.name][:1]
        if others and others[0] is not None and fits(others[0]):  # either gives the verdict
            proposed.confidence = max(proposed.confidence, SURE)
            return proposed
    if proposed.answer == "extreme" and (recorder := _record_reading(proposed, text)):
        better = for_tool(recorder, text, message, today, SURE)  # "ann's biggest week this year"
        better.answer = proposed.answer
        return better
    if proposed.args.get("order") and proposed.confidence >= CLEAR:
        return proposed  # "is my 10k time good?": the record, and what can be said of it
    record = proposed.answer == "extreme" and bool(ACTIVITY.search(text))
    if record and not spec.reads_athlete and proposed.confidence < CLEAR:
        personal = True  # "quickest run pace-wise?": a record of theirs, not of the notes
    elif proposed.answer not in VERDICTS or (fits(spec) and proposed.sure):
        return proposed
    clear = CLEAR if spec.reads_athlete else NOTES_CLEAR
    if proposed.answer in spec.answers and proposed.confidence >= clear:
        return proposed  # "is it normal for my feet to land differently?": the notes
    if (spec.writes or spec.flow is not None) and not advice_on_a_write(text):
        return proposed
    for name, probability in readings:
        other = TOOLS.get(name)
        if other is spec and fits(spec):
            break  # the first reading that answers it is the router's own
        if other is None or other is spec or other.writes or other.file_arg:
            continue
        # the likeliest reading that can answer it; about the athlete ("should I ...?"),
        # however unlikely, since only their data can give the verdict
        if (probability >= ANSWERING_ALTERNATIVE or personal) and fits(other):
            sure = max(probability, SURE)
            better = for_tool(name, text, message, today, sure)
            better.answer = proposed.answer
            return _looking_ahead(better, message)
    if fits(spec) and not spec.writes:  # the one reading that can give the verdict asked for
        proposed.confidence = max(proposed.confidence, SURE)
    return proposed


#: The reason a route gives when a loaded model proposed it (see ``Coach._ask_model``).
MODEL = "the model"
#: An unsure reading is answered rather than asked about when its tool only reads, it has at
#: least this probability and it is this many times as likely as the next reading: a wrong
#: look-up costs a rephrase, a "did you mean" costs every time.
DECISIVE, AHEAD = 0.35, 1.5


def decisive(proposed: Route) -> Route:
    """``proposed``, made sure when it is a clear favourite among unsure readings of a tool
    that only reads ("what was my avg heart rate in the 2018 nyc marathon": the listing)."""
    if proposed.sure or proposed.kind != "tool" or proposed.reason == MODEL:
        return proposed
    spec = get_tool(proposed.tool or "")
    if spec.writes or spec.flow is not None or spec.file_arg:
        return proposed
    readings = proposed.ranking or proposed.alternatives
    second = next((p for name, p in readings if name != proposed.tool), 0.0)
    if proposed.confidence >= DECISIVE and proposed.confidence >= AHEAD * second:
        proposed.confidence = SURE
    return proposed


def for_the_kind(proposed: Route, message: str, today: date) -> Route:
    """An unsure reading of a question whose kind only one tool answers from the athlete's
    own data ("gimme the one thing to fix": what to work on) goes to that tool."""
    if (proposed.sure and proposed.kind == "tool") or proposed.reason == MODEL:
        return proposed  # a loaded model's reading stands
    if proposed.kind not in ("tool", "unknown") or proposed.answer != "what_next":
        return proposed
    answering = [
        spec.name
        for spec in TOOLS.values()
        if spec.available
        and spec.reads_athlete
        and not spec.writes
        and "what_next" in spec.answers
        and spec.findings_lead
    ]
    if len(answering) != 1:
        return proposed
    route = for_tool(answering[0], normalise(message), message, today, SURE)
    route.answer = proposed.answer
    return route
