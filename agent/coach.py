"""Coach G's turn loop: whom it is about, what the message asks in the light of the
conversation so far, confirm writes, run the tool, and remember.

Nothing here names a tool: what a tool takes, writes, asks and remembers comes from its spec.
The pieces live in their own modules: reading a follow-up (:mod:`agent.follow_up`), what is
waiting in a conversation (:mod:`agent.conversation`, kept in :mod:`storage.conversation`),
running a tool inline or on the job queue (:mod:`agent.running`), the reply's words
(:mod:`agent.drafting`) and what a turn leaves behind (:mod:`agent.memory`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent import subjects
from agent.composer import help_text
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
from agent.dispatch import MODEL, decisive, for_the_kind, for_the_question
from agent.drafting import draft_reply
from agent.extractors import extract
from agent.follow_up import (
    answer_to_question,
    flow_changes,
    follow_up,
    missing_argument,
    only_details,
)
from agent.intents import IntentClassifier
from agent.llm_calls import propose_call
from agent.memory import Memory
from agent.question import NUMBERS, VERDICT_KINDS, answer_kind
from agent.reading import normalise
from agent.replies import (
    NOT_SURE,
    NOT_YOUR_ATHLETE,
    SOMETHING_WENT_WRONG,
    Reply,
    ToolCall,
    decline_answer,
    unsupported_file,
)
from agent.router import Route, for_tool, only_smalltalk, route
from agent.running import ToolRunner
from knowledge.pain import pain_answer
from models.llm import LLMBackend, RulesBackend, load_backend
from storage.access import can_see
from storage.conversation import (
    ASK,
    CONFIRM,
    FLOW,
    LAST,
    PEOPLE,
    State,
    clear_state,
    put_state,
    states_of,
)
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import athletes_of
from tools.context import Progress, no_progress
from tools.markdown import escape
from tools.registry import TOOLS, get_tool
from tools.result import ToolResult
from tools.spec import FlowStep
from tools.yes_no import NO, YES

if TYPE_CHECKING:
    from tools.jobs.runner import JobRunner  # the queue is started on first use

log = logging.getLogger(__name__)

#: Leaving a multi-turn conversation.
STOP = re.compile(
    r"^\s*(stop|cancel|quit|exit|never ?mind|forget it|let's stop|end)\b"
    r"|^\W*(thanks?\w*|cheers|ok|okay)?\W*(coach\W*)?"
    r"(that'?s all|that'?s it|done for (now|today))\b",
    re.I,
)
#: "stop, I'll finish it later": a pause, not an end.
LATER = re.compile(r"\b(later|another time|tomorrow|after ?wards?|in a bit|pause)\b", re.I)


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
        self.llm = llm if llm is not None else load_backend(settings)
        self.today = today
        self.classifier = classifier  # None: the one trained on the registry's tools
        self.tools = ToolRunner(db, settings, today, jobs)
        self.memory = Memory(db, settings, today)

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
                self.memory.remember(actor, None, message, reply)
                return reply
            people = athletes_of(session, actor) if actor.role == "coach" else []
            states = {(s.subject_id, s.kind): s for s in states_of(session, actor)}
        last = states.get((None, LAST))
        last_subject = last.data.get("subject") if last else None
        held = states.get((None, PEOPLE))
        talk = subjects.Talk(**held.data) if held else subjects.Talk()
        subject = subjects.resolve(actor, message, people, athlete_id, last_subject, talk)
        if subject.unclear:  # "is she overtraining?" with no one named yet
            names = [escape(p.display_name or p.name) for p in people]
            which = " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            asked = self._remember_question(actor, message, files)  # "Sam" then answers it
            reply = Reply(
                f"Which athlete do you mean: {which}?",
                backend=self.llm.name,
                route=Route("clarify", asked, confidence=1.0, reason="which athlete"),
            )
            self.memory.remember(actor, None, message, reply)
            return reply
        if subject.denied:
            reply = Reply(NOT_YOUR_ATHLETE, backend=self.llm.name)
            self._remember_question(actor, message, files)  # "Is Max ...?" -> "Is Sam?"
            self.memory.remember(actor, None, message, reply)
            return reply
        reply = self._answer(actor, subject, message, files, progress or no_progress, states)
        lost = reply.route is not None and reply.route.kind == "unknown"
        if lost and subjects.names_a_stranger(actor, message, people):  # "now bob", "and bob's?"
            reply = Reply(NOT_YOUR_ATHLETE, backend=self.llm.name, route=Route("decline"))
        about = subject.one
        named_only = subject.named and not reply.tool_calls and last is not None
        now = talk.after(message, about, actor) if people else talk
        if named_only or now != talk:
            with self.db.session() as session:
                if named_only and last is not None:  # "Sam mentioned chest pain" -> "his runs"
                    put_state(session, actor, None, LAST, last.tool, last.args, {"subject": about})
                if now != talk:
                    put_state(session, actor, None, PEOPLE, "people", data=asdict(now))
        self.memory.remember(actor, about, message, reply)
        return reply

    def _remember_question(self, actor: User, message: str, files: list[str]) -> str | None:
        """What a refused or unclear question asked, so that the same question about someone
        the user may see follows it ("Is Max overtraining?" refused, then "Is Sam?"); the tool
        it would call, if any."""
        today = self.today or date.today()
        proposed = route(message, files, today, self.classifier)
        if proposed.kind == "tool" and proposed.tool:  # a question about someone: their data
            proposed.answer = answer_kind(normalise(message))
            proposed = for_the_question(proposed, message, True, today)
        if proposed.kind == "tool" and proposed.tool and not get_tool(proposed.tool).writes:
            with self.db.session() as session:
                put_state(session, actor, None, LAST, proposed.tool, proposed.args, {})
        return proposed.tool if proposed.kind == "tool" else None

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
        latest = states.get((None, LAST))
        switched = latest is not None and latest.data.get("subject", about) != about
        if subject.named or switched:  # "what about Ann?", "and his?": the latest call
            last = latest or last
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
            stopped = STOP.match(message)
            rest = message[stopped.end() :].strip(" ,.;:!-") if stopped else ""
            rest = re.sub(r"^(that|it|this)\b[\s,.;:!-]*", "", rest, flags=re.I)
            if stopped and LATER.search(rest):  # "stop, I'll finish it later": paused
                return Reply(
                    self._leave_flow(actor, about, flow, PAUSE).strip("()"),
                    backend=self.llm.name,
                    route=Route("smalltalk", flow.tool, reason="paused a flow", confidence=1.0),
                    subject_ids=subject.ids,
                )
            instead = self._request_after(rest, files, today) if stopped else None
            if instead is not None:  # "never mind that. what should I work on next?": answered
                self._clear(actor, about, FLOW)
                message, text, flow, proposed = rest, normalise(rest), None, instead
                proposed.answer = answer_kind(text)
            elif stopped:
                self._clear(actor, about, FLOW)
                return Reply(
                    "Okay, we'll stop here.",
                    backend=self.llm.name,
                    route=Route("smalltalk", confidence=1.0, reason="stopped a flow"),
                    subject_ids=subject.ids,
                )
        if flow is not None and not files and pending is None:
            if changes := flow_changes(flow.tool, message, text, today):  # "with a gym?"
                self._clear(actor, about, FLOW)
                call = ToolCall(flow.tool, flow.args | changes)
                return self._step(actor, subject, message, call, {}, progress)
            hears = get_tool(flow.tool).hears
            heard = bool(hears and hears(message))
            waiting = waiting_flow(flow, proposed, message, text, heard)
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
            if amended and (refused or AMEND.match(message) or only_details(text)):
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
                proposed = missing_argument(proposed, asked, message, text, today)
            else:
                proposed = answer_to_question(proposed, asked.data, message, text, today)
        # small talk alone ("thanks!") follows up nothing; a short request the classifier
        # reads as small talk ("ok and efficiency") may
        chat = only_smalltalk(text)
        followable = proposed.kind not in ("decline", "help", "pain") and not chat
        if last is not None and not files and followable:
            focus = last.data.get("focus")
            follow = follow_up(  # "what about her?": a new subject, named or by pronoun
                proposed,
                last.tool,
                last.args,
                subject.named or switched,
                message,
                text,
                today,
                focus,
            )
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
        if how == PAUSE and flow.data.get(CONFIRMING):  # a write set aside, still waiting
            return f"(I haven't done this yet: {spec.summary}. Say “yes” to do it, or “no”.)"
        if how == PAUSE:
            what = spec.summary.removeprefix("do your ")
            return f"(Your {what} is paused: say “back to it” to go on.)"
        return f"(I didn't {spec.summary}: ask again when you want it.)"

    def _new_request(self, message: str, files: list[str], today: date) -> bool:
        """Whether what follows a "no" is a request of its own ("no wait, what did I run
        yesterday?")."""
        return self._request_after(message, files, today) is not None

    def _request_after(self, message: str, files: list[str], today: date) -> Route | None:
        """The route of what follows a "no" (or "stop") when it is a request of its own, sure
        of its tool; else None."""
        rest = NO.sub("", message, count=1).strip(" ,.!-")
        if len(rest.split()) < 3:
            return None
        proposed = route(rest, files, today, self.classifier)
        return proposed if proposed.sure and proposed.kind == "tool" else None

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
        return Route("tool", spec.name, proposal.args or {}, 0.7, MODEL)

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
            who = self.tools.who(actor, subject.one)
            if who == "you" and actor.role == "coach" and subjects.third_person(message):
                who = "your athlete"  # "she's limping": one of theirs, not the coach
            return say(pain_answer(message, who).text)
        if proposed.kind == "smalltalk":
            if re.search(r"\b(thanks|thank you|thx|cheers|ty|appreciate)\b", message.lower()):
                return say("You're welcome! Happy running.")
            if NO.match(message):
                return say("Okay.")
            return say("Hi! " + help_text())
        if proposed.kind == "help":
            return say(help_text())
        today = self.today or date.today()
        proposed = for_the_kind(proposed, message, today)
        if proposed.kind == "tool" and proposed.tool is not None:
            proposed = decisive(for_the_question(proposed, message, subject.named, today))
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
                return say(unsupported_file())
            spec = get_tool(proposed.tool)
            if spec.recalls and (about := subject.one) is not None:  # "what did my video say?"
                ctx = self.tools.context(actor, about, progress)
                if (stored := spec.recalls(ctx, message)) is not None:
                    return say(stored)
            return say(spec.needs)
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
                f"I didn't understand {unread}, so this covers {call.scope()}.\n\n{reply.text}"
            )
        return reply

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
        ctx = self.tools.context(actor, about, progress)
        try:
            flow_data = own_data(data)
            if spec.flow_args and not flow_data:  # the first step: what the call was given
                flow_data = {"args": dict(call.args)}
            step = spec.flow(ctx, flow_data, message)
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
        reply = self._reply(message, [call], [self.tools.label(actor, about, step.result)], subject)
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
            result = self.tools.call(actor, athlete_id, call.name, call.args, progress)
            if unread and result.ok:
                result.confidence = min(result.confidence, 0.5)
                result.reasons.insert(0, f"I didn't understand {unread}")
            results.append(result)
        focus = results[0].data.get("focus") if len(results) == 1 else None
        with self.db.session() as session:
            data = {"subject": subject.one, "focus": focus}
            put_state(session, actor, None, LAST, call.name, call.args, data=data)
            if subject.one is not None:
                put_state(session, actor, subject.one, LAST, call.name, call.args, {"focus": focus})
        return self._reply(message, calls, results, subject, kind)

    def _reply(
        self,
        message: str,
        calls: list[ToolCall],
        results: list[ToolResult],
        subject: subjects.Subject,
        kind: str = "lookup",
    ) -> Reply:
        args = [c.args for c in calls]
        text = draft_reply(self.llm, message, args, results, kind, roster=subject.all_athletes)
        confidence = min((r.confidence for r in results), default=None)
        return Reply(
            text, calls, results, confidence, backend=self.llm.name, subject_ids=subject.ids
        )

    def _clear(self, actor: User, about: int | None, kind: str) -> None:
        with self.db.session() as session:
            clear_state(session, actor, about, kind)
