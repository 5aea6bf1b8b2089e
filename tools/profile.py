"""The athlete profile tools: ``set_profile`` stores what an athlete (or their coach) says about
their heart rates, threshold pace and sex; ``show_profile`` shows the values training load uses,
each with where it came from (the profile, an estimate from the data, or an assumption).

Two tools, because a write is confirmed before it runs and a look is not: Coach G asks "Shall I
store your maximum heart rate as 190 bpm now?" only when something is to be stored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from itertools import pairwise
from typing import Any

from storage.metrics import PROFILE_FIELDS, get_profile
from storage.metrics import set_profile as store_profile
from tools.activities import pace_text, parse_day
from tools.context import ToolContext
from tools.reply import standard_reply
from tools.result import Fact, ToolResult
from tools.spec import ToolSpec
from tools.trends import load as maths
from tools.trends.load import HR_HIGH, HR_LOW
from tools.trends.training_load import load_report

SET_TOOL = "set_profile"
SHOW_TOOL = "show_profile"
#: Threshold paces Coach G accepts, in seconds per km (2:00 to 12:00 /km).
PACE_FAST, PACE_SLOW = 120, 720
SEXES = {
    "male": "male",
    "m": "male",
    "man": "male",
    "men": "male",
    "guy": "male",
    "female": "female",
    "f": "female",
    "woman": "female",
    "women": "female",
    "girl": "female",
}
#: Each heart rate of the profile, in words, lowest first (they must stay in this order).
HEART_RATES = {
    "resting_hr": "resting heart rate",
    "threshold_hr": "threshold heart rate",
    "max_hr": "maximum heart rate",
}
#: What to say to set each value, in the chat and on the command line.
HOW_TO_SET = {
    "max_hr": ("“my max heart rate is 190”", "--max-hr 190"),
    "resting_hr": ("“my resting heart rate is 50”", "--resting-hr 50"),
    "threshold_hr": ("“my threshold heart rate is 170”", "--threshold-hr 170"),
    "threshold_pace": ("“my threshold pace is 4:30/km”", "--threshold-pace 4:30"),
    "sex": ("“I'm female” or “I'm male”", "--sex female"),
}
SOURCE_WORDS = {
    "profile": "from your profile",
    "estimated": "estimated from your data",
    "assumed": "assumed, a typical value",
    "missing": "unknown",
}
NOTHING_GIVEN = (
    "Tell me what to store, for example “my max heart rate is 190”, “resting hr 48”, "
    "“my threshold pace is 4:30/km” or “I'm female”."
)


class ProfileError(ValueError):
    """A profile value that cannot be stored; the message says what to do instead."""


# -- reading and checking values --------------------------------------------------------------


def parse_pace(value: str | float | int) -> float:
    """A threshold pace in seconds per km, from ``"4:30"``, ``"4:30/km"``, ``"4:30 min/km"`` or
    seconds (``270``); raises :class:`ProfileError` for anything else or outside 2:00-12:00."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        text = str(value).strip().lower()
        text = re.sub(r"\s*(?:min(?:utes)?\s*)?(?:/|per|a)\s*(?:km|kilomet(?:re|er))$", "", text)
        if found := re.fullmatch(r"(\d{1,2})[:'](\d{2})(?:\.\d+)?", text):
            if int(found[2]) >= 60:
                raise ProfileError(
                    f"{value!r} is not a pace: the seconds must be below 60. "
                    "Give it as minutes:seconds per km, e.g. 4:30."
                )
            seconds = int(found[1]) * 60 + int(found[2])
        elif found := re.fullmatch(r"(\d{2,3}(?:\.\d+)?)\s*(?:s|sec|seconds)?", text):
            seconds = float(found[1])
        else:
            raise ProfileError(
                f"I can't read {value!r} as a pace. Give it as minutes:seconds per km, e.g. 4:30 "
                "(or 4:30/km)."
            )
    if not PACE_FAST <= seconds <= PACE_SLOW:
        raise ProfileError(
            f"A threshold pace of {pace_text(seconds / 60.0)} /km is outside "
            f"{pace_text(PACE_FAST / 60.0)}-{pace_text(PACE_SLOW / 60.0)} per km. Give it as "
            "minutes:seconds per km, e.g. 4:30 (the pace you could hold for about an hour)."
        )
    return seconds


def parse_sex(value: str) -> str:
    """``"male"`` or ``"female"`` (also from "m", "woman", ...); raises :class:`ProfileError`."""
    sex = SEXES.get(str(value).strip().lower())
    if sex is None:
        raise ProfileError(
            f"I can't read {value!r} as a sex: say male or female. It only picks the heart-rate "
            "weighting of training load (Banister's TRIMP)."
        )
    return sex


def _heart_rate(name: str, value: float) -> float:
    words = HEART_RATES[name]
    if not HR_LOW <= value <= HR_HIGH:
        raise ProfileError(
            f"A {words} of {_number(value)} bpm is outside {HR_LOW}-{HR_HIGH} bpm. Check the "
            f"number and tell me again, for example {HOW_TO_SET[name][0]}."
        )
    return float(round(value, 1))


def checked_values(
    stored: dict[str, Any],
    *,
    sex: str | None = None,
    resting_hr: float | None = None,
    max_hr: float | None = None,
    threshold_hr: float | None = None,
    threshold_pace: str | float | None = None,
) -> dict[str, Any]:
    """The given values as profile fields (``threshold_pace`` as ``threshold_pace_s_per_km``),
    checked on their own and, for the heart rates, against each other and the ``stored`` ones
    (resting < threshold < maximum); raises :class:`ProfileError` saying what to do."""
    values: dict[str, Any] = {}
    if sex is not None and str(sex).strip():
        values["sex"] = parse_sex(sex)
    given = {"resting_hr": resting_hr, "threshold_hr": threshold_hr, "max_hr": max_hr}
    for name, value in given.items():
        if value is not None:
            values[name] = _heart_rate(name, float(value))
    if threshold_pace is not None and str(threshold_pace).strip():
        values["threshold_pace_s_per_km"] = parse_pace(threshold_pace)
    merged = {name: values.get(name, stored.get(name)) for name in HEART_RATES}
    known = [(name, merged[name]) for name in HEART_RATES if merged[name]]
    for (low, low_value), (high, high_value) in pairwise(known):
        if low_value >= high_value:
            old = [n for n in (low, high) if n not in values]
            fix = (
                f" If your {HEART_RATES[old[0]]} has changed, set it as well, for example "
                f"{HOW_TO_SET[old[0]][0]}."
                if old
                else " Check the two numbers and tell me again."
            )
            raise ProfileError(
                f"Your {HEART_RATES[low]} ({_number(low_value)} bpm"
                f"{', stored' if low in old else ''}) must be below your {HEART_RATES[high]} "
                f"({_number(high_value)} bpm{', stored' if high in old else ''})." + fix
            )
    return values


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def describe(args: dict[str, Any]) -> str:
    """What would be stored, in words: "your maximum heart rate as 190 bpm and ..."."""
    parts = []
    if args.get("sex"):
        sex = SEXES.get(str(args["sex"]).strip().lower(), str(args["sex"]))
        parts.append(f"that you are {sex}")
    for name in ("max_hr", "resting_hr", "threshold_hr"):
        value = args.get(name)
        if value is not None:
            shown = _number(float(value)) if isinstance(value, (int, float)) else str(value)
            parts.append(f"your {HEART_RATES[name]} as {shown} bpm")
    pace = args.get("threshold_pace")
    if pace is not None and str(pace).strip():
        try:
            shown = pace_text(parse_pace(pace) / 60.0) + " /km"
        except ProfileError:
            shown = str(pace)
        parts.append(f"your threshold pace as {shown}")
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""


def _confirm(args: dict[str, Any]) -> str:
    what = describe(args)
    if not what:
        return "update your profile (I didn't catch a value: say one, such as “max hr 190”)"
    return f"store {what}"


# -- the tools --------------------------------------------------------------------------------


def set_profile(
    ctx: ToolContext,
    sex: str | None = None,
    resting_hr: float | None = None,
    max_hr: float | None = None,
    threshold_hr: float | None = None,
    threshold_pace: str | float | None = None,
) -> ToolResult:
    """Store the athlete's heart rates, threshold pace or sex, which training load uses instead
    of its estimates; then show the whole profile. Only the values given change.

    Args:
        sex: male or female (picks the heart-rate weighting of training load).
        resting_hr: resting heart rate in beats per minute (30-230), below the threshold.
        max_hr: maximum heart rate in beats per minute (30-230), above the threshold.
        threshold_hr: lactate-threshold heart rate in beats per minute (30-230), the heart rate
            held for about an hour all out.
        threshold_pace: threshold pace per km as minutes:seconds ("4:30" or "4:30/km") or
            seconds (270), from 2:00 to 12:00 per km.
    """
    with ctx.session() as session:
        stored = get_profile(session, ctx.actor, ctx.athlete_id)
        try:
            values = checked_values(
                stored,
                sex=sex,
                resting_hr=resting_hr,
                max_hr=max_hr,
                threshold_hr=threshold_hr,
                threshold_pace=threshold_pace,
            )
        except ProfileError as error:
            return ToolResult.failure(SET_TOOL, str(error))
        if not values:
            return ToolResult.failure(SET_TOOL, NOTHING_GIVEN)
        store_profile(session, ctx.actor, ctx.athlete_id, **values)
    shown = {
        "sex": values.get("sex"),
        **{name: values.get(name) for name in HEART_RATES},
        "threshold_pace": (
            pace_text(values["threshold_pace_s_per_km"] / 60.0)
            if "threshold_pace_s_per_km" in values
            else None
        ),
    }
    result = _profile_result(ctx, SET_TOOL)
    result.message = f"Stored {describe(shown)}."
    result.data["stored"] = sorted(values)
    return result


def show_profile(ctx: ToolContext, until: str | None = None) -> ToolResult:
    """Show the heart rates, threshold pace and sex that training load uses for the athlete,
    each with where it comes from: their profile, an estimate from their data, or a typical
    value assumed.

    Args:
        until: the day the estimates are made as of, an ISO date (YYYY-MM-DD); default today
            (an estimate looks at the year before it).
    """
    try:
        day = parse_day(until).date() if until else None
    except ValueError:
        return ToolResult.failure(SHOW_TOOL, "Give dates as YYYY-MM-DD, for example 2024-03-01.")
    return _profile_result(ctx, SHOW_TOOL, day)


def _profile_result(ctx: ToolContext, tool: str, until: date | None = None) -> ToolResult:
    """The profile as training load uses it (as of ``until``, default the context's day):
    stored values, else its estimates."""
    with ctx.session() as session:
        stored = get_profile(session, ctx.actor, ctx.athlete_id)
    thresholds = load_report(ctx, until).sessions.thresholds
    speed = thresholds.threshold_speed
    pace = replace(speed, value=1000.0 / speed.value if speed.value else None)
    used = {
        "max_hr": thresholds.max_hr,
        "resting_hr": thresholds.resting_hr,
        "threshold_hr": thresholds.threshold_hr,
        "threshold_pace": pace,
    }
    facts, rows = [], []
    for name, value in used.items():
        row = _row(name, value)
        rows.append(row)
        if value.value:
            if name == "threshold_pace":
                facts.append(Fact(name, pace_text(value.value / 60.0), "/km"))
            else:
                facts.append(Fact(name, round(value.value), "bpm"))
    sex = stored.get("sex") or ""
    rows.append(
        {
            "name": "sex",
            "label": "Sex",
            "value": sex or None,
            "text": sex or "not given",
            "source": "profile" if sex else "missing",
            "source_words": (
                "from your profile"
                if sex
                else "heart-rate load uses the average of the men's and women's weightings"
            ),
        }
    )
    unset = [row["name"] for row in rows if row["source"] != "profile"]
    sure = [v.confidence for v in used.values() if v.value]
    return ToolResult(
        tool=tool,
        facts=facts,
        data={
            "profile": {
                **{name: stored.get(name) for name in PROFILE_FIELDS},
                "threshold_pace": (
                    pace_text(stored["threshold_pace_s_per_km"] / 60.0)
                    if stored.get("threshold_pace_s_per_km")
                    else None
                ),
            },
            "as_of": (until or ctx.day).isoformat(),
            "values": rows,
            "unset": unset,
            "how_to_set": {name: HOW_TO_SET[name][0] for name in unset},
        },
        confidence=round(min(sure), 2) if sure else 0.0,
        reasons=thresholds.notes(),
    )


def _row(name: str, value: maths.Value) -> dict[str, Any]:
    if value.value is None:
        text = "unknown"
    elif name == "threshold_pace":
        text = pace_text(value.value / 60.0)
    else:
        text = f"{round(value.value)}"
    unit = "/km" if name == "threshold_pace" else "bpm"
    return {
        "name": name,
        "label": (HEART_RATES.get(name) or "threshold pace").capitalize(),
        "value": round(value.value, 1) if value.value else None,
        "text": f"{text} {unit}" if value.value else text,
        "source": value.source,
        "source_words": SOURCE_WORDS.get(value.source, value.source),
    }


def _phrase(result: ToolResult) -> str:
    if not result.ok:
        return standard_reply(result)
    data = result.data
    lines = [f"**Your profile**, as training load uses it on {data['as_of']}:"]
    lines += [f"- {row['label']}: {row['text']} ({row['source_words']})" for row in data["values"]]
    if data.get("how_to_set"):
        lines.append("To set one, say for example " + "; ".join(data["how_to_set"].values()) + ".")
    return standard_reply(replace(result, facts=[]), lines)


# -- reading the values from a chat message ----------------------------------------------------

_BPM = (
    r"(\d{2,3}(?:\.\d)?)(?![\d:/]|\s*(?:min|sec|s\b|km|kg|%|yo\b|y/?o\b|years?\b|yrs?\b"
    r"|-year))"
)
_GAP = r"[^\d:]{0,24}?"
_HR = r"(?:heart ?rate|hr|pulse)"
_PACE = r"(\d{1,2}:\d{2})(?:\s*(?:min\s*)?(?:/|per|a)\s*(?:km|kilomet(?:re|er)))?"
#: The words of each value; a message gives it as "<words> ... <value>" ("my max hr is 190")
#: or "<value> as my <words>" ("use 4:40 per km as my threshold pace").
_WORDS = {
    "max_hr": rf"(?:max(?:imum|imal)?\.? ?{_HR}|hr ?max|mhr)",
    "resting_hr": rf"(?:resting(?: ?{_HR})?|rhr)",  # "and resting is 48"
    "threshold_hr": rf"(?:(?:lactate |anaerobic )?threshold ?{_HR}|lthr|lt ?hr)",
    "threshold_pace": r"(?:(?:lactate )?threshold|lt) (?:running )?pace",
}


def _pattern(name: str, value: str) -> re.Pattern[str]:
    words = _WORDS[name]
    return re.compile(
        rf"\b{words}\b{_GAP}{value}|\b{value}(?: ?bpm)? (?:is|as|for) (?:my|the) {words}\b"
    )


def _number_reader(name: str) -> Any:
    compiled = _pattern(name, _BPM)

    def read(text: str) -> float | None:
        found = compiled.search(text)
        return float(found[1] or found[2]) if found else None

    read.__doc__ = f"The {HEART_RATES[name]} a message gives, in bpm, or None."
    return read


#: "my max heart rate is 190", "max hr 192", "hrmax 188", "use 195 as my max hr".
read_max_hr = _number_reader("max_hr")
#: "resting hr 48", "my resting heart rate is 52", "rhr 50".
read_resting_hr = _number_reader("resting_hr")
#: "lactate threshold heart rate 172", "my threshold hr is 168", "lthr 170".
read_threshold_hr = _number_reader("threshold_hr")
_THRESHOLD_PACE = _pattern("threshold_pace", _PACE)


def read_threshold_pace(text: str) -> str | None:
    """ "my threshold pace is 4:25/km" -> "4:25"; "4:40 per km as my threshold pace" -> "4:40"."""
    found = _THRESHOLD_PACE.search(text)
    return (found[1] or found[2]) if found else None


_SEX = re.compile(
    r"\b(?:i'm|i am|as|my sex is|sex(?: is| to|:)?|gender(?: is| to|:)?)"
    r"\s+(?:an? )?(female|woman|girl|male|man|guy)\b(?! ?(?:'s|friend|coach))"
)


def read_sex(text: str) -> str | None:
    """ "I'm female", "I am a woman", "set sex to male" -> "female" / "male"."""
    found = _SEX.search(text)
    return SEXES[found[1]] if found else None


SET_SPEC = ToolSpec(
    name=SET_TOOL,
    function=set_profile,
    summary="store your max, resting or threshold heart rate, threshold pace or sex",
    examples=(
        "set my max HR to 190",
        "my max heart rate is 190",
        "max hr 192",
        "my resting heart rate is 52",
        "resting hr 48",
        "update my threshold pace to 4:30",
        "my threshold pace is 4:25/km",
        "lactate threshold heart rate 172",
        "my lthr is 168 bpm",
        "I'm female",
        "I am a woman",
        "I'm a man, please use that for my load",
        "change my maximum heart rate to 188",
        "save my resting pulse as 45",
        "my max hr is actually 195, not what you estimated",
        "use 4:40 per km as my threshold pace",
    ),
    writes=True,
    confirm=_confirm,
    phrase=_phrase,
    readers={
        "sex": read_sex,
        "resting_hr": read_resting_hr,
        "max_hr": read_max_hr,
        "threshold_hr": read_threshold_hr,
        "threshold_pace": read_threshold_pace,
    },
)

SHOW_SPEC = ToolSpec(
    name=SHOW_TOOL,
    function=show_profile,
    summary="show the heart rates and threshold pace your training load uses",
    examples=(
        "what max heart rate are you using for me?",
        "show my profile",
        "what's my threshold pace set to",
        "which resting heart rate do you have for me",
        "what thresholds is my training load based on",
        "is my max hr estimated or did I set it",
        "what lactate threshold heart rate are you using",
        "show me my heart rate settings",
        "what do you have as my max HR",
        "which threshold pace do you use for my load",
        "what max heart rate did you use for me last spring",
        "which resting hr were you using for my load in march",
    ),
    phrase=_phrase,
)

SPECS = (SET_SPEC, SHOW_SPEC)
