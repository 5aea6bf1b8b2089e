"""A message read against the conversation before it: a follow-up of the last answer ("and last
month?", "what about Ann?", "and her cadence?"), the answer to an argument Coach G asked for,
or the reading picked after "Do you want me to A, or to B?"."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from agent.dates import parse_dates
from agent.extractors import MONTHS_ALONE, bare_period, extract, shift_count, shift_period
from agent.router import Route, for_tool
from storage.conversation import State
from tools.registry import TOOLS, get_tool
from tools.yes_no import YES

#: Words of a request that stands on its own ("my last 3 runs"), not a fragment ("april then").
STANDALONE = re.compile(r"\b(my|i|me|mine|show|list|what|how|did|give|tell)\b")
#: A message that builds on the last answer: "and last month?", "what about rides?".
FOLLOW_UP = re.compile(
    r"^\s*((ok|okay|right|cool|great|so|yo|hmm|and)\W+)?(and|but|what about|how about|same for"
    r"|same but|now|only|just|ok and|also|what of|then|instead|the same|make it|back to)\b"
    r"|^\s*(for|in|on|since|from|over)\b|\bthen\W*$"
    r"|\bthat (month|week|year|day|period)\b|\bsame (thing|period|time|month|week|again)\b"
    r"|\b(instead|rather)\W*$"
    # what the last answer was about, by a pronoun: "what did I squat in it?"
    r"|\b(in|from|during|on) (it|that|that one|there|that (session|workout|run|day))\W*$"
    # a correction: "no, I meant 2024", "sorry, make that rides"
    r"|^\s*((no|nope|sorry|oops|actually|wait|err?m?)\W+)*(i meant|i mean|meant|make that)\b",
    re.I,
)
#: An argument a follow-up names, and those of the last call it replaces: weeks asked after
#: two years compared are weeks, not those years again.
SUPERSEDES = {"weeks": ("years",), "years": ("weeks",)}
#: Arguments many tools share (a period, a count, a question's text): naming one is no sign
#: that a message asks another tool.
COMMON_ARGS = frozenset({"since", "until", "weeks", "limit", "query", "sport"})
#: "do 8 weeks instead": the last question changed, whatever else the words could ask.
INSTEAD = re.compile(r"\b(instead|rather)\b", re.I)
#: "back to Sam, ...": a change of subject before a request of its own.
BACK_TO = re.compile(r"^\W*(?:ok\W+|and\W+|now\W+)?back to \w+\s*[,:;.-]+\s*(?=\S)", re.I)
#: "ever", "of all time": a question over all the data, whatever dates came before.
ALL_TIME = re.compile(r"\b(ever|of all time|all[- ]time|in total|since i started)\b", re.I)
#: "any sport", "everything": no sport kept from before.
ANY_SPORT = re.compile(r"\b(any|all|every) (sport|sports|activit(y|ies))\b|\beverything\b", re.I)
#: "that week", "that run": the days the last answer was about (its record, say).
THAT_PERIOD = re.compile(r"\b(that|the same) (week|month|day|run|race|session)\b", re.I)
#: "and now?": the last call again, up to today.
NOW = re.compile(r"\b(now|today|currently|at the moment|these days|right now)\W*$", re.I)


#: A month named alone: "and august?".
_MONTH_ALONE = re.compile(rf"\b({MONTHS_ALONE})\b")


def _same_year(args: dict[str, Any], changes: dict[str, Any], text: str, today: date) -> dict:
    """A month named without a year after a question about one year ("how much did I run in
    July 2021?" -> "and August?") is that year's month, not the latest one."""
    since, until = str(args.get("since") or ""), str(args.get("until") or "")
    if not ({"since", "until"} & changes.keys() and since[:4] and since[:4] == until[:4]):
        return {}
    if re.search(r"\b(19|20)\d\d\b|\b(this|last|next|past|previous)\b", text):
        return {}
    if not (m := _MONTH_ALONE.search(text)):
        return {}
    dates = parse_dates(f" in {m[1]} {since[:4]} ", today)
    return dates.as_args() if dates else {}


def follow_up(
    proposed: Route,
    tool: str,
    args: dict[str, Any],
    named: bool,
    message: str,
    text: str,
    today: date,
    focus: dict[str, str] | None = None,
) -> Route | None:
    """The last call again with what this message changes ("and last month?", "what about
    Ann?", "just runs"), when the message builds on it."""
    spec = TOOLS.get(tool)
    if spec is None or spec.file_arg:
        return None
    if BACK_TO.match(text) and named:  # "back to Sam: his last 5 runs": a request of its own
        text, message = BACK_TO.sub("", text, count=1), BACK_TO.sub("", message, count=1)
    elliptical = FOLLOW_UP.search(message) or (
        len(text.split()) <= 4 and not STANDALONE.search(text)
    )
    changes = extract(spec, text, message, today).args
    changes.pop("query", None)
    changes |= shift_period(args, text)
    if ALL_TIME.search(text):  # "longest hike ever?": no dates kept
        changes |= {"since": None, "until": None}
    if ANY_SPORT.search(text) and "sport" in args:  # "all of August, any sport?"
        changes["sport"] = None
    if focus and THAT_PERIOD.search(text) and not {"since", "until"} & changes.keys():
        changes |= {"since": focus["since"], "until": focus["until"], "order": None}
    reads_dates = {"since", "until"} & set(spec.arguments.model_fields)
    if reads_dates and not {"since", "until"} & changes.keys():
        changes |= bare_period(text, today)
    changes |= _same_year(args, changes, text, today)  # "and august?" after July 2021
    changes |= shift_count(args, set(spec.arguments.model_fields), text)
    changes = {k: v for k, v in changes.items() if k in spec.arguments.model_fields}
    if not changes and NOW.search(text) and args.get("until"):
        changes["until"] = None  # "and now?": up to today
    general = proposed.kind == "tool" and not get_tool(proposed.tool or "").reads_athlete
    unsure = not proposed.sure or proposed.kind != "tool" or general  # "and her cadence?"
    if (
        not changes
        and unsure
        and FOLLOW_UP.search(message)
        and (other := read_by_other(tool, text))
    ):
        return other  # "and her cadence?" after her load: the tool that reads "cadence"
    same_tool = proposed.tool == tool
    if not (elliptical and (changes or named)) and not (not proposed.sure and changes):
        return None
    # a short request of its own ("Bob's pace?"), or a whole one after "and" ("and how many
    # runs did I do in October?")
    whole = proposed.confidence >= 0.9 and len(text.split()) >= 6 and STANDALONE.search(text)
    own_request = not FOLLOW_UP.search(message) or bool(whole)
    if (
        proposed.sure
        and not same_tool
        and proposed.kind not in ("unknown", "smalltalk")
        and (own_request)
    ):  # "fine, Sam" answers "which athlete?": small talk around a name is no request
        return None
    asked_tool = TOOLS.get(proposed.tool or "") if proposed.kind == "tool" else None
    instead = bool(INSTEAD.search(text)) and bool(changes)  # "do 8 weeks instead": the last call
    if proposed.sure and asked_tool is not None and not same_tool and not instead:
        # "and my heart rate trend since September": a metric the last tool can't take;
        # "ok now log my bench": a write of its own
        distinct = set(proposed.args) - set(spec.arguments.model_fields) - COMMON_ARGS
        if asked_tool.writes or distinct:
            return None
    # "just the last 3": the newest, whatever the dates; "top 3" of a record: of its period
    newest = (
        "limit" in changes and not {"since", "until"} & changes.keys() and not args.get("order")
    )
    if {"since", "until"} & changes.keys() or newest:  # "just the last 3": no old dates
        args = {k: v for k, v in args.items() if k not in ("since", "until")}
    for named, dropped in SUPERSEDES.items():  # "and my last 4 weeks?" after two years
        if named in changes:
            args = {k: v for k, v in args.items() if k not in dropped}
    follow = Route("tool", tool, args | changes, 0.9, "a follow-up of the last answer")
    if "query" in follow.args:  # a question is never carried over: this one is asked
        follow.args["query"] = message
    follow.carried = {
        k: v for k, v in args.items() if k not in changes and v is not None and k != "query"
    }
    follow.args = {k: v for k, v in follow.args.items() if v is not None}
    return follow


def flow_changes(tool: str, message: str, text: str, today: date) -> dict[str, Any]:
    """What a message changes in a flow that began from its arguments ("what about with a
    gym?", "make it 20 minutes" while a routine waits for its yes): the arguments it names,
    when it builds on the flow rather than asking something of its own; empty otherwise."""
    spec = TOOLS.get(tool)
    if spec is None or not spec.flow_args:
        return {}
    elliptical = FOLLOW_UP.search(message) or (
        len(text.split()) <= 4 and not STANDALONE.search(text)
    )
    return extract(spec, text, message, today).args if elliptical else {}


def read_by_other(tool: str, text: str) -> Route | None:
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


def only_details(text: str) -> bool:
    """A short message of details alone ("5 sets", "full one", "rides")."""
    return len(text.split()) <= 5


def missing_argument(proposed: Route, asked: State, message: str, text: str, today: date) -> Route:
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


def answer_to_question(
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
