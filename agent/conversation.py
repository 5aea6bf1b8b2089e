"""Conversation state that never traps: what a message does to a conversation that waits for an
answer (a weekly check-in's next question, a write that waits for a yes), and what a follow-up
keeps from the question before.

A waiting question yields to a message that is clearly something else: an open question (the
check-in) is paused and resumed when asked ("back to it"); a write waiting for a yes is dropped,
and the reply says so. Whatever a follow-up keeps from the previous question is said in the
reply.
"""

from __future__ import annotations

import re
from datetime import UTC, date
from typing import Any

from agent.router import Route
from storage.conversation import CONFIRM_TTL, State
from storage.models import utcnow
from tools.words import day_words
from tools.yes_no import NO, YES

#: What a message does to a waiting conversation.
STEP = "step"  # it answers the question: the conversation goes on
PAUSE = "pause"  # it asks something else: the conversation waits, paused
DROP = "drop"  # it asks something else while a write waited for a yes: the write is dropped
RESUME = "resume"  # it asks to go back to the paused conversation
ASIDE = "aside"  # the conversation is paused and stays so: the message is answered on its own
KEEP = "keep"  # answered on its own (a red flag), and the question still waits for its answer
#: Keys the agent keeps beside a flow's own data.
ASKED, CONFIRMING, PAUSED = "_asked", "_confirming", "_paused"
FLOW_KEYS = frozenset({ASKED, CONFIRMING, PAUSED})
NOTHING_WAITING = "Nothing is waiting for a yes right now. What would you like to do?"
#: A bare yes ("yes", "yep, go ahead"): with nothing waiting for it, it is asked about.
BARE_YES = re.compile(r"^\W*(yes|yep|yeah|yup|y|sure|go ahead|do it|confirm|please do)\W*$", re.I)
#: A question for another tool pauses an open conversation from this probability on.
ASKS = 0.3

#: A change to a call waiting for a yes: "actually make it a full one", "instead ...".
AMEND = re.compile(
    r"^\s*(actually|make it|instead|rather|change it|but|and|no|wait|oh|hmm)\b", re.I
)
#: A message that asks for something ("what did I run...?", "show me ..."), not an answer.
REQUEST = re.compile(
    r"\?\s*$|^\W*(\w+\W+)?(what|what's|whats|how|show|list|when|which|why|who|can you|could you"
    r"|give|tell|did|does|is|are|am|compare|analy[sz]e|sync|import|log|build|set)\b",
    re.I,
)
#: A message that asks (a question mark, or a request's verb first): "stress is low" doesn't.
ASKING = re.compile(
    r"\?\s*$|^\W*(\w+\W+)?(what|what's|whats|how|show|list|when|which|why|who|can you"
    r"|could you|give|tell|compare|analy[sz]e|sync|import|log|build|set)\b",
    re.I,
)
#: Thanks alone, which answers no question.
THANKS = re.compile(r"^\W*(thanks?( you)?|thx|ty|cheers|ta)\b[\w\s]{0,12}\W*$", re.I)
#: "back to the check-in", "let's continue", "where were we".
BACK = re.compile(
    r"\b(back to|continue|carry on|resume|go on with|finish|where were we|let'?s go on)\b", re.I
)


def carried_words(args: dict[str, Any]) -> str:
    """What a follow-up kept from the question before, in words: "since 1 Oct 2026, runs"."""
    words = []
    since, until = _day(args.get("since")), _day(args.get("until"))
    if since and until:
        words.append(f"{since} to {until}")
    elif since or until:
        words.append(f"since {since}" if since else f"until {until}")
    for key, value in args.items():
        if key in ("since", "until"):
            continue
        if key == "sport":
            words.append(f"{value}s")
        elif key == "limit":
            words.append(f"the last {value}")
        else:
            words.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(words)


def _day(value: Any) -> str:
    """An ISO date as "1 Oct 2026" (anything else as it is; nothing as "")."""
    if not value:
        return ""
    try:
        return day_words(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def own_data(data: dict[str, Any]) -> dict[str, Any]:
    """A flow's own data, without what the agent keeps beside it."""
    return {k: v for k, v in data.items() if k not in FLOW_KEYS}


#: "save it", "log the bench", "ok yes save that": the yes to a write set aside.
SAVE_IT = re.compile(
    r"^\W*(?:(?:ok|okay|yes|yep|yeah|sure|right)\W+)*(?:please\W+)?(?:save|log|store|keep|record)"
    r"\b(?:\W+(?:it|that|this|the|them|those|my))?",
    re.I,
)
#: A question that a yes or a no answers, as a flow's last question ends.
YES_NO_QUESTION = re.compile(
    r"(?:^|[.!?]\s+)(?:is|are|any|do|did|does|have|has|will|would|can|could|should|was|were)\b"
    r"[^.!?]*\?\s*$",
    re.I,
)


def _fresh(flow: State) -> bool:
    """Whether a write set aside still waits for its yes: as long as a confirmation does."""
    updated = flow.updated_at
    if updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return utcnow() - updated <= CONFIRM_TTL


def waiting_flow(flow: State, proposed: Route, message: str, text: str, heard: bool = False) -> str:
    """What ``message`` (routed as ``proposed``) does to the waiting conversation ``flow``;
    ``heard``: the flow itself reads an answer to one of its questions in it."""
    to_flow = proposed.kind == "tool" and proposed.tool == flow.tool
    answered = YES.match(message) or NO.match(message) or SAVE_IT.search(message)
    if flow.data.get(PAUSED) and flow.data.get(CONFIRMING) and _fresh(flow) and answered:
        return STEP  # a write set aside for another question: "ok yes, save the bench"
    if flow.data.get(PAUSED):
        return RESUME if to_flow or BACK.search(text) else ASIDE
    asks_else = proposed.kind == "tool" and not to_flow and bool(REQUEST.search(message))
    if proposed.kind in ("decline", "pain") and flow.data.get(CONFIRMING):
        return DROP  # a red flag, pain or a refusal first; the write waiting for a yes is dropped
    if proposed.kind == "decline":
        return KEEP  # a red flag or a refusal first; the question still waits
    if flow.data.get(CONFIRMING):
        if YES.match(message) or NO.match(message) or to_flow:
            return STEP
        if AMEND.match(message) and not (asks_else and proposed.sure):
            return STEP
        if len(text.split()) <= 3 and proposed.kind in ("unknown", "tool") and not proposed.sure:
            return STEP  # a short detail for the write ("5 sets", "rides")
        return PAUSE  # set aside, still waiting for its yes (see SAVE_IT)
    if (YES.match(message) or NO.match(message)) and YES_NO_QUESTION.search(
        str(flow.data.get(ASKED) or "")
    ):
        return STEP  # "Is a race coming up?" - "yes, a 10k on the 26th": its answer
    asks_help = proposed.kind == "help" and (REQUEST.search(message) or "help" in text)
    if asks_help or THANKS.search(text):
        return PAUSE
    if heard and not ASKING.search(message):
        return STEP  # "stress is low, energy high": an answer, whatever else it could be
    elsewhere = proposed.kind == "tool" and not to_flow
    if elsewhere and (proposed.confidence > 0.9 or (asks_else and proposed.confidence >= ASKS)):
        return PAUSE
    return STEP
