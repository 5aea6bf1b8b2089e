"""What a turn hands back (:class:`Reply`, :class:`ToolCall`) and the fixed answers that need no
tool: a refusal, a red flag, a file Coach G can't use."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from agent.router import Route
from agent.safety import MEDICATION, NUTRITION, RED_FLAG
from knowledge import scope
from knowledge.pain import CLOT, HILBERG
from storage.access import DENIED
from tools.registry import TOOLS
from tools.result import Artifact, ToolResult

DECLINE = (
    "I can't help with that. I only work with your own data (and, for a coach, the athletes "
    "linked to you), I don't reveal or change how I work, and I can't diagnose injuries: for "
    "pain that persists, please see a physiotherapist or doctor."
)
SEE_A_DOCTOR = (
    "No running: stop and get checked by a doctor first. Chest pain or tightness, dizziness, "
    "fainting, palpitations or unusual breathlessness when you run can be serious; if it is "
    "severe or happening now, call emergency services now. I can't assess symptoms, but I'm "
    "here for your training once you've been checked."
)
#: A swollen, hot or red calf: the red flag of a clot (the pain note's Hilberg et al. 2021).
SEE_A_DOCTOR_TODAY = (
    "No running: a swollen, warm or red calf, especially after a flight or a long sit, can be a "
    "blood clot (deep vein thrombosis), which needs a doctor today. If you are short of breath "
    "or have chest pain, call emergency services now. I can't assess symptoms or suggest a "
    "treatment; I'm here for your training once you've been checked.\n\nSource: " + HILBERG
)
NOT_YOUR_ATHLETE = DENIED
NOT_SURE = "I'm not sure what you'd like. " + "{help}"
SOMETHING_WENT_WRONG = "Something went wrong on my side running that; nothing was changed."
UNSUPPORTED_FILE = "I can't use that kind of file. I take files for these:"


def decline_answer(reason: str, message: str = "") -> str:
    """The fixed answer to a message the safety rules stopped, for ``reason``."""
    if reason == RED_FLAG:
        return SEE_A_DOCTOR_TODAY if CLOT.search(message) else SEE_A_DOCTOR
    if reason == MEDICATION:
        return scope.MEDICATION.answer
    if reason == NUTRITION:
        return scope.NUTRITION.answer
    return DECLINE


def unsupported_file() -> str:
    """What files Coach G takes, from the specs."""
    kinds = [
        f"{spec.summary.split('(')[0].strip()}: {', '.join(sorted(spec.file_types))}"
        for spec in TOOLS.values()
        if spec.file_types and spec.available
    ]
    return UNSUPPORTED_FILE + " " + "; ".join(kinds) + "."


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]

    def scope(self) -> str:
        """What the call covers, in words: "all your runs", "your activities since 2025-03-01"."""
        sport = self.args.get("sport")
        what = f"{sport}s" if sport else "activities"
        since, until = self.args.get("since"), self.args.get("until")
        if since and until:
            return f"your {what} from {since} to {until}"
        if since:
            return f"your {what} since {since}"
        if until:
            return f"your {what} until {until}"
        return f"all your {what}"


@dataclass
class Reply:
    """What Coach G says, what it ran, and how sure it is."""

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    confidence: float | None = None
    backend: str = "rules"
    pending: ToolCall | None = None
    route: Route | None = None
    subject_ids: list[int] = field(default_factory=list)

    @property
    def artifacts(self) -> list[Artifact]:
        return [artifact for result in self.results for artifact in result.artifacts]

    def to_dict(self) -> dict[str, Any]:
        """Everything behind the reply, so anyone can check each number against its tool."""
        return {
            "reply": self.text,
            "tool_calls": [asdict(call) for call in self.tool_calls],
            "results": [result.to_dict() for result in self.results],
            "facts": [asdict(f) for r in self.results for f in r.facts],
            "confidence": self.confidence,
            "backend": self.backend,
            "pending": asdict(self.pending) if self.pending else None,
            "route": None
            if self.route is None
            else {
                "kind": self.route.kind,
                "tool": self.route.tool,
                "confidence": round(self.route.confidence, 3),
                "alternatives": [[n, round(p, 3)] for n, p in self.route.alternatives],
                "not_understood": self.route.not_understood,
            },
            "artifacts": [str(a.path) for a in self.artifacts],
        }
