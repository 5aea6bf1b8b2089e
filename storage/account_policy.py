"""The one name and password policy, for ``coachg users add`` and the web sign-up alike.

A login name is 2 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a
letter or digit, so it can never hold Markdown, HTML or spaces. A password has at least
:data:`MIN_PASSWORD` characters. A few names are reserved: ``me`` is the command line's default
user (whoever runs ``coachg`` on this machine), and the others would look like they speak for
the machine; nobody can sign up with them on the web.

A name must not pass for another: two names with the same :func:`skeleton` (``bob``, ``bob.``,
``b0b``, ``B-O-B``, or ``bоb`` with a Cyrillic ``о``) are one name to a reader, so a new name whose
skeleton is an existing name's (or a reserved one's) is refused. Invisible, control and
text-direction characters (a right-to-left override reorders a whole table row) are refused
with their own words, and so are lookalike letters of other alphabets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 8
#: scrypt of a megabyte-long password costs real time; nobody types more than this.
MAX_PASSWORD = 256
#: The command line's default user when neither ``--user`` nor ``COACHG_USER`` says who.
CLI_DEFAULT_USER = "me"
RESERVED_NAMES = frozenset(
    {
        CLI_DEFAULT_USER,
        "admin",
        "administrator",
        "root",
        "coach",
        "coachg",
        "system",
        "support",
        "strava",
        "owner",
        "everyone",
        "nobody",
    }
)

NAME_RULE = (
    "Choose a user name of 2 to 40 letters, digits, dots, dashes or underscores, "
    "starting with a letter or digit."
)
HIDDEN_CHARACTERS = (
    "A user name cannot hold invisible, control or text-direction characters (such as a "
    "right-to-left override). Type it again with plain letters a-z, digits, dots, dashes or "
    "underscores."
)

#: Letters of other alphabets (Cyrillic, Greek) that look like Latin ones, after NFKC and
#: casefolding, and digits that pass for letters: each to the Latin letter it passes for.
CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "һ": "h", "і": "l", "ї": "l", "ј": "j",
        "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y",
        "х": "x", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ь": "b", "п": "n",
        "г": "r", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "μ": "u", "ν": "v",
        "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "ϲ": "c",
        # Latin letters and digits that read alike
        "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "ı": "l", "ł": "l",
    }
)  # fmt: skip
#: Letter pairs that read as one letter.
CONFUSABLE_PAIRS = (("rn", "m"), ("vv", "w"))
#: What separates parts of a name without changing how it reads.
SEPARATORS = re.compile(r"[._\-\s]+")


def normalise_name(name: str) -> str:
    """A login name as stored: trimmed and lower-case."""
    return name.strip().lower()


def has_hidden_characters(text: str) -> bool:
    """Whether ``text`` holds a control, format (bidi overrides and isolates, zero-width
    characters) or line-separator character: none of them shows, and some reorder what
    follows."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs") for ch in text)


def skeleton(name: str) -> str:
    """How ``name`` reads: NFKC (full-width and styled letters become plain), casefolded,
    lookalike letters of other alphabets and digits mapped to the Latin letter they pass for,
    accents and separators (dots, dashes, underscores) dropped. Two names with one skeleton
    are one name to a reader."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")  # accents
    text = SEPARATORS.sub("", text.translate(CONFUSABLES))
    for pair, letter in CONFUSABLE_PAIRS:
        text = text.replace(pair, letter)
    return text


def lookalike_of(name: str, names: Iterable[str]) -> str | None:
    """The first of ``names`` that reads like ``name`` but is not it (same :func:`skeleton`),
    or None."""
    name = normalise_name(name)
    mine = skeleton(name)
    return next((other for other in names if other != name and skeleton(other) == mine), None)


def name_problem(name: str, *, signing_up: bool = False, taken: Iterable[str] = ()) -> str:
    """What is wrong with ``name`` as a new login, in words that say what to do; "" if nothing.

    ``signing_up``: the name comes from the web sign-up, where reserved names (and names that
    read like them) are refused. ``taken``: the existing logins; a name that reads like one of
    them is refused.
    """
    if has_hidden_characters(name):
        return HIDDEN_CHARACTERS
    name = normalise_name(name)
    if not name.isascii() and NAME_PATTERN.match(skeleton(name)):
        return (
            f"The name {name!r} has letters that pass for plain ones (of another alphabet, "
            "accented or styled); type it with plain letters a-z, digits, dots, dashes or "
            "underscores."
        )
    if not NAME_PATTERN.match(name):
        return NAME_RULE
    if signing_up and (name in RESERVED_NAMES or lookalike_of(name, RESERVED_NAMES)):
        return f"The name {name!r} is reserved on this machine; choose another."
    if (other := lookalike_of(name, taken)) is not None:
        return (
            f"The name {name!r} looks like the existing name {other!r}; choose one that "
            "reads differently."
        )
    return ""


def password_problem(password: str) -> str:
    """What is wrong with ``password`` for a new account; "" if nothing."""
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Choose a password of at most {MAX_PASSWORD} characters."
    return ""


def account_problem(
    name: str, password: str, *, signing_up: bool = False, taken: Iterable[str] = ()
) -> str:
    """The first problem with a new account's name or password; "" if there is none."""
    return name_problem(name, signing_up=signing_up, taken=taken) or password_problem(password)
