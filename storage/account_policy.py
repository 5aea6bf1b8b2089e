"""The one name and password policy, for ``coachg users add`` and the web sign-up alike.

A login name is 2 to 40 lower-case letters, digits, dots, dashes or underscores, starting with a
letter or digit, so it can never hold Markdown, HTML or spaces. A password has at least
:data:`MIN_PASSWORD` characters. A few names are reserved: ``me`` is the command line's default
user (whoever runs ``coachg`` on this machine), and the others would look like they speak for
the machine; nobody can sign up with them on the web.
"""

from __future__ import annotations

import re

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


def normalise_name(name: str) -> str:
    """A login name as stored: trimmed and lower-case."""
    return name.strip().lower()


def name_problem(name: str, *, signing_up: bool = False) -> str:
    """What is wrong with ``name`` as a new login, in words that say what to do; "" if nothing.

    ``signing_up``: the name comes from the web sign-up, where reserved names are refused.
    """
    name = normalise_name(name)
    if not NAME_PATTERN.match(name):
        return NAME_RULE
    if signing_up and name in RESERVED_NAMES:
        return f"The name {name!r} is reserved on this machine; choose another."
    return ""


def password_problem(password: str) -> str:
    """What is wrong with ``password`` for a new account; "" if nothing."""
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Choose a password of at most {MAX_PASSWORD} characters."
    return ""


def account_problem(name: str, password: str, *, signing_up: bool = False) -> str:
    """The first problem with a new account's name or password; "" if there is none."""
    return name_problem(name, signing_up=signing_up) or password_problem(password)
