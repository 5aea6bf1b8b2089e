"""The router, in layers: from a message (and its attachments) to a proposed call.

1. Safety rules, deterministic: red-flag symptoms, other people's data, secrets, injection,
   diagnosis (:mod:`agent.safety`).
2. Attachments choose their tool by file type, from the specs.
3. The learned intent classifier (:mod:`agent.intents`) proposes a tool, or an answer that needs
   none, with a probability: the route's confidence.
4. Argument extractors chosen by the tool's argument names fill the call
   (:mod:`agent.extractors`).

The router names no tool: everything it knows about one comes from the registry. It never
reads tool output; only the user's own words choose tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from agent import safety
from agent.extractors import extract
from agent.intents import NO_TOOL, IntentClassifier, default_classifier
from agent.reading import SMALLTALK_WORDS, normalise
from knowledge import pain
from tools.registry import TOOLS, get_tool, tool_for_file

#: Below this probability the route is not trusted: a model is asked, or the user.
SURE = 0.5


@dataclass
class Route:
    """What the router proposes. ``kind`` is ``tool``, ``smalltalk``, ``help``, ``decline``,
    ``clarify`` (a tool that needs a file), ``coming_soon`` (a planned tool) or ``unknown``;
    ``tool`` names the tool of a ``tool``, ``clarify`` or ``coming_soon``. ``alternatives`` are
    the likeliest readings with their probabilities; ``not_understood`` the phrases (such as a
    period) that could not be read into arguments."""

    kind: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    reason: str = ""
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    #: The kind of answer the message wants (:func:`agent.question.answer_kind`).
    answer: str = "lookup"
    #: Arguments a follow-up keeps from the question before (said in the reply).
    carried: dict[str, Any] = field(default_factory=dict)
    #: Every reading the classifier made, likeliest first (``alternatives`` are its top three).
    ranking: list[tuple[str, float]] = field(default_factory=list)

    @property
    def sure(self) -> bool:
        return self.confidence >= SURE


def route(
    message: str,
    attachments: list[str] | None = None,
    today: date | None = None,
    classifier: IntentClassifier | None = None,
) -> Route:
    """Propose what to do with ``message``."""
    today = today or date.today()
    text = normalise(message)

    reason = safety.check(text)
    if reason in (None, safety.OUTSIDE) and pain.reported(text) and not attachments:
        return Route("pain", confidence=1.0, reason="pain comes first", answer="should")
    if reason:
        return Route("decline", confidence=1.0, reason=reason)
    if attachments:
        return _attached(text, message, list(attachments), today)
    if only_smalltalk(text):
        return Route("smalltalk", confidence=0.95, reason="small talk")
    if HELP.search(text):  # "hi! what can you do for a coach?"
        return Route("help", confidence=0.95, reason="asks what Coach G does")
    if named := claimed_by(text):  # "check-in: 3 runs, 20k, sleep good"
        return for_tool(named, text, message, today, 0.95)
    ranked = (classifier or default_classifier()).rank(message)
    label, probability = ranked[0]
    alternatives = ranked[:3]
    if label in NO_TOOL:
        found = Route(label, confidence=probability, reason=label, alternatives=alternatives)
    else:
        found = for_tool(label, text, message, today, probability, alternatives)
    found.ranking = ranked
    return found


#: A question about Coach G itself, whatever greeting comes with it.
HELP = re.compile(
    r"^\W*(?:(?:hi|hey|hello|ok|okay|so)\W+)*(?:coach\W+)?(?:what (?:can|do|else can) you do"
    r"|what are you able to do|how do(?:es)? (?:this|it|coach g) work|what can i ask(?: you)?"
    r"|what do you (?:offer|help with)|what can you help(?: me)? with)\b"
    r"(?!.{0,12}\b(?:about|with|regarding|on|for) (?:my|her|his|\w+'s)\b)"
)


def for_tool(
    name: str,
    text: str,
    message: str,
    today: date,
    confidence: float,
    alternatives: list[tuple[str, float]] | None = None,
) -> Route:
    """The route to tool ``name`` with the arguments the message gives."""
    spec = get_tool(name)
    alternatives = alternatives or []
    if spec.planned:
        return Route("coming_soon", name, {}, confidence, "not built yet", alternatives)
    if spec.file_arg:
        return Route("clarify", name, {}, confidence, spec.needs, alternatives)
    found = extract(spec, text, message, today)
    return Route(
        "tool", name, found.args, confidence, spec.summary, alternatives, found.not_understood
    )


def _attached(text: str, message: str, attachments: list[str], today: date) -> Route:
    """The tool the attached files are for, with their arguments."""
    for name in attachments:
        spec = tool_for_file(Path(name).name)
        if spec is None or spec.file_arg is None:
            continue
        fitting = [a for a in attachments if spec.accepts(Path(a).name)]
        found = extract(spec, text, message, today)
        many = spec.arguments.model_fields[spec.file_arg].annotation is not str
        args = found.args | {spec.file_arg: fitting if many else fitting[0]}
        return Route("tool", spec.name, args, 0.97, f"{spec.name}: files attached")
    return Route("clarify", reason="unsupported attachment", confidence=0.9)


def claimed_by(text: str) -> str | None:
    """The tool whose ``claims`` pattern the message matches ("weekly check in: ...")."""
    return next(
        (s.name for s in TOOLS.values() if s.claims and re.search(s.claims, text.lstrip())), None
    )


def only_smalltalk(text: str) -> bool:
    """A message of greetings, thanks and the like alone ("legend, ta 🙏"), or of emoji alone
    ("👍")."""
    words = re.findall(r"[a-z']+", text)
    if not words:
        return not re.search(r"[\w?]", text) and bool(text.strip())
    return all(word in SMALLTALK_WORDS for word in words)
