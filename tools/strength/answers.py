"""Reading a short answer in a strength conversation: yes, no, a number from a list, "new"."""

from __future__ import annotations

import re

YES = re.compile(
    r"^\s*(y|yes|yep|yeah|yup|sure|ok|okay|go|go ahead|do it|please do|confirm|correct|right"
    r"|sounds good|save it|log it|perfect|absolutely|of course|please)\b",
    re.I,
)
NO = re.compile(r"^\s*(n|no|nope|nah|cancel|don't|do not|never ?mind|leave it|forget it)\b", re.I)
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
