"""The one result type every Coach G tool returns.

Numbers always come from code: a tool puts each figure it wants to be quotable into ``facts``
(flat, named, with a unit), so the agent's verifier can check every number of a reply against them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

#: A number whose confidence is below this is shown as not reliable, never as a plain figure.
RELIABLE = 0.5


@dataclass(frozen=True)
class Fact:
    """One named number with its unit, e.g. ``Fact("cadence", 169.2, "steps/min")``."""

    name: str
    value: float | int | str
    unit: str = ""
    confidence: float | None = None
    #: Decimals shown: one, or two where the figure is exact and read against others of two
    #: (an activity's distance, the total of a listing whose rows show two).
    digits: int = 1

    def render(self, digits: int | None = None) -> str:
        """The value as a person reads it, e.g. ``169.2 steps/min``."""
        if isinstance(self.value, float):
            text = f"{self.value:.{self.digits if digits is None else digits}f}"
        else:
            text = str(self.value)
        unit = _SINGULAR.get(self.unit, self.unit) if self.value == 1 else self.unit
        return f"{text} {unit}".strip()


#: Units that are counted things, and their singular ("1 activity", not "1 activities").
_SINGULAR = {
    "activities": "activity",
    "steps": "step",
    "runs": "run",
    "files": "file",
    "requests": "request",
    "sessions": "session",
    "weeks": "week",
}


@dataclass(frozen=True)
class Artifact:
    """A file a tool produced for the user to see: annotated video, PNG plot, JSON report."""

    path: Path
    kind: str  # "video" | "image" | "json" | "html" | "csv"
    title: str = ""


#: The kinds of answer a question can want (read once per message by :mod:`agent.question`).
ANSWER_KINDS = ("extreme", "judgement", "trend", "should", "what_next", "lookup", "listing")
_NAMED = re.compile(r"\{([a-z0-9_]+)\}")


@dataclass
class Finding:
    """One conclusion a coach would lead with, written from facts by name.

    ``verdict`` and ``evidence`` are templates whose ``{fact}`` names are filled from the
    result's facts (so every figure stays traceable); ``action`` says what to do; ``margin``
    says how close the verdict is to its line ("form -30.3 % against a -30 % cut-off") and what
    assumption would flip it; ``answers`` names the kinds of question it answers; ``priority``
    orders findings (lower first); ``source`` is the study or rule it rests on.
    """

    topic: str
    verdict: str
    evidence: tuple[str, ...] = ()
    action: str = ""
    source: str = ""
    confidence: float = 1.0
    margin: str = ""
    answers: tuple[str, ...] = ("judgement", "should", "what_next", "trend")
    priority: int = 5
    #: Words of a question this finding answers before the others (a regular expression):
    #: "is my long run too long?" puts the long-run finding first.
    cue: str = ""
    #: Topics of other findings this one's evidence already tells (not repeated after it).
    covers: tuple[str, ...] = ()
    #: Said only to a question its cue matches ("is my mileage going up?", not "what did I run
    #: since March?").
    needs_cue: bool = False
    #: A record's value and how it reads ("77.5 kg"), so records of several athletes can be
    #: set side by side ("who squats heavier, Ann or Bob?"); a higher value wins (a record of
    #: time or pace keeps its ranking's score, speed or minus the time).
    value: float | None = None
    shown: str = ""
    #: Its leading "Yes" or "No" answers "was it too much?"; asked "was it safe?", the other
    #: word answers (see ``agent.composer``).
    polar: bool = False

    def render(self, facts: list[Fact]) -> Finding:
        """This finding with every ``{fact}`` written out; raises KeyError for an unknown fact."""
        table = {fact.name: fact.render() for fact in facts}

        def fill(text: str) -> str:
            return _NAMED.sub(lambda m: table[m[1]], text)

        return replace(
            self,
            verdict=fill(self.verdict),
            evidence=tuple(fill(e) for e in self.evidence),
            action=fill(self.action),
            margin=fill(self.margin),
        )


@dataclass
class ToolResult:
    """What a tool returns: facts to quote, data to show, and how sure it is.

    ``confidence`` is 0-1; ``reasons`` say why it is what it is, ``caveats`` what the user should
    keep in mind. ``ok`` is False when the tool could not do its job; ``message`` then says what the
    user should do next.
    """

    tool: str
    ok: bool = True
    message: str = ""
    facts: list[Fact] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    reasons: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    #: What a coach concludes from the facts, most important first (see :class:`Finding`).
    findings: list[Finding] = field(default_factory=list)

    @classmethod
    def failure(cls, tool: str, message: str, **data: Any) -> ToolResult:
        """A result that says what went wrong and what to do about it."""
        return cls(tool=tool, ok=False, message=message, confidence=0.0, data=dict(data))

    def fact(self, name: str) -> Fact | None:
        """The fact called ``name``, or None."""
        return next((f for f in self.facts if f.name == name), None)

    def rendered_findings(self, kind: str | None = None, question: str = "") -> list[Finding]:
        """The findings with their facts written out, those whose cue the ``question`` names
        first, then in priority order; with ``kind``, only those that answer that kind."""

        def cued(finding: Finding) -> bool:
            return bool(finding.cue and re.search(finding.cue, question, re.I))

        chosen = [
            f
            for f in self.findings
            if (kind is None or kind in f.answers) and (cued(f) or not f.needs_cue or not kind)
        ]
        return [
            f.render(self.facts) for f in sorted(chosen, key=lambda f: (not cued(f), f.priority))
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable view (paths as strings)."""
        out = asdict(self)
        out["findings"] = [  # JSON has lists, not tuples
            {k: list(v) if isinstance(v, tuple) else v for k, v in finding.items()}
            for finding in out["findings"]
        ]
        out["artifacts"] = [
            {"path": str(a.path), "kind": a.kind, "title": a.title} for a in self.artifacts
        ]
        return out
