"""The exercise library: the 873 exercises of free-exercise-db (public domain, yuhonas @ acd61f7,
shipped in ``tools/strength/data``), the groups a runner cares about, everyday names ("RDL",
"bulgarian split squat") and matching a name as people or apps write it to an exercise.

Matching compares words, not letters alone: a name is cut into words (plurals made singular,
"push-up" and "push up" made one word, an app's "(Barbell)" read as equipment) and scored
against every exercise the athlete may use; a name is *sure* only when one exercise clearly
wins, otherwise Coach G asks which one was meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

from storage.models import Exercise
from storage.strength import exercises_for, library_size, own_exercises, seed_library
from tools.context import ToolContext

LIBRARY_FILE = Path(__file__).with_name("data") / "exercises.json"

#: The groups a runner's strength work is about, each with the muscles or words that put an
#: exercise in it.
GROUPS: dict[str, str] = {
    "calves": "calves and soleus",
    "hip_abductors": "hip abductors",
    "glutes": "glutes",
    "hamstrings": "hamstrings",
    "quads": "quads",
    "core": "core",
    "plyometrics": "plyometrics",
}
_GROUP_MUSCLES = {
    "calves": {"calves"},
    "hip_abductors": {"abductors"},
    "glutes": {"glutes"},
    "hamstrings": {"hamstrings"},
    "quads": {"quadriceps"},
    "core": {"abdominals"},
}
_GROUP_WORDS = {
    "glutes": r"hip thrust|glute|bridge|step ?up",
    "hip_abductors": r"abduct|monster walk|clam|lateral band|side[- ]lying leg",
    "core": r"plank|side bridge|dead bug|bird dog|pallof",
    "calves": r"calf",
}
#: Words for each group, as people ask ("my calves", "soleus", "hip abductor work").
GROUP_WORDS = {
    "calves": r"\b(calf|calves|soleus|gastroc\w*)\b",
    "hip_abductors": r"\b(abductors?|hip abduct\w*|glute med\w*|gluteus medius)\b",
    "glutes": r"\b(glutes?|gluteal|bum|butt)\b",
    "hamstrings": r"\b(hamstrings?|hammies|posterior chain)\b",
    "quads": r"\b(quads?|quadriceps|thighs?)\b",
    "core": r"\b(core|abs|abdominals?|trunk)\b",
    "plyometrics": r"\b(plyo\w*|jumps?|hops?|bounds?|jumping)\b",
}

#: Everyday names and app names of exercises, to the library's name. Longest phrase wins.
SYNONYMS: dict[str, str] = {
    "rdl": "Romanian Deadlift",
    "romanian deadlift": "Romanian Deadlift",
    "romanian dl": "Romanian Deadlift",
    "stiff leg deadlift": "Stiff-Legged Barbell Deadlift",
    "bulgarian split squat": "One Leg Barbell Squat",
    "bulgarian": "One Leg Barbell Squat",
    "rear foot elevated split squat": "One Leg Barbell Squat",
    "rfess": "One Leg Barbell Squat",
    "split squat": "Split Squat with Dumbbells",
    "squat": "Barbell Squat",
    "back squat": "Barbell Squat",
    "front squat": "Front Barbell Squat",
    "goblet squat": "Goblet Squat",
    "air squat": "Bodyweight Squat",
    "bodyweight squat": "Bodyweight Squat",
    "pistol squat": "Kettlebell Pistol Squat",
    "deadlift": "Barbell Deadlift",
    "trap bar deadlift": "Barbell Deadlift",
    "single leg deadlift": "Kettlebell One-Legged Deadlift",
    "single leg rdl": "Kettlebell One-Legged Deadlift",
    "bench": "Barbell Bench Press - Medium Grip",
    "bench press": "Barbell Bench Press - Medium Grip",
    "dumbbell bench press": "Dumbbell Bench Press",
    "overhead press": "Standing Military Press",
    "ohp": "Standing Military Press",
    "military press": "Standing Military Press",
    "calf raise": "Standing Calf Raises",
    "standing calf raise": "Standing Calf Raises",
    "single leg calf raise": "Dumbbell Seated One-Leg Calf Raise",
    "seated calf raise": "Seated Calf Raise",
    "soleus raise": "Seated Calf Raise",
    "plank": "Plank",
    "side plank": "Side Bridge",
    "copenhagen plank": "Side Bridge",
    "hip thrust": "Barbell Hip Thrust",
    "glute bridge": "Barbell Glute Bridge",
    "bridge": "Butt Lift (Bridge)",
    "single leg glute bridge": "Single Leg Glute Bridge",
    "single leg bridge": "Single Leg Glute Bridge",
    "nordic": "Natural Glute Ham Raise",
    "nordic curl": "Natural Glute Ham Raise",
    "nordic hamstring curl": "Natural Glute Ham Raise",
    "glute ham raise": "Glute Ham Raise",
    "lunge": "Dumbbell Lunges",
    "walking lunge": "Bodyweight Walking Lunge",
    "reverse lunge": "Dumbbell Rear Lunge",
    "step up": "Dumbbell Step Ups",
    "stepup": "Dumbbell Step Ups",
    "step down": "Dumbbell Step Ups",
    "box jump": "Front Box Jump",
    "pogo": "Single-Leg Hop Progression",
    "pogo hop": "Single-Leg Hop Progression",
    "skipping": "Rope Jumping",
    "jump rope": "Rope Jumping",
    "pullup": "Pullups",
    "chinup": "Chin-Up",
    "pushup": "Pushups",
    "press up": "Pushups",
    "pressup": "Pushups",
    "dead bug": "Dead Bug",
    "monster walk": "Monster Walk",
    "band walk": "Monster Walk",
    "lateral band walk": "Monster Walk",
    "clamshell": "Thigh Abductor",
    "clam": "Thigh Abductor",
    "hip abduction": "Thigh Abductor",
    "leg press": "Leg Press",
    "leg curl": "Seated Leg Curl",
    "leg extension": "Leg Extensions",
    "kettlebell swing": "One-Arm Kettlebell Swings",
    "swing": "One-Arm Kettlebell Swings",
    "wall sit": "Bodyweight Squat",
    "crunch": "Crunches",
    "situp": "Sit-Up",
    "row": "Bent Over Barbell Row",
    "lat pulldown": "Wide-Grip Lat Pulldown",
    "bicep curl": "Barbell Curl",
    "farmer carry": "Farmer's Walk",
    "farmers walk": "Farmer's Walk",
    "incline bench press": "Barbell Incline Bench Press - Medium Grip",
    "lateral raise": "Side Lateral Raise",
    "back extension": "Hyperextensions (Back Extensions)",
    "hyperextension": "Hyperextensions (Back Extensions)",
    "hip adduction": "Thigh Adductor",
    "pendlay row": "Bent Over Barbell Row",
    "seated row": "Seated Cable Rows",
    "skullcrusher": "EZ-Bar Skullcrusher",
    "triceps pressdown": "Triceps Pushdown",
    "chest fly": "Dumbbell Flyes",
}

#: Equipment as apps write it in brackets ("Squat (Barbell)"), to the library's word.
_EQUIPMENT = {
    "barbell": "barbell",
    "dumbbell": "dumbbell",
    "db": "dumbbell",
    "machine": "machine",
    "cable": "cable",
    "kettlebell": "kettlebells",
    "band": "bands",
    "bodyweight": "body only",
    "smith machine": "machine",
    "ez bar": "e-z curl bar",
}
_STOP = frozenset(["a", "an", "the", "with", "of", "on", "to", "and", "or", "for", "my", "w"])
#: Words that may stand beside an everyday name without changing the exercise ("bulgarian split
#: squats with dumbbells", "weighted plank").
_BESIDE = frozenset(
    [
        "barbell",
        "dumbbell",
        "kettlebell",
        "bodyweight",
        "bw",
        "weighted",
        "heavy",
        "light",
        "band",
        "cable",
        "machine",
        "db",
        "each",
        "per",
        "leg",
        "side",
        "arm",
        "single",
        "alternating",
        "slow",
        "tempo",
        "pause",
        "paused",
    ]
)


@cache
def library_rows() -> tuple[dict[str, Any], ...]:
    """The shipped library as rows for :class:`storage.models.Exercise`."""
    rows = []
    for item in json.loads(LIBRARY_FILE.read_text(encoding="utf-8")):
        row = {
            "source_id": item["id"],
            "name": item["name"],
            "category": item.get("category") or "strength",
            "equipment": item.get("equipment") or "",
            "level": item.get("level") or "",
            "force": item.get("force") or "",
            "mechanic": item.get("mechanic") or "",
            "primary_muscles": list(item.get("primaryMuscles") or []),
            "secondary_muscles": list(item.get("secondaryMuscles") or []),
            "instructions": list(item.get("instructions") or []),
        }
        row["groups"] = runner_groups(row["name"], row["primary_muscles"], row["category"])
        rows.append(row)
    return tuple(rows)


def runner_groups(name: str, primary_muscles: Iterable[str], category: str) -> list[str]:
    """The runner-relevant groups (keys of :data:`GROUPS`) an exercise belongs to."""
    muscles = set(primary_muscles)
    lower = name.lower()
    groups = [g for g, wanted in _GROUP_MUSCLES.items() if muscles & wanted]
    groups += [g for g, words in _GROUP_WORDS.items() if re.search(words, lower)]
    if category == "plyometrics":
        groups.append("plyometrics")
    return [g for g in GROUPS if g in groups]


def ensure_library(ctx: ToolContext) -> None:
    """Load the library into the database the first time it is needed."""
    if ctx.db.url in _SEEDED:
        return
    with ctx.session() as session:
        if library_size(session) < len(library_rows()):
            seed_library(session, library_rows())
    _SEEDED.add(ctx.db.url)


#: The databases whose library is known to be loaded (by URL).
_SEEDED: set[str] = set()


# -- words ------------------------------------------------------------------------------------


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def words_of(name: str) -> tuple[tuple[str, ...], str]:
    """A name's words (lower case, singular, "push up" as "pushup") without a bracketed
    equipment, and that equipment in the library's words ("" when none is named)."""
    lower = name.lower().replace("’", "'").replace("'", "")
    equipment = ""
    for inside in re.findall(r"\(([^)]*)\)", lower):
        for word, library_word in _EQUIPMENT.items():
            if word in inside:
                equipment = library_word
    lower = re.sub(r"\([^)]*\)", " ", lower)
    lower = re.sub(r"\b(push|pull|step|sit|chin|press)[- ]?ups?\b", r"\1up", lower)
    lower = re.sub(r"[^a-z0-9]+", " ", lower)
    words = tuple(_singular(w) for w in lower.split() if w not in _STOP)
    return words, equipment


@dataclass
class Candidate:
    exercise_id: int
    name: str
    score: float


@dataclass
class Match:
    """What a name was matched to: ``exercise_id`` when sure, else ``candidates`` to ask
    about (best first); neither when nothing in the library is like it."""

    text: str
    exercise_id: int | None = None
    name: str = ""
    how: str = ""  # "exact", "synonym", "close"
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def sure(self) -> bool:
        return self.exercise_id is not None


@dataclass
class _Entry:
    exercise_id: int
    name: str
    words: frozenset[str]
    key: str
    equipment: str
    own: bool


#: The shared library's matcher, per database (the library never changes once seeded).
_LIBRARIES: dict[str, Matcher] = {}


class Matcher:
    """Matches names to the exercises one athlete may use (the library and their own)."""

    #: A best score this high, this far ahead of the next, is taken without asking.
    SURE = 0.84
    LEAD = 0.08
    #: Below this, an exercise is not offered as a candidate.
    LIKE = 0.45

    def __init__(self, exercises: Sequence[Exercise], library: Matcher | None = None) -> None:
        """A matcher over ``exercises``, added to those of ``library`` (a matcher of the shared
        library, built once per database)."""
        self.entries: list[_Entry] = list(library.entries) if library else []
        self.by_name: dict[str, _Entry] = dict(library.by_name) if library else {}
        for exercise in exercises:
            words, _ = words_of(exercise.name)
            entry = _Entry(
                exercise.id,
                exercise.name,
                frozenset(words),
                " ".join(sorted(words)),
                exercise.equipment or "",
                exercise.owner_id is not None,
            )
            self.entries.append(entry)
            self.by_name.setdefault(exercise.name.lower(), entry)
        self.by_word: dict[str, list[_Entry]] = {}
        for entry in self.entries:
            for word in entry.words:
                self.by_word.setdefault(word, []).append(entry)
        self.synonyms = {
            " ".join(words_of(k)[0]): self.by_name[v.lower()]
            for k, v in SYNONYMS.items()
            if v.lower() in self.by_name
        }

    @classmethod
    def for_context(cls, ctx: ToolContext) -> Matcher:
        """The matcher of the context's athlete: the library and their own exercises."""
        ensure_library(ctx)
        library = _LIBRARIES.get(ctx.db.url)
        with ctx.session() as session:
            if library is None:
                shared = [e for e in exercises_for(session, ctx.actor, ctx.athlete_id)
                          if e.owner_id is None]  # fmt: skip
                library = _LIBRARIES[ctx.db.url] = cls(shared)
            own = own_exercises(session, ctx.actor, ctx.athlete_id)
            return cls(own, library)

    def match(self, text: str) -> Match:
        """The exercise ``text`` names, or the candidates to ask about."""
        words, equipment = words_of(text)
        if not words:
            return Match(text)
        key = " ".join(sorted(words))
        own = [e for e in self.entries if e.own and e.key == key]
        if own:
            return Match(text, own[0].exercise_id, own[0].name, "exact")
        exact = [e for e in self.entries if e.key == key]
        if equipment:
            with_kit = [e for e in self.entries if e.words == frozenset(words) | {equipment}]
            exact = [e for e in exact if e.equipment in (equipment, "")] or exact
            exact = exact or with_kit
        if len(exact) == 1:
            return Match(text, exact[0].exercise_id, exact[0].name, "exact")
        phrase = " ".join(words)
        if (found := self._everyday(words, equipment)) is not None:
            return Match(text, found.exercise_id, found.name, "synonym")
        sharing = {id(e): e for w in words for e in self.by_word.get(w, ())}
        pool = list(sharing.values()) or self.entries
        ranked = sorted(
            (
                Candidate(e.exercise_id, e.name, self._score(words, equipment, phrase, e))
                for e in pool
            ),
            key=lambda c: -c.score,
        )
        best = ranked[0] if ranked else None
        if best is None or best.score < self.LIKE:
            return Match(text)
        second = ranked[1].score if len(ranked) > 1 else 0.0
        if best.score >= self.SURE and best.score - second >= self.LEAD:
            return Match(text, best.exercise_id, best.name, "close")
        return Match(text, candidates=[c for c in ranked[:3] if c.score >= self.LIKE])

    def _everyday(self, words: tuple[str, ...], equipment: str) -> _Entry | None:
        """The exercise of the longest everyday name in ``words`` whose other words only say
        how it was done ("with dumbbells", "per leg"), or of a name one slip away ("squtas")."""
        for size in range(len(words), 0, -1):
            for start in range(len(words) - size + 1):
                found = self.synonyms.get(" ".join(words[start : start + size]))
                rest = words[:start] + words[start + size :]
                if found is None or not all(w in _BESIDE for w in rest):
                    continue
                if equipment and found.equipment not in (equipment, ""):
                    continue
                return found
        phrase = " ".join(words)
        if len(phrase) < 5 or equipment:
            return None
        ranked = sorted(
            ((SequenceMatcher(None, phrase, key).ratio(), key) for key in self.synonyms),
            reverse=True,
        )
        if ranked and ranked[0][0] >= 0.8:
            best = self.synonyms[ranked[0][1]]
            others = [self.synonyms[k] for r, k in ranked[1:4] if r >= ranked[0][0] - 0.05]
            if all(o.exercise_id == best.exercise_id for o in others):
                return best
        return None

    @staticmethod
    def _score(words: tuple[str, ...], equipment: str, phrase: str, entry: _Entry) -> float:
        asked = frozenset(words) | ({equipment.split()[0]} if equipment else frozenset())
        overlap = len(asked & entry.words) / len(asked | entry.words)
        letters = SequenceMatcher(None, " ".join(sorted(asked)), entry.key).ratio()
        score = max(overlap, 0.95 * letters)
        if equipment and entry.equipment and entry.equipment != equipment:
            score *= 0.9
        return score


def search(
    exercises: Sequence[Exercise],
    text: str = "",
    muscle: str = "",
    equipment: str = "",
    group: str = "",
) -> list[Exercise]:
    """Exercises whose name holds every word of ``text`` (as words are compared), that work
    ``muscle`` (primary or secondary), use ``equipment`` and belong to ``group``."""
    wanted = set(words_of(text)[0]) if text else set()
    out = []
    for exercise in exercises:
        if wanted and not wanted <= set(words_of(exercise.name)[0]):
            continue
        muscles = [*exercise.primary_muscles, *exercise.secondary_muscles]
        if muscle and not any(muscle.lower() in m for m in muscles):
            continue
        if equipment and equipment.lower() not in (exercise.equipment or "").lower():
            continue
        if group and group not in exercise.groups:
            continue
        out.append(exercise)
    return out


#: Words of exercise names that say nothing about which exercise it is.
_GENERIC = frozenset(
    re.findall(
        r"\w+",
        "exercise workout set rep weight heavy light last best max up down day time progress "
        "history session gym strength record yes okay thanks",
    )
)


@cache
def exercise_vocabulary() -> frozenset[str]:
    """Every word of the library's names and the everyday names (singular, lower case)."""
    words = {w for row in library_rows() for w in words_of(row["name"])[0]}
    words |= {w for key in SYNONYMS for w in words_of(key)[0]}
    return frozenset(w for w in words if len(w) > 2 and not w.isdigit()) - _GENERIC


def names_an_exercise(text: str) -> bool:
    """Whether ``text`` holds a word of an exercise name ("deadlift", "RDL", "calf")."""
    return any(w in exercise_vocabulary() for w in words_of(text)[0])


def group_of(text: str) -> str | None:
    """The runner-relevant group a message names ("my calves" -> ``calves``)."""
    lower = text.lower()
    return next((g for g, pattern in GROUP_WORDS.items() if re.search(pattern, lower)), None)
