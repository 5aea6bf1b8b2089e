"""Coach G's turn loop: whom it is about, route, confirm writes, run the tool, compose, verify,
remember.

Nothing here names a tool: what a tool takes, writes, asks and remembers comes from its spec.
Conversation state (a write waiting for a yes, a question waiting for an answer, the last call
for follow-ups) is kept as records per user and subject (:mod:`storage.conversation`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent import subjects
from agent.composer import compose_many, help_text, render_draft, with_sources
from agent.conversation import (
    AMEND,
    ASKED,
    BARE_YES,
    CONFIRMING,
    DROP,
    KEEP,
    NOTHING_WAITING,
    PAUSE,
    PAUSED,
    RESUME,
    STEP,
    carried_words,
    own_data,
    waiting_flow,
)
from agent.extractors import bare_period, extract, shift_count, shift_period
from agent.intents import IntentClassifier
from agent.llm_calls import draft_with_llm, propose_call
from agent.question import NUMBERS, VERDICT_KINDS, answer_kind
from agent.reading import normalise
from agent.router import SURE, Route, for_tool, route
from agent.safety import MEDICATION, RED_FLAG
from agent.verifier import is_grounded
from knowledge import scope
from knowledge.pain import CLOT, HILBERG, pain_answer
from models.llm import LLMBackend, RulesBackend, load_backend
from storage.access import DENIED, AccessDenied, can_see
from storage.chat import add_message
from storage.conversation import (
    ASK,
    CONFIRM,
    FLOW,
    LAST,
    State,
    clear_state,
    put_state,
    states_of,
)
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import athletes_of
from tools.confidence_words import STATE_BELOW, confidence_sentence
from tools.context import Progress, ToolContext, no_progress
from tools.jobs.runner import JobRunner, runner_for
from tools.registry import TOOLS, ToolCallError, get_tool
from tools.result import Artifact, ToolResult
from tools.spec import FlowStep, ToolSpec
from tools.yes_no import NO, YES

if TYPE_CHECKING:
    from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)

#: Words of a request that stands on its own ("my last 3 runs"), not a fragment ("april then").
STANDALONE = re.compile(r"\b(my|i|me|mine|show|list|what|how|did|give|tell)\b")
#: A message that builds on the last answer: "and last month?", "what about rides?".
FOLLOW_UP = re.compile(
    r"^\s*((ok|okay|right|cool|great|so|yo|hmm|and)\W+)?(and|but|what about|how about|same for"
    r"|same but|now|only|just|ok and|also|what of|then|instead|the same|make it|back to)\b"
    r"|^\s*(for|in|on|since|from|over)\b|\bthen\W*$"
    r"|\bthat (month|week|year|day|period)\b|\bsame (thing|period|time|month|week|again)\b",
    re.I,
)
#: Arguments many tools share (a period, a count, a question's text): naming one is no sign
#: that a message asks another tool.
COMMON_ARGS = frozenset({"since", "until", "weeks", "limit", "query", "sport"})
#: "and now?": the last call again, up to today.
NOW = re.compile(r"\b(now|today|currently|at the moment|these days|right now)\W*$", re.I)

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
#: The least probability at which the router's second reading is taken instead of its first,
#: when only the second answers the kind of question asked.
ANSWERING_ALTERNATIVE = 0.01
#: A reading this sure stands, if its tool answers the kind of question at all.
CLEAR = 0.9
#: A question about the athlete themselves ("should I ...", "is my ...").
PERSONAL = re.compile(r"\b(i|my|me|i'm|am i|mine|myself|she|he|her|his)\b")
#: Kinds of question that only a tool with findings for them can answer.
VERDICTS = frozenset({"judgement", "should", "what_next"})


def decline_answer(reason: str, message: str = "") -> str:
    """The fixed answer to a message the safety rules stopped, for ``reason``."""
    if reason == RED_FLAG:
        return SEE_A_DOCTOR_TODAY if CLOT.search(message) else SEE_A_DOCTOR
    if reason == MEDICATION:
        return scope.MEDICATION.answer
    return DECLINE


NOT_SURE = "I'm not sure what you'd like. " + "{help}"
SOMETHING_WENT_WRONG = "Something went wrong on my side running that; nothing was changed."
#: Leaving a multi-turn conversation.
STOP = re.compile(
    r"^\s*(stop|cancel|quit|exit|never ?mind|forget it|let's stop|end)\b"
    r"|^\W*(thanks?\w*|cheers|ok|okay)?\W*(coach\W*)?"
    r"(that'?s all|that'?s it|done for (now|today))\b",
    re.I,
)
UNSUPPORTED_FILE = "I can't use that kind of file. I take files for these:"


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


class Coach:
    """One Coach G for a database; ``turn`` answers one message of one user."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        llm: LLMBackend | None = None,
        today: date | None = None,
        classifier: IntentClassifier | None = None,
        jobs: JobRunner | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self._jobs = jobs  # None: this process's runner for the database, on first use
        self.llm = llm if llm is not None else load_backend(settings)
        self.today = today
        self.classifier = classifier  # None: the one trained on the registry's tools
        self._history: KnowledgeStore | None = None  # opened on first use

    @property
    def jobs(self) -> JobRunner:
        """The queue that runs heavy tools (one job at a time per user)."""
        if self._jobs is None:
            self._jobs = runner_for(self.db, self.settings)
        return self._jobs

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
            if athlete_id is not None and not can_see(session, actor, athlete_id):
                reply = Reply(NOT_YOUR_ATHLETE, backend=self.llm.name)
                self._remember(actor, None, message, reply)
                return reply
            people = athletes_of(session, actor) if actor.role == "coach" else []
            states = {(s.subject_id, s.kind): s for s in states_of(session, actor)}
        last = states.get((None, LAST))
        last_subject = last.data.get("subject") if last else None
        subject = subjects.resolve(actor, message, people, athlete_id, last_subject)
        if subject.denied:
            reply = Reply(NOT_YOUR_ATHLETE, backend=self.llm.name)
            self._remember(actor, None, message, reply)
            return reply
        reply = self._answer(actor, subject, message, files, progress or no_progress, states)
        about = subject.one
        if subject.named and not reply.tool_calls and last is not None:
            with self.db.session() as session:  # "Sam mentioned chest pain" -> "his runs": Sam
                put_state(session, actor, None, LAST, last.tool, last.args, {"subject": about})
        self._remember(actor, about, message, reply)
        return reply

    # -- deciding -------------------------------------------------------------------------

    def _answer(
        self,
        actor: User,
        subject: subjects.Subject,
        message: str,
        files: list[str],
        progress: Progress,
        states: dict[tuple[int | None, str], State],
    ) -> Reply:
        about = subject.one
        today = self.today or date.today()
        if subject.all_athletes:  # "everyone's runs": a coach's athletes, not other users
            message = subjects.as_cohort(message)
        pending, asked = states.get((about, CONFIRM)), states.get((about, ASK))
        last, flow = states.get((about, LAST)), states.get((about, FLOW))
        if subject.named:  # "what about Ann?": the latest call, whoever it was about
            last = states.get((None, LAST)) or last
        if pending is not None or asked is not None:  # a question is answered once
            with self.db.session() as session:
                for kind in (CONFIRM, ASK):
                    clear_state(session, actor, about, kind)
        text = normalise(message)
        # The message is read once: what it asks for, and what kind of answer it wants.
        proposed = route(message, files, today, self.classifier)
        proposed.answer = answer_kind(text) if proposed.kind != "pain" else proposed.answer
        note = ""  # what became of a conversation this message left, said after the answer

        # A write waiting for a yes was asked after the conversation went elsewhere: the yes
        # (or no) is its answer, not the waiting conversation's.
        if flow is not None and not files and pending is None:
            if STOP.match(message):
                self._clear(actor, about, FLOW)
                return Reply(
                    "Okay, we'll stop here.",
                    backend=self.llm.name,
                    route=Route("smalltalk", confidence=1.0, reason="stopped a flow"),
                    subject_ids=subject.ids,
                )
            waiting = waiting_flow(flow, proposed, message, text)
            if waiting == STEP:
                call = ToolCall(flow.tool, flow.args)
                return self._step(actor, subject, message, call, flow.data, progress)
            if waiting == RESUME:
                return self._resume(actor, subject, flow)
            if waiting in (PAUSE, DROP):
                note = self._leave_flow(actor, about, flow, waiting)
            if waiting == KEEP and flow.data.get(ASKED):
                note = f"When you're ready, back to where we were: {flow.data[ASKED]}"

        if pending is not None and not files:
            spec = get_tool(pending.tool)
            if YES.match(message):
                call = ToolCall(spec.name, pending.args)
                reply = self._run(actor, subject, message, call, progress)
                reply.route = Route("tool", spec.name, pending.args, 1.0, "confirmed")
                return reply
            amended = extract(spec, text, message, today).args
            refused = NO.match(message)
            if refused and not amended and not self._new_request(message, files, today):
                return Reply(
                    "Okay, I won't do that.",
                    backend=self.llm.name,
                    route=Route(
                        "smalltalk", spec.name, confidence=1.0, reason="declined a confirmation"
                    ),
                    subject_ids=subject.ids,
                )
            if amended and (refused or AMEND.match(message) or _only_details(text)):
                call = ToolCall(spec.name, pending.args | amended)
                return self._confirm(actor, subject, call)

        if NUMBERS.search(message) and last is not None and not files:
            # "show me the numbers": the last answer in full, figures and all
            call = ToolCall(last.tool, last.args)
            reply = self._run(actor, subject, message, call, progress, kind="listing")
            reply.route = Route("tool", last.tool, last.args, 1.0, "the figures behind the verdict")
            return reply
        if BARE_YES.match(message) and not (pending or asked or note):
            return Reply(  # a yes to a question that is no longer waiting
                NOTHING_WAITING,
                backend=self.llm.name,
                route=Route("clarify", confidence=1.0, reason="nothing is waiting for a yes"),
                subject_ids=subject.ids,
            )
        if asked is not None and not files and proposed.kind not in ("decline", "pain"):
            if "missing" in asked.data:
                proposed = _missing_argument(proposed, asked, message, text, today)
            else:
                proposed = _answer_to_question(proposed, asked.data, message, text, today)
        if last is not None and not files and proposed.kind not in ("decline", "help", "pain"):
            follow = self._follow_up(proposed, last.tool, last.args, subject, message, text, today)
            if follow is not None:
                follow.answer = proposed.answer
                proposed = follow
        unsure = not proposed.sure or proposed.kind == "unknown"
        if unsure and proposed.kind not in ("decline", "help") and self.uses_llm:
            proposed = self._ask_model(message, proposed, files, today) or proposed
        reply = self._act(actor, subject, message, proposed, files, progress)
        if note:
            reply.text = f"{reply.text}\n\n{note}"
        return reply

    def _resume(self, actor: User, subject: subjects.Subject, flow: State) -> Reply:
        """Back to a paused conversation: its question again."""
        data = {k: v for k, v in flow.data.items() if k != PAUSED}
        with self.db.session() as session:
            put_state(session, actor, subject.one, FLOW, flow.tool, flow.args, data)
        question = str(flow.data.get(ASKED) or "Where were we?")
        return Reply(
            f"Back to it. {question}",
            backend=self.llm.name,
            route=Route("tool", flow.tool, flow.args, 1.0, "a step of a conversation"),
            pending=ToolCall(flow.tool, flow.args) if flow.data.get(CONFIRMING) else None,
            subject_ids=subject.ids,
        )

    def _leave_flow(self, actor: User, about: int | None, flow: State, how: str) -> str:
        """Pause a conversation the user stepped out of (or drop a write that waited for a
        yes), and the sentence that says so."""
        spec = get_tool(flow.tool)
        with self.db.session() as session:
            if how == PAUSE:
                data = flow.data | {PAUSED: True}
                put_state(session, actor, about, FLOW, flow.tool, flow.args, data)
            else:
                clear_state(session, actor, about, FLOW)
        if how == PAUSE:
            what = spec.summary.removeprefix("do your ")
            return f"(Your {what} is paused: say “back to it” to go on.)"
        return f"(I didn't {spec.summary}: ask again when you want it.)"

    def _new_request(self, message: str, files: list[str], today: date) -> bool:
        """Whether what follows a "no" is a request of its own ("no wait, what did I run
        yesterday?")."""
        rest = NO.sub("", message, count=1).strip(" ,.!-")
        if len(rest.split()) < 3:
            return False
        proposed = route(rest, files, today, self.classifier)
        return proposed.sure and proposed.kind == "tool"

    def _follow_up(
        self,
        proposed: Route,
        tool: str,
        args: dict[str, Any],
        subject: subjects.Subject,
        message: str,
        text: str,
        today: date,
    ) -> Route | None:
        """The last call again with what this message changes ("and last month?", "what about
        Ann?", "just runs"), when the message builds on it."""
        spec = TOOLS.get(tool)
        if spec is None or spec.file_arg:
            return None
        elliptical = FOLLOW_UP.search(message) or (
            len(text.split()) <= 4 and not STANDALONE.search(text)
        )
        changes = extract(spec, text, message, today).args
        changes.pop("query", None)
        changes |= shift_period(args, text)
        reads_dates = {"since", "until"} & set(spec.arguments.model_fields)
        if reads_dates and not {"since", "until"} & changes.keys():
            changes |= bare_period(text, today)
        changes |= shift_count(args, set(spec.arguments.model_fields), text)
        if not changes and NOW.search(text) and args.get("until"):
            changes["until"] = None  # "and now?": up to today
        general = proposed.kind == "tool" and not get_tool(proposed.tool or "").reads_athlete
        unsure = not proposed.sure or proposed.kind != "tool" or general  # "and her cadence?"
        if (
            not changes
            and unsure
            and FOLLOW_UP.search(message)
            and (other := _read_by_other(tool, text))
        ):
            return other  # "and her cadence?" after her load: the tool that reads "cadence"
        same_tool = proposed.tool == tool
        if not (elliptical and (changes or subject.named)) and not (not proposed.sure and changes):
            return None
        own_request = not FOLLOW_UP.search(message)  # a short request of its own: "Bob's pace?"
        if proposed.sure and not same_tool and proposed.kind != "unknown" and own_request:
            return None
        asked_tool = TOOLS.get(proposed.tool or "") if proposed.kind == "tool" else None
        if proposed.sure and asked_tool is not None and not same_tool:
            # "and my heart rate trend since September": a metric the last tool can't take;
            # "ok now log my bench": a write of its own
            distinct = set(proposed.args) - set(spec.arguments.model_fields) - COMMON_ARGS
            if asked_tool.writes or distinct:
                return None
        newest = "limit" in changes and not {"since", "until"} & changes.keys()
        if {"since", "until"} & changes.keys() or newest:  # "just the last 3": no old dates
            args = {k: v for k, v in args.items() if k not in ("since", "until")}
        follow = Route("tool", tool, args | changes, 0.9, "a follow-up of the last answer")
        if "query" in follow.args:  # a question is never carried over: this one is asked
            follow.args["query"] = message
        follow.carried = {
            k: v for k, v in args.items() if k not in changes and v is not None and k != "query"
        }
        follow.args = {k: v for k, v in follow.args.items() if v is not None}
        return follow

    def _ask_model(
        self, message: str, proposed: Route, files: list[str], today: date
    ) -> Route | None:
        """A model's proposal when the router is not sure, validated; file arguments only ever
        come from this turn's attachments."""
        proposal = propose_call(self.llm, message, today, proposed)
        if proposal is None or proposal.tool is None:
            return None
        spec = get_tool(proposal.tool)
        if spec.planned or spec.file_arg:  # file arguments come only from this turn's files
            return for_tool(spec.name, normalise(message), message, today, 0.7)
        return Route("tool", spec.name, proposal.args or {}, 0.7, "the model")

    def _act(
        self,
        actor: User,
        subject: subjects.Subject,
        message: str,
        proposed: Route,
        files: list[str],
        progress: Progress,
    ) -> Reply:
        name = self.llm.name

        def say(text: str) -> Reply:
            return Reply(text, backend=name, route=proposed, subject_ids=subject.ids)

        if proposed.kind == "decline":
            return say(decline_answer(proposed.reason, message))
        if proposed.kind == "pain":
            return say(pain_answer(message, self._who(actor, subject.one)).text)
        if proposed.kind == "smalltalk":
            if re.search(r"\b(thanks|thank you|thx|cheers|ty|appreciate)\b", message.lower()):
                return say("You're welcome! Happy running.")
            if NO.match(message):
                return say("Okay.")
            return say("Hi! " + help_text())
        if proposed.kind == "help":
            return say(help_text())
        if proposed.kind == "tool" and proposed.tool is not None:
            proposed = self._for_the_question(proposed, message, subject)
        if not proposed.sure and proposed.kind != "clarify":
            return self._ask_which(actor, subject, proposed)
        if proposed.kind == "coming_soon":
            spec = get_tool(proposed.tool or "")
            return say(
                f"I can't do {spec.summary} yet; it is on its way. Meanwhile I can list your "
                "training, analyse a run video, or explain technique with sources."
            )
        if proposed.kind == "clarify":
            if proposed.tool is None:
                return say(_unsupported_file())
            return say(get_tool(proposed.tool).needs)
        if proposed.kind != "tool" or proposed.tool is None:
            return say(NOT_SURE.format(help=help_text()))
        call = ToolCall(proposed.tool, proposed.args)
        spec = get_tool(call.name)
        missing = [a for a in spec.required() if a not in call.args and a != spec.file_arg]
        if missing:
            return self._ask_for(actor, subject, call, missing[0])
        if spec.flow is not None:
            return self._step(actor, subject, message, call, dict(call.args), progress)
        if spec.writes and not files:
            return self._confirm(actor, subject, call)
        unread = ", ".join(f"“{p}”" for p in proposed.not_understood)
        reply = self._run(actor, subject, message, call, progress, unread, proposed.answer)
        reply.route = proposed
        if proposed.carried and reply.results and reply.results[0].ok:
            kept = f"Kept from your last question: {carried_words(proposed.carried)}."
            verdict = proposed.answer in VERDICT_KINDS
            reply.text = f"{reply.text}\n\n{kept}" if verdict else f"{kept}\n\n{reply.text}"
        if unread and reply.results and reply.results[0].ok:
            reply.text = (
                f"I didn't understand {unread}, so this covers {_scope(call)}.\n\n{reply.text}"
            )
        return reply

    def _for_the_question(self, proposed: Route, message: str, subject: subjects.Subject) -> Route:
        """The proposed tool, or the likeliest other read-only tool that answers the kind of
        question asked ("was that week too big a jump?" wants a verdict, not a listing); a
        verdict about the athlete ("should I race this weekend?") comes from their data, not
        from the general notes."""
        spec = get_tool(proposed.tool or "")
        personal = subject.named or bool(PERSONAL.search(normalise(message)))

        def fits(other: ToolSpec) -> bool:
            return proposed.answer in other.answers and (other.reads_athlete or not personal)

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
                today = self.today or date.today()
                sure = max(probability, SURE)  # the one likely reading that can answer it
                better = for_tool(name, normalise(message), message, today, sure)
                better.answer = proposed.answer
                return better
        return proposed

    def _confirm(self, actor: User, subject: subjects.Subject, call: ToolCall) -> Reply:
        spec = get_tool(call.name)
        with self.db.session() as session:
            put_state(session, actor, subject.one, CONFIRM, call.name, call.args)
        return Reply(
            spec.confirmation(call.args),
            backend=self.llm.name,
            pending=call,
            subject_ids=subject.ids,
        )

    def _ask_for(
        self, actor: User, subject: subjects.Subject, call: ToolCall, argument: str
    ) -> Reply:
        """Ask for an argument the call lacks; the next message fills it."""
        spec = get_tool(call.name)
        question = spec.asks.get(argument) or f"What {argument.replace('_', ' ')}?"
        with self.db.session() as session:
            put_state(session, actor, subject.one, ASK, call.name, call.args, {"missing": argument})
        return Reply(question, backend=self.llm.name, subject_ids=subject.ids)

    def _step(
        self,
        actor: User,
        subject: subjects.Subject,
        message: str,
        call: ToolCall,
        data: dict[str, Any],
        progress: Progress,
    ) -> Reply:
        """One step of a multi-turn tool: its next question, or its result when done."""
        spec = get_tool(call.name)
        about = subject.one
        if about is None or spec.flow is None:  # a coach asking about all their athletes
            reply = self._run(actor, subject, message, call, progress)
            reply.route = Route("tool", call.name, call.args, 1.0, "asked of several athletes")
            return reply
        ctx = self._context(actor, about, progress)
        try:
            step = spec.flow(ctx, own_data(data), message)
        except Exception:
            log.exception("flow %s failed", call.name)
            self._clear(actor, about, FLOW)
            step = FlowStep(result=ToolResult.failure(call.name, SOMETHING_WENT_WRONG))
        if step.result is None:
            with self.db.session() as session:
                kept = step.data | {ASKED: step.ask, CONFIRMING: step.confirming}
                put_state(session, actor, about, FLOW, call.name, call.args, kept)
            return Reply(
                step.ask,
                results=[step.shown] if step.shown is not None else [],
                backend=self.llm.name,
                pending=call if step.confirming else None,
                route=Route("tool", call.name, call.args, 1.0, "a step of a conversation"),
                subject_ids=subject.ids,
            )
        self._clear(actor, about, FLOW)
        reply = self._reply(message, [call], [self._label(actor, about, step.result)], subject)
        reply.route = Route("tool", call.name, call.args, 1.0, "the end of a conversation")
        return reply

    def _ask_which(self, actor: User, subject: subjects.Subject, proposed: Route) -> Reply:
        """A short question naming the two likeliest readings; the answer picks one."""
        readings = [n for n, _ in proposed.alternatives if n in TOOLS or n == "help"][:2]
        if not readings:
            return Reply(NOT_SURE.format(help=help_text()), backend=self.llm.name)
        words = [TOOLS[n].summary if n in TOOLS else "see what I can do" for n in readings]
        question = (
            f"Do you want me to {words[0]}, or to {words[1]}?"
            if len(words) == 2
            else f"Do you want me to {words[0]}?"
        )
        with self.db.session() as session:
            put_state(session, actor, subject.one, ASK, readings[0], data={"readings": readings})
        return Reply(question, backend=self.llm.name, route=proposed, subject_ids=subject.ids)

    # -- doing ----------------------------------------------------------------------------

    def _context(self, actor: User, athlete_id: int, progress: Progress) -> ToolContext:
        """What a tool is given for ``athlete_id``, on this Coach's day (refused if not visible)."""
        return ToolContext(
            db=self.db,
            actor=actor,
            settings=self.settings,
            athlete_id=athlete_id,
            progress=progress,
            today=self.today,
        )

    def _run(
        self,
        actor: User,
        subject: subjects.Subject,
        message: str,
        call: ToolCall,
        progress: Progress,
        unread: str = "",
        kind: str = "lookup",
    ) -> Reply:
        """Run ``call`` for each subject; ``unread`` names phrases of the message that could not
        be read into arguments, which makes the answer a guess and says so; ``kind`` is the kind
        of answer the message wants (a verdict leads when the result has one for it)."""
        calls, results = [], []
        for athlete_id in subject.ids:
            calls.append(call)
            result = self._call(actor, athlete_id, call, progress)
            if unread and result.ok:
                result.confidence = min(result.confidence, 0.5)
                result.reasons.insert(0, f"I didn't understand {unread}")
            results.append(result)
        with self.db.session() as session:
            put_state(
                session,
                actor,
                None,
                LAST,
                call.name,
                call.args,
                data={"subject": subject.one},
            )
            if subject.one is not None:
                put_state(session, actor, subject.one, LAST, call.name, call.args)
        return self._reply(message, calls, results, subject, kind)

    def _who(self, actor: User, athlete_id: int | None, unknown: str = "your athlete") -> str:
        """ "you", or the name of the athlete a coach asks about (``unknown`` if none is found)."""
        if athlete_id is None or athlete_id == actor.id:
            return "you"
        with self.db.session() as session:
            who = session.get(User, athlete_id)
            return (who.display_name or who.name) if who else unknown

    def _call(self, actor: User, athlete_id: int, call: ToolCall, progress: Progress) -> ToolResult:
        try:
            spec, ctx = get_tool(call.name), self._context(actor, athlete_id, progress)
            if spec.heavy:
                result = self.jobs.run_tool(spec.name, ctx, call.args)
            else:
                result = spec.call(ctx, call.args)
        except ToolCallError as error:
            result = ToolResult.failure(call.name, f"I couldn't run that: {error}")
        except AccessDenied as error:
            result = ToolResult.failure(call.name, str(error))
        except Exception:
            log.exception("tool %s failed", call.name)
            result = ToolResult.failure(call.name, SOMETHING_WENT_WRONG)
        return self._label(actor, athlete_id, result)

    def _label(self, actor: User, athlete_id: int, result: ToolResult) -> ToolResult:
        """Name the athlete on a result a coach reads, so the reply says whose data it is."""
        if athlete_id != actor.id:
            result.data["athlete"] = self._who(actor, athlete_id, unknown="")
        return result

    def _reply(
        self,
        message: str,
        calls: list[ToolCall],
        results: list[ToolResult],
        subject: subjects.Subject,
        kind: str = "lookup",
    ) -> Reply:
        text = compose_many(results, kind, message, roster=subject.all_athletes)
        led_by_finding = kind in VERDICT_KINDS and any(r.rendered_findings(kind) for r in results)
        if self.uses_llm and all(r.ok for r in results) and not led_by_finding:
            draft = draft_with_llm(self.llm, message, results)
            rendered = render_draft(draft, results, [c.args for c in calls], message)
            if rendered and is_grounded(rendered, results, [c.args for c in calls], message):
                text = with_sources(rendered, results)
                confidence = min(r.confidence for r in results)
                if confidence < STATE_BELOW:
                    reasons = [x for r in results for x in r.reasons]
                    text = f"{text}\n\n{confidence_sentence(confidence, reasons)}"
            elif draft:
                log.info("the model's draft was rejected; using the template")
        confidence = min((r.confidence for r in results), default=None)
        return Reply(
            text, calls, results, confidence, backend=self.llm.name, subject_ids=subject.ids
        )

    def _clear(self, actor: User, about: int | None, kind: str) -> None:
        with self.db.session() as session:
            clear_state(session, actor, about, kind)

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
        for result in reply.results:
            if result.ok and get_tool(result.tool).remember and athlete_id is not None:
                self._remember_in_history(athlete_id, stored_id, result)

    def _remember_in_history(self, athlete_id: int, message_id: int, result: ToolResult) -> None:
        """Put a summary of what happened (an analysis, an import, a sync) into the athlete's
        searchable history, so later questions can find it. A failure here costs the memory,
        never the reply."""
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


def history_summary(result: ToolResult, today: date) -> str:
    """One searchable line about a tool's result: when, what, and its key numbers."""
    facts = "; ".join(
        f"{fact.name.replace('_', ' ')} {fact.render()}" for fact in result.facts[:12]
    )
    return f"{today.isoformat()} {result.tool.replace('_', ' ')}: {result.message} {facts}".strip()


def _read_by_other(tool: str, text: str) -> Route | None:
    """The one other tool whose own readers find something in a short follow-up ("and her
    cadence?" names a metric only the change detector reads), as a route."""
    found = []
    for spec in TOOLS.values():
        if spec.name == tool or not spec.available or spec.file_arg or spec.writes:
            continue
        args = {
            k: v
            for k, read in spec.readers.items()
            if (v := read(text)) is not None and v != text.strip()  # not the whole message
        }
        if args:
            found.append(Route("tool", spec.name, args, 0.85, "a follow-up naming what it reads"))
    return found[0] if len(found) == 1 else None


def _only_details(text: str) -> bool:
    """A short message of details alone ("5 sets", "full one", "rides")."""
    return len(text.split()) <= 5


def _missing_argument(proposed: Route, asked: State, message: str, text: str, today: date) -> Route:
    """The call that was waiting for an argument, with this message as its answer (unless the
    message is plainly a new request)."""
    if proposed.sure and proposed.kind == "tool" and proposed.tool != asked.tool:
        return proposed
    spec = get_tool(asked.tool)
    argument = asked.data["missing"]
    value = extract(spec, text, message, today).args.get(argument)
    if value is None and spec.arguments.model_fields[argument].annotation in (str, str | None):
        value = message.strip()
    if value is None:
        return proposed
    return Route("tool", spec.name, asked.args | {argument: value}, 0.9, "the answer asked for")


def _answer_to_question(
    proposed: Route, data: dict[str, Any], message: str, text: str, today: date
) -> Route:
    """The reading the user picked after "Do you want me to A, or to B?"."""
    readings = [r for r in data.get("readings", []) if r in TOOLS]
    if not readings:
        return proposed
    pick = None
    if re.search(r"\b(second|latter|the other|b)\b", text):
        pick = readings[-1]
    elif YES.match(message) or re.search(r"\b(first|former|a)\b", text):
        pick = readings[0]
    else:
        for name in readings:
            if any(w in text for w in TOOLS[name].summary.split()[:2]):
                pick = name
    if pick is None:
        return proposed
    return for_tool(pick, text, message, today, 0.9)


def _scope(call: ToolCall) -> str:
    """What a call covers, in words: "all your runs", "your activities since 2025-03-01"."""
    sport = call.args.get("sport")
    what = f"{sport}s" if sport else "activities"
    since, until = call.args.get("since"), call.args.get("until")
    if since and until:
        return f"your {what} from {since} to {until}"
    if since:
        return f"your {what} since {since}"
    if until:
        return f"your {what} until {until}"
    return f"all your {what}"


def _unsupported_file() -> str:
    """What files Coach G takes, from the specs."""
    kinds = [
        f"{spec.summary.split('(')[0].strip()}: {', '.join(sorted(spec.file_types))}"
        for spec in TOOLS.values()
        if spec.file_types and spec.available
    ]
    return UNSUPPORTED_FILE + " " + "; ".join(kinds) + "."
