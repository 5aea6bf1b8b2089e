"""The deterministic router: from a message (and its attachments) to a proposed tool call.

It knows intents by their words, reads dates, sports, counts, heights and frame rates, and
sorts what needs no tool (greetings, thanks), what it must decline (other people's data,
medical diagnosis, attempts to change its instructions) and what it cannot place (for the LLM,
or a short question back). It never reads tool output: only the user's own words choose tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from agent.dates import parse_dates

VIDEO_TYPES = {".mp4", ".mov", ".m4v", ".avi", ".webm", ".mkv", ".3gp"}
ACTIVITY_TYPES = {".fit", ".gpx", ".tcx", ".zip", ".gz", ".csv"}


@dataclass
class Route:
    """What the router proposes. ``kind`` is ``tool``, ``smalltalk``, ``help``, ``decline``,
    ``clarify``, ``coming_soon`` or ``unknown``; ``tool``/``args`` are set for ``tool`` (and
    name the future tool for ``coming_soon``)."""

    kind: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    confidence: float = 0.0
    reason: str = ""


def _has(text: str, *patterns: str) -> bool:
    return any(re.search(p, text) for p in patterns)


_SPORTS = (
    ("run", r"\b(run|runs|running|ran|jog|jogs|jogging|jogged|mileage)\b"),
    ("ride", r"\b(ride|rides|riding|rode|bike|biking|cycling|cycle|cycled)\b"),
    ("swim", r"\b(swim|swims|swimming|swam)\b"),
    ("walk", r"\b(walk|walks|walking|walked)\b"),
    ("hike", r"\b(hike|hikes|hiking|hiked)\b"),
)

_DECLINE = (
    r"ignore (all |the |your )?(previous|prior|above) (instructions|prompt)",
    r"\b(system prompt|jailbreak|developer mode)\b",
    r"\b(all|every|other) (athletes|users|runners|people)('s)?\b",
    r"\beveryone('s| else's)\b",
    r"\bsomeone else'?s\b",
    r"\b(password|api key|access token|refresh token|client secret)s?\b",
    r"\bdiagnos(e|is)\b",
    r"\b(prescribe|prescription|medication|painkillers?|ibuprofen|dosage)\b",
    r"\bdo i have (a |an )?(stress fracture|tendinitis|tendonitis|torn|fracture|injury)\b",
    r"\bis (it|my \w+) (broken|fractured|torn)\b",
    r"\bdelete (all|every|everyone)",
)

_COMING = {
    "detect_changes": (r"\btrend(s|ing|ed)?\b", r"\bchange ?points?\b", r"\bchanged over\b"),
    "training_load": (r"\b(training )?load\b", r"\bacwr\b", r"\bovertrain", r"\bfatigue score"),
    "weekly_checkin": (r"\bcheck[- ]?in\b", r"\bweekly (review|summary|report)\b"),
    "log_strength": (
        r"\blog (my |a |some )?(strength|lift|workout|gym|squats?|deadlifts?)",
        r"\b(did|done) \d+ ?x ?\d+",
        r"\b\d+ ?x ?\d+ (at|@) \d+",
    ),
    "strength_history": (r"\bstrength (history|log|progress)\b", r"\bhow much (did|have) i lift"),
}


_VIDEO_REQUEST = (
    r"\b(analy[sz]e|analysis|check|look at|review|assess)\b.*"
    r"\b(video|clip|footage|form|gait|stride|technique)\b"
)
_KNOWLEDGE = (
    r"\b(why|research|study|studies|evidence|science|explain|what is|what's|what are|what does"
    r"|how do i|how can i|how to|should i|is it (bad|good|ok|okay|normal|better)|tips?|advice"
    r"|recommend|benefits?|risks?)\b"
)


def _height_cm(text: str) -> float | None:
    if m := re.search(r"\b(1\d\d|2[0-2]\d)\s?cm\b", text):
        return float(m[1])
    if m := re.search(r"\b(1[.,]\d{1,2})\s?m\b(?!in)", text):
        return round(float(m[1].replace(",", ".")) * 100, 1)
    if m := re.search(r"\b([4-7])\s?(?:ft|foot|feet|')\s?(\d{1,2})?\s?(?:in|inches|\"|'')?", text):
        inches = int(m[1]) * 12 + int(m[2] or 0)
        return round(inches * 2.54, 1)
    return None


def _fps(text: str) -> float | None:
    if m := re.search(r"\b(\d{2,3})\s?(?:fps|frames per second|frames/s)\b", text):
        return float(m[1])
    if re.search(r"\bslo[w-]?[ -]?mo(tion)?\b", text):
        return None  # slow motion without a rate: the analysis reads it from the file
    return None


def _sport(text: str) -> str | None:
    found = [sport for sport, pattern in _SPORTS if re.search(pattern, text)]
    return found[0] if len(found) == 1 else None


def _limit(text: str) -> int | None:
    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10}
    pattern = r"\b(?:last|latest|recent|past|previous|my) (\d{1,3}|one|two|three|four|five|ten)"
    if m := re.search(
        pattern + r" (?:runs|rides|swims|walks|hikes|activities|workouts|sessions)", text
    ):
        return int(m[1]) if m[1].isdigit() else words[m[1]]
    if re.search(
        r"\b(last|latest|most recent|previous) (run|ride|swim|walk|hike|activity|workout)\b", text
    ):
        return 1
    return None


def route(message: str, attachments: list[str] | None = None, today: date | None = None) -> Route:
    """Propose what to do with ``message``."""
    today = today or date.today()
    attachments = list(attachments or [])
    text = " " + re.sub(r"\s+", " ", message.lower().replace("’", "'")).strip() + " "

    if _has(text, *_DECLINE):
        return Route("decline", confidence=0.95, reason="outside what Coach G may do")

    videos = [a for a in attachments if Path(a).suffix.lower() in VIDEO_TYPES]
    files = [a for a in attachments if Path(a).suffix.lower() in ACTIVITY_TYPES]
    if videos:
        args: dict[str, Any] = {"video_path": videos[0]}
        if _has(text, r"\b(rear|behind|back view|from the back)\b"):
            args["view"] = "rear"
        elif _has(text, r"\b(side|sideways|profile)\b"):
            args["view"] = "side"
        if (height := _height_cm(text)) is not None:
            args["height_cm"] = height
        if (fps := _fps(text)) is not None:
            args["fps"] = fps
        return Route("tool", "analyze_run_video", args, 0.97, "a video is attached")
    if files:
        return Route("tool", "import_activities", {"paths": files}, 0.97, "activity files attached")
    if attachments:
        return Route("clarify", reason="unsupported attachment")

    if _has(
        text,
        _VIDEO_REQUEST,
        r"\b(video|clip|footage)\b.*\b(analy[sz]e|analysis|gait|form)\b",
        r"\bgait analysis\b",
    ):
        return Route("clarify", "analyze_run_video", confidence=0.9, reason="needs the video")

    if _has(text, r"\bstrava\b") and _has(
        text, r"\b(sync|pull|fetch|get|import|update|download|refresh|grab|bring)\b"
    ):
        full = _has(text, r"\b(all|everything|full|whole|entire|complete)\b")
        return Route("tool", "sync_strava", {"full": full} if full else {}, 0.95, "Strava sync")
    if _has(text, r"^ sync\b", r"\bsync (my|now|please|again)\b"):
        return Route("tool", "sync_strava", {}, 0.85, "sync")
    if _has(text, r"\b(import|upload|load)\b.*\b(fit|gpx|tcx|files?|export|garmin|watch)\b"):
        return Route("clarify", "import_activities", confidence=0.9, reason="needs the files")

    for tool, patterns in _COMING.items():
        if _has(text, *patterns):
            return Route("coming_soon", tool, confidence=0.9, reason=f"{tool} is not built yet")

    if _has(
        text,
        _KNOWLEDGE,
    ) and not _has(
        text, r"\b(how (much|many|far|long|often))\b", r"\bdid i\b", r"\bmy (last|latest|recent)\b"
    ):
        return Route(
            "tool", "search_knowledge", {"query": message.strip()}, 0.8, "a question of knowledge"
        )

    dates = parse_dates(text, today)
    sport = _sport(text)
    limit = _limit(text)
    listing = _has(
        text,
        r"\b(activities|activity|workouts?|sessions?|training log|log)\b",
        r"\bhow (much|many|far|long|often)\b",
        r"\b(km|kms|kilometers|kilometres|miles|mileage|distance|volume)\b",
        r"\b(show|list|see|view|give|tell)\b",
        r"\bwhat did i\b",
        r"\bdid i\b",
        r"\b(last|latest|recent|previous) (run|ride|swim|walk|hike)s?\b",
    )
    if listing or limit or (dates and sport):
        args = dates.as_args() if dates else {}
        if sport:
            args["sport"] = sport
        if limit:
            args["limit"] = limit
        return Route("tool", "list_activities", args, 0.9 if listing else 0.75, "activities")

    if _has(text, r"^ (hi|hey|hello|hiya|yo|good (morning|afternoon|evening)|howdy|sup)\b"):
        return Route("smalltalk", confidence=0.9, reason="greeting")
    if _has(
        text, r"\b(thanks|thank you|thx|cheers|ty|great|awesome|cool|nice|ok|okay|bye|see you)\b"
    ):
        return Route("smalltalk", confidence=0.85, reason="thanks")
    if _has(
        text, r"\b(help|what can you do|who are you|what are you|how does this work|commands)\b"
    ):
        return Route("help", confidence=0.9, reason="help")
    if dates:
        return Route("tool", "list_activities", dates.as_args(), 0.6, "a date with no other clue")
    return Route("unknown", reason="no intent recognised")
