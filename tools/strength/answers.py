"""Reading a short answer in a strength conversation: a number from a list, "new" (yes and no
are :mod:`tools.yes_no`'s)."""

from __future__ import annotations

import re

NEW = re.compile(r"\b(new|add it|my own|own exercise|custom|none of (?:those|them))\b", re.I)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "one": 1, "two": 2, "three": 3}


def pick_number(message: str, count: int) -> int | None:
    """The option picked from a list of ``count`` ("2", "the second", "number 3")."""
    text = message.strip().lower()
    found = re.fullmatch(r"(?:number |option |no\.? ?)?(\d)\W*", text)
    if found and 1 <= int(found[1]) <= count:
        return int(found[1])
    for word, number in _ORDINALS.items():
        found_word = re.search(rf"\b(?:the )?{word}\b(?: one)?", text)
        if found_word and number <= count and len(text.split()) <= 4:
            return number
    return None
