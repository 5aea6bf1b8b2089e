"""How a tool is described, once, beside its function: everything the agent, a language model and
the UI need to know about it.

A spec holds the function object itself (imported directly, so a tool with a broken import fails
loudly), its argument schema (derived from the signature, with a description per argument taken
from the docstring's ``Args:`` section), whether it writes and how that is confirmed, the file
types it takes, example requests (the router learns from them), how its result is phrased, what
goes into the athlete's history, and what to ask when something is missing.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from tools.context import ToolContext
from tools.result import ToolResult

#: How a tool's result reads: the whole template reply (see :func:`tools.reply.standard_reply`).
Phrase = Callable[[ToolResult], str]
#: How the results of one call for several athletes read together (a coach's roster).
PhraseMany = Callable[[Sequence[ToolResult]], str]


@dataclass
class FlowStep:
    """One step of a multi-turn tool (a weekly check-in): either the next question to ask,
    with what was gathered so far in ``data``, or the finished ``result``. ``shown`` holds the
    facts behind any numbers the question shows (a check-in opens with the week in numbers), so
    they can be checked like a result's. ``confirming`` marks a question that asks before a
    write."""

    ask: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    result: ToolResult | None = None
    shown: ToolResult | None = None
    #: The question is "Shall I write this?": the chat offers Yes and No buttons.
    confirming: bool = False


#: A multi-turn tool's step: (context, what was gathered so far, the user's answer) -> next step.
#: The first step gets the call's arguments as ``data`` and the message that started it.
Flow = Callable[[ToolContext, dict[str, Any], str], FlowStep]


class ToolCallError(ValueError):
    """A proposed call names no known tool or has arguments that do not fit its schema."""


@dataclass(frozen=True)
class ToolSpec:
    """One capability of Coach G.

    ``function`` is None only for a ``planned`` tool (described so the router and models know it
    is coming, but not built yet). ``confirm`` words a write for "Shall I ... now?"; ``needs``
    says what to attach when ``file_arg`` is empty; ``asks`` holds the question for each other
    argument that may be missing; ``remember`` puts a summary of each result into the athlete's
    searchable history. A tool with a ``flow`` holds a conversation of several turns (its state
    is kept per user and subject) instead of answering at once. ``readers`` read the tool's own
    arguments from a message (``{"metric": read_metric}``), where the shared extractors, chosen
    by argument name, do not know its words; a reader returns None when the message says nothing.
    ``answers`` names the kinds of question its results answer (a verdict for "is it too
    much?" needs findings). ``phrase_many`` words one call's results for several athletes
    together (a coach's roster); without it each athlete's reply follows the other. A
    ``heavy`` tool (minutes of work: a video, an import, a sync) runs as a job on the queue
    (:mod:`tools.jobs`): one at a time per user, never in the way of another user's chat.
    """

    name: str
    function: Callable[..., ToolResult] | None
    summary: str  # what it does, in a runner's words: "analyse a run video"
    examples: tuple[str, ...] = ()
    writes: bool = False
    confirm: Callable[[dict[str, Any]], str] | None = None
    file_types: frozenset[str] = frozenset()
    file_arg: str | None = None
    needs: str = ""
    asks: Mapping[str, str] = field(default_factory=dict)
    phrase: Phrase | None = None
    remember: bool = False
    planned: bool = False
    flow: Flow | None = None
    #: The flow's first step gets the call's arguments as ``data["args"]`` (those read from the
    #: message and those a follow-up carried: "what about with a gym?" after "20 min at home").
    flow_args: bool = False
    readers: Mapping[str, Callable[[str], Any]] = field(default_factory=dict)
    phrase_many: PhraseMany | None = None
    heavy: bool = False
    #: The kinds of answer its results give (:data:`tools.result.ANSWER_KINDS`): a question of
    #: another kind goes to a tool that answers it, or is told this one can't.
    answers: frozenset[str] = frozenset({"lookup", "listing", "extreme", "trend"})
    #: Kinds it answers only about a period named in the question (a verdict on "the 29k on
    #: 14 June" from the listing of that day, not on all the training).
    dated_answers: frozenset[str] = frozenset()
    #: Its findings lead the reply whatever kind of question was asked (an overview).
    findings_lead: bool = False
    #: Whether it answers from the athlete's own data (the notes answer in general).
    reads_athlete: bool = True
    #: For a flow: whether a message answers one of its questions ("stress is low, energy
    #: high" mid check-in is an answer, not a question for the training load).
    hears: Callable[[str], bool] | None = None
    #: A message this regular expression finds (on the normalised text) is for this tool,
    #: whatever else it says: "check-in: 3 runs, 20k, sleep good", "2023 vs 2022".
    claims: str = ""
    #: For a tool that needs a file: the answer from what it stored before, when the message
    #: asks about that ("what cadence did you get from my video?"), else None.
    recalls: Callable[[Any, str], str | None] | None = None

    def __post_init__(self) -> None:
        if (self.function is None) != self.planned:
            raise ValueError(f"{self.name}: a tool has a function exactly when it is not planned")
        if self.file_arg and not self.file_types:
            raise ValueError(f"{self.name}: a file argument needs the file types it takes")

    @property
    def available(self) -> bool:
        return self.function is not None

    @cached_property
    def _doc(self) -> tuple[str, dict[str, str]]:
        return parse_docstring(inspect.getdoc(self.function) or "" if self.function else "")

    @property
    def description(self) -> str:
        """What a model is told the tool does: its whole docstring except the ``Args:``."""
        return self._doc[0] or self.summary

    @property
    def argument_help(self) -> dict[str, str]:
        """Each argument's description, from the docstring's ``Args:`` section."""
        return self._doc[1]

    @cached_property
    def arguments(self) -> type[BaseModel]:
        """A pydantic model of the arguments (everything but ``ctx``)."""
        config = ConfigDict(extra="forbid")
        if self.function is None:
            return create_model(f"{self.name}_args", __config__=config)
        hints = get_type_hints(self.function)
        fields: dict[str, Any] = {}
        for name, parameter in inspect.signature(self.function).parameters.items():
            if name == "ctx":
                continue
            default = ... if parameter.default is inspect.Parameter.empty else parameter.default
            about = self.argument_help.get(name)
            fields[name] = (hints.get(name, Any), Field(default, description=about))
        return create_model(f"{self.name}_args", __config__=config, **fields)

    def required(self) -> list[str]:
        """The arguments without a default."""
        return [n for n, f in self.arguments.model_fields.items() if f.is_required()]

    def schema(self) -> dict[str, Any]:
        """The JSON schema a model is shown: name, description, parameters (and ``planned``)."""
        parameters = self.arguments.model_json_schema()
        parameters.pop("title", None)
        for prop in parameters.get("properties", {}).values():
            prop.pop("title", None)
        out = {"name": self.name, "description": self.description, "parameters": parameters}
        if self.planned:
            out["planned"] = True
            out["description"] = f"(not built yet) {self.summary}"
        return out

    def validate(self, args: dict[str, Any]) -> dict[str, Any]:
        """``args`` checked and coerced against the schema; raises :class:`ToolCallError`."""
        try:
            return self.arguments.model_validate(args).model_dump()
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
                for e in error.errors()
            )
            raise ToolCallError(f"{self.name}: {problems}") from error

    def call(self, ctx: ToolContext, args: dict[str, Any]) -> ToolResult:
        if self.function is None:
            return ToolResult.failure(self.name, f"I can't do {self.summary} yet.")
        return self.function(ctx, **self.validate(args))

    def confirmation(self, args: dict[str, Any]) -> str:
        """The question asked before a write runs."""
        what = self.confirm(args) if self.confirm else self.summary
        return f"Shall I {what} now? Say yes or no."

    def accepts(self, file_name: str) -> bool:
        """Whether this tool takes a file with this name (by its type)."""
        lower = file_name.lower()
        return any(lower.endswith(suffix) for suffix in self.file_types)


_ARGS_HEADING = re.compile(r"^(Args|Arguments|Parameters):\s*$", re.M)
_ARG_LINE = re.compile(r"^\s{2,}(\w+)(?:\s*\([^)]*\))?:\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """A Google-style docstring as (description, {argument: description})."""
    match = _ARGS_HEADING.search(doc)
    if match is None:
        return " ".join(doc.split()), {}
    description = " ".join(doc[: match.start()].split())
    arguments: dict[str, str] = {}
    current = ""
    for line in doc[match.end() :].splitlines():
        if not line.strip():
            continue
        if found := _ARG_LINE.match(line):
            current = found[1]
            arguments[current] = found[2].strip()
        elif line.startswith(" ") and current:
            arguments[current] += " " + line.strip()
        else:
            break  # the next section
    return description, arguments
