"""Coach G's turn loop: route, confirm writes, run the tool, compose, verify, remember."""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.composer import COMING_SOON, HELP, compose_many
from agent.confidence_words import STATE_BELOW, confidence_sentence
from agent.dates import parse_dates
from agent.llm_calls import compose_with_llm, propose_call
from agent.router import ACTIVITY_TYPES, RED_FLAG, VIDEO_TYPES, Route, route
from agent.verifier import is_grounded
from models.llm import LLMBackend, RulesBackend, load_backend
from storage.access import AccessDenied, can_see
from storage.chat import add_message, recent_messages
from storage.db import Database
from storage.models import ChatMessage, User
from storage.settings import Settings
from storage.users import athletes_of
from tools.context import Progress, ToolContext, no_progress
from tools.registry import ToolCallError, get_tool
from tools.result import Artifact, Fact, ToolResult

if TYPE_CHECKING:
    from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)

YES = re.compile(r"^\s*(y|yes|yep|yeah|sure|ok|okay|go|go ahead|do it|please do|confirm)\b", re.I)
NO = re.compile(r"^\s*(n|no|nope|cancel|stop|don't|do not|never ?mind)\b", re.I)

DECLINE = (
    "I can't help with that. I only work with your own data (and, for a coach, the athletes "
    "linked to you), I don't reveal or change how I work, and I can't diagnose injuries: for "
    "pain that persists, please see a physiotherapist or doctor."
)
SEE_A_DOCTOR = (
    "Chest pain or tightness, dizziness, fainting, palpitations or unusual breathlessness when "
    "you run can be serious. Please stop hard running and see a doctor soon; if it is severe or "
    "happening now, call emergency services. I can't assess symptoms, but I'm here for your "
    "training once you've been checked."
)
NOT_YOUR_ATHLETE = (
    "I can only talk about athletes you coach. Pick one of yours, or ask about yourself."
)
CLARIFY = {
    "analyze_run_video": (
        "Attach your run video and I'll analyse it: film from the side (or from behind) at hip "
        "height, 10-20 seconds of steady running, the whole body in view."
    ),
    "import_activities": (
        "Attach your FIT, GPX or TCX files, or your Strava export zip, and I'll import them."
    ),
    None: (
        "I'm not sure what you'd like. I can analyse a run video, import or sync your "
        "activities, list your training, or explain running technique with sources."
    ),
}


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]


@dataclass
class Reply:
    """What Coach G says, what it ran, and how sure it is."""

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    confidence: float | None = None
    backend: str = "rules"
    pending: ToolCall | None = None

    @property
    def artifacts(self) -> list[Artifact]:
        return [artifact for result in self.results for artifact in result.artifacts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply": self.text,
            "tool_calls": [asdict(call) for call in self.tool_calls],
            "facts": [asdict(f) for r in self.results for f in r.facts],
            "confidence": self.confidence,
            "backend": self.backend,
            "pending": asdict(self.pending) if self.pending else None,
            "artifacts": [str(a.path) for a in self.artifacts],
        }


class Coach:
    """One Coach G for a database; ``turn`` answers one message of one user."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        llm: LLMBackend | None = None,
        today: date | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.llm = llm if llm is not None else load_backend(settings)
        self.today = today
        self._history: KnowledgeStore | None = None  # opened on first use

    @property
    def uses_llm(self) -> bool:
        return not isinstance(self.llm, RulesBackend)

    def turn(
        self,
        actor: User,
        message: str,
        attachments: Sequence[str | Path] = (),
        athlete_id: int | None = None,
        progress: Progress | None = None,
    ) -> Reply:
        message = (message or "").strip()[:4000]
        files = [str(a) for a in attachments]
        with self.db.session() as session:
            history = recent_messages(session, actor, limit=6)
            linked = athletes_of(session, actor) if actor.role == "coach" else []
            if athlete_id is not None and not can_see(session, actor, athlete_id):
                reply = Reply(NOT_YOUR_ATHLETE, backend=self.llm.name)
                self._remember(actor, None, message, reply)
                return reply
        # The message may not name someone the actor can't see, whoever was picked in the UI.
        named = self._athlete_in_message(actor, message, linked)
        about = None if named is None else (athlete_id or named)
        if about is None:
            reply = Reply(NOT_YOUR_ATHLETE, backend=self.llm.name)
        else:
            ctx = ToolContext(
                db=self.db,
                actor=actor,
                settings=self.settings,
                athlete_id=about,
                progress=progress or no_progress,
            )
            reply = self._answer(ctx, message, files, history)
        self._remember(actor, about, message, reply)
        return reply

    # -- deciding -------------------------------------------------------------------------

    def _athlete_in_message(self, actor: User, message: str, linked: list[User]) -> int | None:
        """For a coach: the linked athlete the message names (themselves if none); None when it
        names someone who is not theirs."""
        lowered = message.lower()
        for athlete in linked:
            for name in {athlete.name, athlete.display_name.lower()} - {""}:
                if re.search(rf"\b{re.escape(name.lower())}\b", lowered):
                    return athlete.id
        named = re.findall(r"\b([A-Z][a-z]+)(?:'s|’s)", message)
        # "bob's runs" typed in lower case: a possessive before the athlete's own kind of data
        named += re.findall(rf"\b([a-z]+)(?:'s|’s) (?:\w+ )?{DATA_NOUNS}", lowered)
        named += re.findall(r"\bhow(?:'s| is) (\w+) (?:doing|getting on|going)\b", lowered)
        if actor.role == "coach":  # a coach asks "has Sam run this week?"
            named += re.findall(r"\b(?:for|about|is|has|did|does) ([A-Z][a-z]+)\b", message)
        own = {actor.name.lower(), actor.display_name.lower()} - {""}
        if [n for n in named if n.lower() not in own | NOT_PEOPLE]:
            return None  # names someone who is not theirs (an athlete: anyone else)
        return actor.id

    def _answer(
        self, ctx: ToolContext, message: str, files: list[str], history: list[ChatMessage]
    ) -> Reply:
        last = next((m for m in reversed(history) if m.role == "assistant"), None)
        if last is not None and last.athlete_id != ctx.athlete_id:
            last = None  # a question, or a last answer, about someone else: start afresh
        pending = _pending(last)
        if pending is not None and not files:
            if YES.match(message):
                return self._run(ctx, message, pending, confirmed=True)
            if NO.match(message):
                return Reply("Okay, I won't do that.", backend=self.llm.name)

        proposed = route(message, files, today=self.today or date.today())
        vague = proposed.kind == "unknown" or (
            proposed.kind == "tool" and proposed.confidence < 0.7
        )
        if vague and last is not None:
            follow = self._follow_up(ctx, message, last)
            if follow is not None:
                return follow
        if proposed.kind == "unknown" and self.uses_llm:
            proposal = propose_call(self.llm, message, [m.content[:200] for m in history])
            if proposal is not None and proposal.tool:
                proposed = _files_from_this_turn(
                    Route("tool", proposal.tool, proposal.args or {}, 0.7, "the model"), files
                )
            elif (
                proposal is not None
                and proposal.reply
                and is_grounded(proposal.reply, [], [], message)
            ):
                return Reply(proposal.reply, backend=self.llm.name)
        return self._act(ctx, message, proposed, files)

    def _act(self, ctx: ToolContext, message: str, proposed: Route, files: list[str]) -> Reply:
        name = self.llm.name
        if proposed.kind == "decline":
            return Reply(SEE_A_DOCTOR if proposed.reason == RED_FLAG else DECLINE, backend=name)
        if proposed.kind == "smalltalk":
            if re.search(r"\b(thanks|thank you|thx|cheers|ty)\b", message.lower()):
                return Reply("You're welcome! Happy running.", backend=name)
            return Reply("Hi! " + HELP, backend=name)
        if proposed.kind == "help":
            return Reply(HELP, backend=name)
        if proposed.kind == "coming_soon":
            what = COMING_SOON.get(proposed.tool or "", "that")
            return Reply(
                f"I can't do {what} yet; it is on its way. Meanwhile I can list your training, "
                "analyse a run video, or explain technique with sources.",
                backend=name,
            )
        if proposed.kind == "clarify" or proposed.tool is None:
            return Reply(CLARIFY.get(proposed.tool, CLARIFY[None]), backend=name)
        call = ToolCall(proposed.tool, proposed.args)
        spec = get_tool(call.name)
        if spec.writes and not files:
            return Reply(
                f"Shall I {_describe(call)} now? Say yes or no.",
                backend=name,
                pending=call,
            )
        return self._run(ctx, message, call, confirmed=bool(files))

    def _follow_up(self, ctx: ToolContext, message: str, last: ChatMessage) -> Reply | None:
        """Resolve "and my left side?" or "what about last month?" from the last answer."""
        calls = [c for c in last.tool_calls or [] if not c.get("pending")]
        if not calls:
            return None
        previous = calls[-1]
        dates = parse_dates(message, self.today or date.today())
        if previous["name"] == "list_activities" and dates is not None:
            args = {k: v for k, v in previous["args"].items() if k not in ("since", "until")}
            return self._run(ctx, message, ToolCall("list_activities", args | dates.as_args()))
        words = [w for w in re.findall(r"[a-z]+", message.lower()) if len(w) > 3]
        facts = [f for f in last.facts or [] if any(w.rstrip("s") in f["name"] for w in words)]
        if previous["name"] == "analyze_run_video" and facts:
            result = ToolResult(
                tool="analyze_run_video",
                message="From your last video analysis:",
                facts=[_fact(f) for f in facts],
                confidence=min((f.get("confidence") or 1.0) for f in facts),
                reasons=["taken from the analysis above"],
                caveats=["the video shows one side best; the other side's values are less sure"]
                if re.search(r"\b(left|right|side)\b", message.lower())
                else [],
            )
            return self._reply(
                ctx, message, [ToolCall(previous["name"], previous["args"])], [result]
            )
        return None

    # -- doing ----------------------------------------------------------------------------

    def _run(
        self, ctx: ToolContext, message: str, call: ToolCall, confirmed: bool = False
    ) -> Reply:
        try:
            result = get_tool(call.name).call(ctx, call.args)
        except ToolCallError as error:
            result = ToolResult.failure(call.name, f"I couldn't run that: {error}")
        except AccessDenied as error:
            result = ToolResult.failure(call.name, str(error))
        except Exception:
            log.exception("tool %s failed", call.name)
            result = ToolResult.failure(
                call.name, "Something went wrong on my side running that; nothing was changed."
            )
        return self._reply(ctx, message, [call], [result])

    def _reply(
        self, ctx: ToolContext, message: str, calls: list[ToolCall], results: list[ToolResult]
    ) -> Reply:
        template = compose_many(results)
        text = template
        if self.uses_llm and all(r.ok for r in results):
            drafted = compose_with_llm(self.llm, message, results)
            if drafted and is_grounded(drafted, results, [c.args for c in calls], message):
                text = drafted
                sentence = confidence_sentence(
                    min(r.confidence for r in results), [x for r in results for x in r.reasons]
                )
                if min(r.confidence for r in results) < STATE_BELOW:
                    text = f"{text}\n\n{sentence}"
            elif drafted:
                log.info("the model's reply had numbers no tool produced; using the template")
        confidence = min((r.confidence for r in results), default=None)
        return Reply(text, calls, results, confidence, backend=self.llm.name)

    def _remember(self, actor: User, athlete_id: int | None, message: str, reply: Reply) -> None:
        calls = [asdict(c) for c in reply.tool_calls]
        if reply.pending is not None:
            calls.append(asdict(reply.pending) | {"pending": True})
        facts = [asdict(f) for r in reply.results for f in r.facts]
        with self.db.session() as session:
            add_message(session, actor, "user", message, athlete_id=athlete_id)
            stored = add_message(
                session,
                actor,
                "assistant",
                reply.text,
                athlete_id=athlete_id,
                tool_calls=calls,
                facts=facts,
                confidence=reply.confidence,
            )
            stored_id = stored.id
        if athlete_id is not None:
            self._remember_in_history(athlete_id, stored_id, reply.results)

    def _remember_in_history(
        self, athlete_id: int, message_id: int, results: Sequence[ToolResult]
    ) -> None:
        """Put a summary of what happened (an analysis, an import, a sync) into the athlete's
        searchable history, so later questions can find it. Reads are not remembered. A failure
        here costs the memory, never the reply."""
        for result in results:
            if not (result.ok and result.tool in HISTORY_TOOLS):
                continue
            summary = history_summary(result, self.today or date.today())
            try:
                if self._history is None:
                    from knowledge.store import KnowledgeStore  # chromadb loads only when needed

                    self._history = KnowledgeStore.open(self.settings)
                self._history.add_history(
                    athlete_id, f"{message_id}:{result.tool}", summary, kind=result.tool
                )
            except Exception:
                log.warning("could not add a %s summary to the history", result.tool, exc_info=True)


#: Capitalised words before "'s" or after "for/about/..." that are not people.
NOT_PEOPLE = {
    "coach", "i", "strava", "garmin", "today", "yesterday", "tomorrow", "week", "month", "year",
    # contractions that look like possessives ("Here's", "That's", "Let's"), and "how is my ..."
    "my", "your", "the", "training", "everything", "running", "recovery",
    "here", "there", "it", "that", "this", "what", "who", "how", "where", "when", "why", "let",
    "he", "she", "nothing", "something", "mine",
    *(calendar.day_name[d].lower() for d in range(7)),
    *(calendar.month_name[m].lower() for m in range(1, 13)),
}  # fmt: skip

#: What an athlete's data is called, after a possessive ("bob's runs", "sam's last run").
DATA_NOUNS = (
    r"(?:runs?|rides?|activit(?:y|ies)|data|videos?|training|workouts?|sessions?|cadence|"
    r"stats|history|km|mileage|pace|strava|log|results?)\b"
)

#: Tools whose results are remembered in the athlete's searchable history.
HISTORY_TOOLS = ("analyze_run_video", "import_activities", "sync_strava")


def history_summary(result: ToolResult, today: date) -> str:
    """One searchable line about a tool's result: when, what, and its key numbers."""
    facts = "; ".join(
        f"{fact.name.replace('_', ' ')} {fact.render()}" for fact in result.facts[:12]
    )
    return f"{today.isoformat()} {result.tool.replace('_', ' ')}: {result.message} {facts}".strip()


#: Arguments that name files on this machine. Only the files attached to this very turn may fill
#: them, never a model's proposal: a path it wrote (or one injected into its prompt) could
#: name another athlete's uploads.
FILE_ARGS = {"import_activities": "paths", "analyze_run_video": "video_path"}


def _files_from_this_turn(proposed: Route, files: list[str]) -> Route:
    """``proposed`` with its file arguments taken from ``files``; a clarifying question (attach
    them) when there are none of the right kind."""
    arg = FILE_ARGS.get(proposed.tool or "")
    if arg is None:
        return proposed
    kinds = VIDEO_TYPES if proposed.tool == "analyze_run_video" else ACTIVITY_TYPES
    fitting = [f for f in files if Path(f).suffix.lower() in kinds]
    if not fitting:
        return Route("clarify", proposed.tool, confidence=0.7, reason="needs the files")
    value: str | list[str] = fitting[0] if arg == "video_path" else fitting
    return Route("tool", proposed.tool, {**proposed.args, arg: value}, proposed.confidence)


def _pending(message: ChatMessage | None) -> ToolCall | None:
    if message is None:
        return None
    for call in message.tool_calls or []:
        if call.get("pending"):
            return ToolCall(call["name"], dict(call.get("args") or {}))
    return None


def _fact(data: dict[str, Any]) -> Fact:
    return Fact(data["name"], data["value"], data.get("unit", ""), data.get("confidence"))


def _describe(call: ToolCall) -> str:
    if call.name == "sync_strava":
        return (
            "sync your whole Strava history"
            if call.args.get("full")
            else "sync your new Strava activities"
        )
    return call.name.replace("_", " ")
