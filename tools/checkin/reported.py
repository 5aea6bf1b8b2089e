"""The week as the athlete tells it in a check-in ("3 runs, 5k 6k 8k all easy", "ran 4x, 32km
total, long run 14k"): taken down beside the stored week, never mixed into it, and said back so
they can see it was heard. Only what is written is read: a total not given is summed from the
distances listed, and nothing else is guessed."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tools.words import NUMBER_WORDS

_COUNT = r"(\d{1,2}|" + "|".join(w for w in NUMBER_WORDS if " " not in w) + ")"
_KM = r"(\d{1,3}(?:[.,]\d{1,2})?) ?(?:km|k|kms|kilometers|kilometres)\b"
_RUNS = re.compile(
    rf"\b(?:ran |run |did )?{_COUNT} ?(?:x\b|times\b|runs\b|sessions\b|run sessions\b)", re.I
)
_TOTAL = re.compile(
    rf"\b{_KM} ?(?:total|in total|all up|for the week|this week)\b"
    rf"|\b(?:total(?: of)?|totall?ing|week of) {_KM}",
    re.I,
)
_LONG = re.compile(rf"\b(?:long ?run|longest(?: run)?|long one)(?: (?:of|was|:))? ?{_KM}", re.I)
_EASY = re.compile(r"\ball (?:of them )?(?:easy|slow|relaxed|steady)\b", re.I)


@dataclass(frozen=True)
class ReportedWeek:
    """What the athlete said they did this week."""

    runs: int | None = None
    km: float | None = None
    distances: tuple[float, ...] = ()
    longest_km: float | None = None
    all_easy: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def facts(self) -> dict[str, Any]:
        """The figures as the check-in's facts (``reported_...``)."""
        named = {
            "reported_runs": self.runs,
            "reported_km": self.km,
            "reported_longest_km": self.longest_km,
        }
        return {name: value for name, value in named.items() if value is not None}

    def listed(self) -> str:
        """The figures as a list: "3 runs, 19 km (5, 6 and 8 km), all easy"."""
        said = []
        if self.runs is not None:
            said.append(f"{self.runs} run{'s' if self.runs != 1 else ''}")
        if self.km is not None:
            listed = ""
            if len(self.distances) > 1:
                each = [f"{d:g}" for d in self.distances]
                listed = f" ({', '.join(each[:-1])} and {each[-1]} km)"
            said.append(f"{self.km:g} km{listed}")
        if self.longest_km is not None:
            said.append(f"longest {self.longest_km:g} km")
        if self.all_easy:
            said.append("all easy")
        return ", ".join(said)

    def words(self, you: str = "you") -> str:
        """ "You report 3 runs, 19 km (5, 6 and 8 km), all easy." ("Ann reports ...")."""
        verb = "report" if you == "you" else "reports"
        return f"{you[0].upper() + you[1:]} {verb} {self.listed()}."


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text.lower()]


def _km(text: str) -> float:
    return float(text.replace(",", "."))


def reported_week(message: str) -> ReportedWeek | None:
    """The week the message reports, or None when it reports no training."""
    text = message.replace("’", "'")
    runs = _number(m[1]) if (m := _RUNS.search(text)) else None
    said_total = _TOTAL.search(text)
    total = next((_km(v) for v in said_total.groups() if v), None) if said_total else None
    longest = _km(m[1]) if (m := _LONG.search(text)) else None
    # distances listed one after another ("5k 6k 8k", "5k, 6k and 8k"), the long run aside
    listed = re.search(rf"{_KM}(?:(?:,| and|,? ?&)? ?{_KM})+", text, re.I)
    distances = tuple(_km(d) for d in re.findall(_KM, listed[0], re.I)) if listed else ()
    after_runs = re.search(
        _RUNS.pattern + rf"[,:]? (?:for |totall?ing |= )?{_KM}(?! each)", text, re.I
    )
    if total is None and after_runs and not listed:  # "3 runs, 20k": the week's total
        total = _km(after_runs[2])
    if total is None and len(distances) > 1:
        total = round(sum(distances), 2)
    if runs is None and len(distances) > 1:
        runs = len(distances)
    if total is None and longest is None and runs is None:
        return None
    if runs is not None and not 0 < runs <= 21:
        runs = None  # not a week's runs
    if total is not None and not 0 < total <= 500:
        total = None
    return ReportedWeek(runs, total, distances, longest, bool(_EASY.search(text)))
