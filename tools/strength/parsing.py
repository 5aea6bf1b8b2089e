"""Reading a strength session from what a person writes: "3x8 squats at 60kg", "did 3 sets of
12 calf raises", "bench 5x5 @ 80", "plank 3x45s", "yesterday: deadlift 100kg x5, x5, x4",
pounds or kilograms, bodyweight, RPE, and sets with different reps or weights.

Numbers that cannot be right (300 reps in a set, 1000 kg, a negative weight) and shorthand that
can be read two ways ("3x8x60") are problems, said in words that tell the athlete how to write
it; nothing is logged while there is one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from tools.words import NUMBER_WORDS

LB = 0.45359237
#: The most Coach G believes for one set.
MAX_REPS = 150
MAX_WEIGHT_KG = 500.0
MAX_SECONDS = 3600.0
MAX_SETS = 20

_NUMBER = r"\d+(?:[.,]\d+)?"
_KG = r"(?:kg|kgs|kilos?|kilograms?)"
_LB = r"(?:lb|lbs|pounds?)"
_WEIGHT = rf"(-?{_NUMBER})\s*({_KG}|{_LB})\b"
_SECONDS = r"(?:s|sec|secs|seconds?)\b"
_MINUTES = r"(?:min|mins|minutes?)\b"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Words around the exercise that are not its name.
_FILLER = re.compile(
    r"\b(?:core|legs?|upper body|lower body|full body|arms?|kettlebell|bodyweight|gym|hiit)"
    r"\s+(?:session|workout|day|circuit|routine)\b|"
    r"\b(please|pls|can you|could you|just|i've|ive|i|have|had|log(?:ged)?|record(?:ed)?|add"
    r"(?:ed)?|note(?:d)?|down|save|saved|put|track|did|do|done|finished|smashed|completed|hit|"
    r"today's|todays|today|this morning|tonight|gym|session|workout|strength|training|my|it|"
    r"also|too|then|for|to|me|that|a|an|the|of|with|w/|at|sets?|reps?|rounds?|total|leg day|"
    r"lift(?:ed|ing)?|in|on|some|plus)\b"
)
_PER_SIDE = re.compile(r"\b(?:per|each|every|a) (?:leg|side|arm)\b|\bper side\b|\beach\b")


class WorkoutError(ValueError):
    """What was written cannot be read as a session; the message says how to write it."""


@dataclass
class SetSpec:
    """One set as written: reps (or seconds of a hold), a weight in kg (None: bodyweight)."""

    reps: int | None = None
    weight_kg: float | None = None
    seconds: float | None = None
    rpe: float | None = None


@dataclass
class Entry:
    """One exercise of a session as written, its sets, and what was assumed reading it."""

    name: str
    sets: list[SetSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bodyweight: bool = False


@dataclass
class Workout:
    """A session as written: its day and exercises, and anything that could not be read."""

    day: date
    entries: list[Entry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_day(text: str, today: date) -> tuple[date, str]:
    """The day a message names ("yesterday", "monday", "3 days ago", "2026-11-20"), default
    today, and the message without it."""
    lower = text
    if m := re.search(r"\b(\d{4}-\d{2}-\d{2})\b", lower):
        try:
            return date.fromisoformat(m[1]), lower.replace(m[0], " ")
        except ValueError:
            pass
    if m := re.search(r"\b(?:the )?day before yesterday\b", lower):
        return today - timedelta(days=2), lower.replace(m[0], " ")
    if m := re.search(r"\byesterday(?:'s)?\b|\blast night\b", lower):
        return today - timedelta(days=1), lower.replace(m[0], " ")
    if m := re.search(r"\b(\d{1,2}|one|two|three|four|five|six) days? ago\b", lower):
        n = NUMBER_WORDS[m[1]] if m[1] in NUMBER_WORDS else int(m[1])
        return today - timedelta(days=n), lower.replace(m[0], " ")
    for index, name in enumerate(_WEEKDAYS):
        if m := re.search(rf"\b(?:on |last )?{name}(?:'s)?\b", lower):
            back = (today.weekday() - index) % 7 or (7 if "last" in m[0] else 0)
            return today - timedelta(days=back), lower.replace(m[0], " ")
    return today, lower


def _split(text: str) -> list[str]:
    """The exercises of a message: split at ";", new lines, "and", "then", "+" and at commas
    that do not start another set ("x5, x5, x4")."""
    parts = re.split(
        r"[;\n]|\s+(?:and|then|plus|&|\+)\s+|,\s*(?!\s*(?:x\s*)?\d|\s*-?\d)|,\s*(?=\d+\s*x\s*\d+\s+[a-z])",
        text,
    )
    return [p.strip(" ,.:-") for p in parts if p and p.strip(" ,.:-")]


def _kg(value: str, unit: str, notes: list[str]) -> float:
    number = float(value.replace(",", "."))
    if re.fullmatch(_LB, unit):
        kg = round(number * LB, 1)
        notes.append(f"{value} lb is {kg:g} kg")
        return kg
    return number


def _read_entry(raw: str, problems: list[str]) -> Entry | None:
    notes: list[str] = []
    text = f" {raw} "
    for word, number in NUMBER_WORDS.items():
        text = re.sub(rf"\b{word}\b", str(number), text)
    if m := re.search(r"\b\d+\s*x\s*\d+\s*x\s*\d+\b", text):
        problems.append(
            f"“{m[0].strip()}” can be read more than one way (sets × reps × weight, or weight "
            "× sets × reps). Write it as sets x reps at a weight, e.g. “3x8 at 60 kg”."
        )
        return None
    if re.search(r"(?<![\w.])-\s*\d", text):
        problems.append(
            f"“{raw.strip()}” has a negative number; sets, reps and weights are positive."
        )
        return None
    rpe = None
    if m := re.search(rf"@?\s*\brpe\s*({_NUMBER})", text) or re.search(
        rf"({_NUMBER})\s*rpe\b", text
    ):
        rpe = float(m[1].replace(",", "."))
        text = text.replace(m[0], " ")
    bodyweight = bool(re.search(r"\b(bodyweight|body weight|bw|no weight|unweighted)\b", text))
    text = re.sub(r"\b(bodyweight|body weight|bw|no weight|unweighted)\b", " ", text)
    if _PER_SIDE.search(text):
        notes.append("per side")
        text = _PER_SIDE.sub(" ", text)

    sets: list[SetSpec] = []
    # A run of sets with weights: "100kg x5, x5, x4", "60 kg x 8, 70 kg x 6".
    run = re.compile(rf"(?:({_NUMBER})\s*({_KG}|{_LB})?\s*)?x\s*(\d+)\b(?!\s*x)")
    if re.search(rf"{_WEIGHT}\s*x\s*\d+", text) or re.search(r"(?:^|\s|,)x\s*\d+", text):
        weight: float | None = None
        for m in run.finditer(text):
            if m[1] is not None:
                weight = _kg(m[1], m[2] or "kg", notes) if m[2] else float(m[1].replace(",", "."))
                if not m[2]:
                    notes.append("no unit given: read as kg")
            sets.append(SetSpec(reps=int(m[3]), weight_kg=weight))
        text = run.sub(" ", text)
    weight_kg: float | None = None
    if m := re.search(_WEIGHT, text):
        weight_kg = _kg(m[1], m[2], notes)
        text = text.replace(m[0], " ")
    elif m := re.search(
        rf"(?:@|\bat\b|\bwith\b|\bw/)\s*({_NUMBER})\b(?!\s*(?:x|sets?|reps?))", text
    ):
        weight_kg = float(m[1].replace(",", "."))
        notes.append("no unit given: read as kg")
        text = text.replace(m[0], " ")
    if m := re.search(rf"\b(\d+)\s*x\s*(\d+)\s*({_SECONDS}|{_MINUTES})?", text):
        count, each = int(m[1]), int(m[2])
        if m[3] and re.match(_MINUTES, m[3]):
            sets += [SetSpec(seconds=each * 60.0) for _ in range(min(count, MAX_SETS + 1))]
        elif m[3]:
            sets += [SetSpec(seconds=float(each)) for _ in range(min(count, MAX_SETS + 1))]
        else:
            sets += [SetSpec(reps=each) for _ in range(min(count, MAX_SETS + 1))]
        if count > MAX_SETS:
            problems.append(f"{count} sets of one exercise is more than I believe; check it.")
            return None
        text = text.replace(m[0], " ")
    elif m := re.search(r"\b(\d+)\s*(?:sets?|rounds?)\s*(?:of|x)?\s*(\d+)\b", text):
        count = int(m[1])
        if count > MAX_SETS:
            problems.append(f"{count} sets of one exercise is more than I believe; check it.")
            return None
        sets += [SetSpec(reps=int(m[2])) for _ in range(count)]
        text = text.replace(m[0], " ")
    elif m := re.search(r"\b(\d+(?:\s*/\s*\d+)+)\b", text):
        sets += [SetSpec(reps=int(r)) for r in re.split(r"\s*/\s*", m[1])]
        text = text.replace(m[0], " ")
    elif m := re.search(rf"\b(\d+)\s*({_SECONDS}|{_MINUTES})", text):
        seconds = float(m[1]) * (60 if re.match(_MINUTES, m[2]) else 1)
        sets.append(SetSpec(seconds=seconds))
        text = text.replace(m[0], " ")
    elif not sets and (m := re.search(r"\b(\d+)\s*(?:reps?\b)?", text)):
        sets.append(SetSpec(reps=int(m[1])))
        text = text.replace(m[0], " ", 1)
    if sets and m and (m2 := re.search(r"\b(\d+)\s*sets?\b", text)) and len(sets) == 1:
        sets = [SetSpec(reps=sets[0].reps, seconds=sets[0].seconds) for _ in range(int(m2[1]))]
        text = text.replace(m2[0], " ")
    for spec in sets:
        if spec.weight_kg is None and weight_kg is not None:
            spec.weight_kg = weight_kg
        spec.rpe = rpe
    name = _FILLER.sub(" ", text.replace(":", " ").replace("@", " "))
    name = re.sub(r"[^\w' -]|\d", " ", name)
    name = " ".join(name.split()).strip(" -'")
    if not name and not sets:
        return None
    entry = Entry(name=name, sets=sets, notes=notes, bodyweight=bodyweight)
    _check(entry, raw, problems)
    return entry


def _check(entry: Entry, raw: str, problems: list[str]) -> None:
    where = f"in “{raw.strip()}”"
    if not entry.name:
        problems.append(f"I can't tell which exercise {where}. Name it, e.g. “3x8 squats”.")
    if not entry.sets:
        problems.append(
            f"I can't read the sets and reps {where}. Write them as sets x reps, e.g. "
            "“3x8 at 60 kg”, “3 sets of 12” or “plank 3x45s”."
        )
    for spec in entry.sets:
        if spec.reps is not None and not 1 <= spec.reps <= MAX_REPS:
            problems.append(
                f"{spec.reps} reps in one set {where} is more than I believe (at most "
                f"{MAX_REPS}); check the number, or split it into sets."
            )
            break
        if spec.weight_kg is not None and not 0 < spec.weight_kg <= MAX_WEIGHT_KG:
            problems.append(
                f"{spec.weight_kg:g} kg {where} is not a weight I believe (at most "
                f"{MAX_WEIGHT_KG:g} kg); check the number and the unit (kg or lb)."
            )
            break
        if spec.seconds is not None and not 0 < spec.seconds <= MAX_SECONDS:
            problems.append(f"{spec.seconds:g} s {where} is too long for one set; check it.")
            break
        if spec.rpe is not None and not 1 <= spec.rpe <= 10:
            problems.append(f"RPE {spec.rpe:g} {where} is outside 1-10; check it.")
            break


def parse_workout(text: str, today: date) -> Workout:
    """The session ``text`` describes, with any problems found reading it."""
    lower = " " + text.lower().replace("×", "x").replace("’", "'") + " "
    lower = re.sub(r"(\d)\s*x\s*(?=\d)", r"\1x", lower).replace("w/", "with ")
    day, rest = read_day(lower, today)
    workout = Workout(day=day)
    if day > today:
        workout.problems.append("That day is in the future; say the day you trained.")
    for part in _split(rest):
        entry = _read_entry(part, workout.problems)
        if entry is not None:
            workout.entries.append(entry)
    if not workout.entries and not workout.problems:
        workout.problems.append(
            "I couldn't find an exercise with its sets there. Write it like “3x8 squats at "
            "60 kg”, “3 sets of 12 calf raises” or “plank 3x45s”."
        )
    return workout
