"""Replies: the template of each tool result (from its spec), help generated from the registry,
and a language model's draft rendered from facts by name.

A model never writes a number or a scope. Its draft refers to facts by name (``{total_distance}``)
and this renderer writes each value with its unit; a draft with a figure of its own, a fact name
that does not exist, or a period, sport or person that the turn's facts are not about is
rejected, and the template answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from agent.dates import MONTHS
from agent.extractors import SPORTS
from agent.question import VERDICT_KINDS
from agent.reading import word_set
from tools.confidence_words import STATE_BELOW
from tools.markdown import escape, safe_reply
from tools.registry import TOOLS
from tools.reply import standard_reply
from tools.result import RELIABLE, Finding, ToolResult


def compose(result: ToolResult, kind: str = "lookup", question: str = "") -> str:
    """The template reply for one tool result; one about a coach's athlete is headed by their
    name and says "Ann's" where the athlete would read "your". A question that wants a verdict
    (``kind``, see :mod:`agent.question`) gets the result's findings for it first, when it has
    some, and the full figures one step away."""
    spec = TOOLS.get(result.tool)
    wanted = result.ok and (kind in VERDICT_KINDS or bool(spec and spec.findings_lead))
    findings = result.rendered_findings(kind, question) if wanted else []
    if SAFE_FRAMING.search(question) and not TOO_FRAMING.search(question):
        findings = [_other_way(f) if f.polar else f for f in findings]
    if ENOUGH.search(question) and not TOO_FRAMING.search(question):  # "enough for a marathon?"
        findings = [f for f in findings if not f.polar]  # "too much?" answers no "enough?"
    if not result.ok:
        text = standard_reply(result)
    elif findings:
        text = finding_reply(result, findings, kind)
    else:
        text = spec.phrase(result) if spec and spec.phrase else standard_reply(result)
        if kind in CANT_JUDGE and spec and kind not in spec.answers:  # said, and no dump
            text = f"{CANT_JUDGE[kind]} {spec.summary}; here is what I found.\n\n{_short(text)}"
    if athlete := result.data.get("athlete"):
        text = f"**{escape(athlete)}**\n{_theirs(text, escape(athlete))}"
    return text


#: A question asked the positive way ("was it a safe step up?", "is that ok?"), and one asked
#: the negative way ("too much?"), whose "Yes" means the opposite.
SAFE_FRAMING = re.compile(
    r"\b(safe|ok|okay|fine|alright|reasonable|sensible|sustainable|manageable|healthy)\b", re.I
)
TOO_FRAMING = re.compile(r"\b(too|over\w*|risky|dangerous|excessive|a jump|a spike)\b", re.I)


#: "Was August enough training for a marathon?": a verdict on too little, not too much.
ENOUGH = re.compile(r"\benough\b", re.I)
#: List lines a reply that can't give the verdict asked keeps, before "show me the numbers".
SHORT_LINES = 3


def _short(text: str) -> str:
    """A tool's reply cut to what leads it (a title and its totals) or its first few list
    lines, and where the rest is: a question wanting a verdict gets no list of figures."""
    lines = text.strip().splitlines()
    lead = next(
        (i for i, ln in enumerate(lines) if ln.lstrip().startswith(("- ", "|", "1. "))), None
    )
    if lead is None:
        return text
    kept = lines[:lead] if any(ln.strip() for ln in lines[:lead]) else lines[:SHORT_LINES]
    return "\n".join([*(ln for ln in kept if ln.strip()), "", MORE]).strip()


def _other_way(finding: Finding) -> Finding:
    """``finding`` with its leading "Yes" and "No" swapped: "was it safe?" asked of a verdict
    written for "was it too much?"."""
    swapped = re.sub(r"^(Yes|No),", lambda m: "No," if m[1] == "Yes" else "Yes,", finding.verdict)
    return replace(finding, verdict=swapped)


_QUOTED = re.compile(r"(“[^”]*”)")
_YOUR = re.compile(r"\b([Yy])our\b")


def _theirs(text: str, name: str) -> str:
    """``text`` written to an athlete, for their coach: "your" becomes "Ann's", except inside
    quoted words (an activity's name, the athlete's own answers)."""
    parts = _QUOTED.split(text)
    return "".join(part if part.startswith("“") else _YOUR.sub(f"{name}'s", part) for part in parts)


def compose_many(
    results: Sequence[ToolResult], kind: str = "lookup", question: str = "", roster: bool = False
) -> str:
    """The template reply for several results: one call for several athletes (``roster``: a
    coach asked about all of them, however many) reads as its spec's roster when it has one;
    otherwise each result follows the other."""
    spec = TOOLS.get(results[0].tool) if results else None
    several = len(results) > 1 or roster
    if several and kind == "extreme" and (side := side_by_side(results, question)):
        return side
    if several and spec and spec.phrase_many and len({r.tool for r in results}) == 1:
        return spec.phrase_many(results)
    return "\n\n".join(compose(result, kind, question) for result in results)


def side_by_side(results: Sequence[ToolResult], question: str = "") -> str | None:
    """Several athletes' records, best first ("who squats heavier, Ann or Bob?"): who is ahead
    and each one's record, when every result has one to compare; None otherwise."""
    rows = []
    for result in results:
        found = [f for f in result.rendered_findings("extreme", question) if f.value is not None]
        if not result.ok or not found or not result.data.get("athlete"):
            return None
        rows.append((escape(str(result.data["athlete"])), found[0]))
    if len({f.topic for _, f in rows}) != 1:
        return None
    rows.sort(key=lambda r: -(r[1].value or 0.0))
    best, others = rows[0], rows[1:]
    tied = [name for name, f in others if f.value == best[1].value]
    if tied:
        lead = f"{best[0]} and {', '.join(tied)} are level: {best[1].shown} each."
    else:
        against = ", ".join(f"{name}'s {f.shown}" for name, f in others)
        lead = f"{best[0]} is ahead: {best[1].shown}, against {against}."
    lines = [lead, ""]
    for name, finding in rows:
        lines.append(f"- **{name}**: {_theirs(finding.verdict, name)}")
    lines += ["", MORE]
    return "\n".join(lines)


def sure_words(confidence: float) -> str:
    """How sure a verdict is, in words."""
    if confidence >= STATE_BELOW:
        return "sure"
    if confidence >= 0.65:
        return "fairly sure"
    if confidence >= 0.4:
        return "take it as a rough guide"
    return "not sure; don't rely on it alone"


#: What a reply says first when its tool can't give the verdict asked for (the kind it can't
#: answer is said, not hidden under figures).
CANT_JUDGE = {
    "judgement": "I can't give a verdict on that from what I can do here, which is to",
    "should": "I can't advise on that from what I can do here, which is to",
    "what_next": "I can't pick what to work on from what I can do here, which is to",
}
#: How a verdict reply points at the figures behind it.
MORE = "Say “show me the numbers” for all the figures."


def finding_reply(result: ToolResult, findings: Sequence[Finding], kind: str = "judgement") -> str:
    """A coach's answer: the verdict first, the facts behind it, what to do, anything else worth
    knowing (for "what should I work on?", the next focus points, numbered), how sure and how
    close to its line, and the sources; the figures stay one step away."""
    top = findings[0]
    more = 2 if kind == "what_next" or kind not in VERDICT_KINDS else 1
    others = [f for f in findings[1:] if f.topic not in top.covers][:more]
    lines = [top.verdict]
    said = top.topic.startswith("stale") or "stale" in top.covers  # the verdict says it
    if result.data.get("as_of_note") and not said:
        lines.append(str(result.data["as_of_note"]))
    if top.evidence:
        lines += ["", *(f"- {line}" for line in top.evidence)]
    if top.action:
        lines += ["", f"**What to do:** {top.action}"]
    for number, other in enumerate(others, 2):
        label = f"{number}." if more > 1 else "**Also:**"
        verdict = re.sub(r"^(Yes|No), (\w)", lambda m: m[2].upper(), other.verdict)
        lines += ["", f"{label} {verdict}" + (f" {other.action}" if other.action else "")]
    lines += ["", f"**How sure:** {sure_words(top.confidence)}. {top.margin}".strip()]
    sources = list(dict.fromkeys(f.source for f in (top, *others) if f.source))
    if sources:
        lines += ["", "Sources:", *(f"- {source}" for source in sources)]
    lines += ["", MORE]
    return "\n".join(lines).strip()


def help_text() -> str:
    """What Coach G can do, from the registry: built tools first, then what is coming."""
    lines = [
        "I'm Coach G, your running coach. I work on your own data and tell you how sure I am. "
        "You can ask me to:"
    ]
    for spec in TOOLS.values():
        if spec.available:
            example = f' ("{spec.examples[0]}")' if spec.examples else ""
            lines.append(f"- **{spec.summary}**{example}")
    coming = [spec.summary for spec in TOOLS.values() if spec.planned]
    if coming:
        lines.append("Coming soon: " + "; ".join(coming) + ".")
    return "\n".join(lines)


# -- drafts by a language model -----------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")
_DIGIT = re.compile(r"\d")
_PERIODS = re.compile(
    r"\b(today|yesterday|tonight|this morning|week(end)?s?|fortnight|months?|years?|"
    r"all[- ]time|ever|season|spring|summer|autumn|winter|" + "|".join(MONTHS) + r")\b",
    re.I,
)
#: Claims no fact supports and a coach must not make from numbers alone.
_UNSUPPORTED = re.compile(
    r"\b(should (continue|keep)|in (good|great|bad|poor) shape|injur\w*|overtrain\w*|"
    r"bad for you|good for you|healthy|unhealthy|you are (fit|unfit)|generally considered)\b",
    re.I,
)


#: A refusal, or a claim of having no data, from a model whose tools did answer.
_REFUSAL = re.compile(
    r"\b(sorry|can't|cannot|can not|unable to|don't have|do not have|no access|not able to)\b",
    re.I,
)
#: A unit written after a fact's name: the renderer writes units, so this one would be doubled
#: or, worse, wrong ("{total_distance} miles").
_UNIT_AFTER = re.compile(
    r"\}\s*(km|kms|kilomet\w*|miles?|mi|hours?|hrs?|h|minutes?|mins?|seconds?|steps?|spm|bpm|%"
    r"|kg|ms|cm|degrees?|activities|runs|rides)\b",
    re.I,
)
#: A sentence is supported when at least this share of its content words appear in what the
#: model was given (the facts' names, the notes, the results' words, the user's message).
SUPPORTED_SHARE = 0.6
_COMMON = word_set(
    """
    about above after again also always because been before being below between both could
    does doing down during each from further have having here into just more most much only
    other over same should some such than that their them then there these they this those
    through under until very were what when where which while will with would your yours
    you're it's that's here's there's what's don't didn't isn't keep good great well really
    still make take know think feel looks look like nice sure help want need
    """
)


def fact_table(results: Sequence[ToolResult]) -> dict[str, str]:
    """Each fact of the turn by name, as the reader will see it (value, unit, reliability)."""
    table: dict[str, str] = {}
    for result in results:
        for fact in result.facts:
            shown = fact.render()
            if fact.confidence is not None and fact.confidence < RELIABLE:
                shown += " (not reliable)"
            table[fact.name] = shown
    return table


def render_draft(
    draft: str,
    results: Sequence[ToolResult],
    args: Sequence[dict[str, Any]],
    message: str,
) -> str | None:
    """A model's draft with its ``{fact}`` names written out, or None when it must be rejected:
    it writes a figure itself, names an unknown fact, or claims a scope or a judgement that
    neither the facts, the call, the notes given nor the user's message support."""
    draft = safe_reply(draft or "").strip()
    if not draft or _REFUSAL.search(draft) or _UNIT_AFTER.search(draft):
        return None
    table = fact_table(results)
    names = _PLACEHOLDER.findall(draft)
    if any(name not in table for name in names) or (table and not names):
        return None  # an unknown fact, or a result with facts that the draft does not report
    if _DIGIT.search(_PLACEHOLDER.sub("", draft)):
        return None  # a figure the model wrote itself
    allowed = " ".join(
        [message, *(str(v) for a in args for v in a.values())] + [_given_text(r) for r in results]
    ).lower()
    for match in _PERIODS.finditer(draft):
        if match[0].lower() not in allowed:
            return None
    for sport, pattern in SPORTS:
        named = re.search(pattern, draft, re.I) and not re.search(pattern, allowed, re.I)
        if named and not any(a.get("sport") == sport for a in args):
            return None
    for match in _UNSUPPORTED.finditer(draft):
        if match[0].lower() not in allowed:
            return None
    given = set(re.findall(r"[a-z]{4,}", allowed + " " + " ".join(table).replace("_", " ")))
    for sentence in re.split(r"[.!?;:\n]+", _PLACEHOLDER.sub(" ", draft)):
        words = [w for w in re.findall(r"[a-z]{4,}", sentence.lower()) if w not in _COMMON]
        if words and sum(_stem_in(w, given) for w in words) / len(words) < SUPPORTED_SHARE:
            return None  # a sentence mostly made of what nothing given says
    return _PLACEHOLDER.sub(lambda m: table[m[1]], draft)


def with_sources(text: str, results: Sequence[ToolResult]) -> str:
    """A model's reply with the sources of the notes it was given written out beneath it, so a
    drafted knowledge answer cites in full as the template does."""
    sources = list(
        dict.fromkeys(
            str(hit["source"])
            for result in results
            for hit in result.data.get("hits") or []
            if hit.get("kind") == "note" and hit.get("source")
        )
    )
    if not sources:
        return text
    return "\n".join([text, "", "Sources:", *(f"- {source}" for source in sources)])


def _stem_in(word: str, given: set[str]) -> bool:
    """Whether ``word`` or a form of it (runs/running/ran aside) is among ``given``."""
    return word in given or any(
        g.startswith(word[:5]) for g in given if len(word) >= 6 and len(g) >= 5
    )


def _given_text(result: ToolResult) -> str:
    """The words a result gives a model: its message, reasons, caveats and retrieved notes."""
    hits = " ".join(str(h.get("text", "")) for h in result.data.get("hits") or [])
    return " ".join([result.message, *result.reasons, *result.caveats, hits])
