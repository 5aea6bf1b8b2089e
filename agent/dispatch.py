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

#: The least probability at which the router's second reading is taken instead of its first,
#: when only the second answers the kind of question asked.
ANSWERING_ALTERNATIVE = 0.01
#: A reading this sure stands, if its tool answers the kind of question at all.
CLEAR = 0.9
#: A question about the athlete themselves ("should I ...", "is my ...").
PERSONAL = re.compile(r"\b(i|my|me|i'm|am i|mine|myself|she|he|her|his)\b")
#: Kinds of question that only a tool with findings for them can answer.
VERDICTS = frozenset({"judgement", "should", "what_next"})


def for_the_question(proposed: Route, message: str, named: bool, today: date) -> Route:
    """The proposed tool, or the likeliest other read-only tool that answers the kind of
    question asked ("was that week too big a jump?" wants a verdict, not a listing); a
    verdict about the athlete ("should I race this weekend?") comes from their data, not
    from the general notes."""
    spec = get_tool(proposed.tool or "")
    personal = named or bool(PERSONAL.search(normalise(message)))

    dated = bool({"since", "until"} & proposed.args.keys())

    def fits(other: ToolSpec) -> bool:
        answers = other.answers | (other.dated_answers if dated and other is spec else set())
        return proposed.answer in answers and (other.reads_athlete or not personal)

    if not proposed.sure and proposed.answer in VERDICT_KINDS and fits(spec):
        others = [TOOLS.get(n) for n, _ in proposed.alternatives if n != spec.name][:1]
        if others and others[0] is not None and fits(others[0]):  # either gives the verdict
            proposed.confidence = max(proposed.confidence, SURE)
            return proposed
    if proposed.answer not in VERDICTS or (fits(spec) and proposed.sure):
        return proposed
    if proposed.answer in spec.answers and proposed.confidence >= CLEAR:
        return proposed  # "is it normal for my feet to land differently?": the notes
    if spec.writes or spec.flow is not None:
        return proposed
    for name, probability in proposed.alternatives:
        other = TOOLS.get(name)
        if other is None or other is spec or other.writes or other.file_arg:
            continue
        if probability >= ANSWERING_ALTERNATIVE and fits(other):
            sure = max(probability, SURE)  # the one likely reading that can answer it
            better = for_tool(name, normalise(message), message, today, sure)
            better.answer = proposed.answer
            return better
    if fits(spec) and not spec.writes:  # the one reading that can give the verdict asked for
        proposed.confidence = max(proposed.confidence, SURE)
    return proposed


#: The reason a route gives when a loaded model proposed it (see ``Coach._ask_model``).
MODEL = "the model"


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
