"""Users, passwords and coach-athlete links."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.access import AccessDenied
from storage.account_policy import has_hidden_characters, lookalike_of
from storage.models import ROLES, CoachLink, User

_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (standard library only)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches the ``stored`` hash (constant-time comparison)."""
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


def get_user(session: Session, name: str) -> User | None:
    """The user called ``name`` (case-insensitive), or None."""
    return session.scalar(select(User).where(User.name == name.strip().lower()))


def create_user(
    session: Session,
    name: str,
    role: str = "athlete",
    password: str | None = None,
    display_name: str = "",
) -> User:
    """Create a user; ``name`` is the login (lower-cased), ``role`` athlete or coach.

    A name that reads like an existing one (``b0b`` beside ``bob``: the same
    :func:`storage.account_policy.skeleton`) or holds invisible or text-direction characters
    is refused, whoever asks (the web sign-up, ``coachg users add``)."""
    name = name.strip().lower()
    if not name or len(name) > 80:
        raise ValueError("A user name needs 1 to 80 characters.")
    if has_hidden_characters(name) or has_hidden_characters(display_name):
        raise ValueError("A name cannot hold invisible, control or text-direction characters.")
    if role not in ROLES:
        raise ValueError(f"Role must be one of {', '.join(ROLES)}, not {role!r}.")
    if get_user(session, name) is not None:
        raise ValueError(f"There is already a user called {name!r}.")
    if (other := lookalike_of(name, session.scalars(select(User.name)))) is not None:
        raise ValueError(f"The name {name!r} looks like the existing name {other!r}.")
    user = User(
        name=name,
        role=role,
        display_name=display_name or name.title(),
        password_hash=hash_password(password) if password else "",
    )
    session.add(user)
    session.flush()
    return user


def get_or_create_user(session: Session, name: str, role: str = "athlete") -> User:
    """The user called ``name``, created (without a password) if new."""
    return get_user(session, name) or create_user(session, name, role=role)


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if ``password`` is right for ``name``, else None."""
    user = get_user(session, name)
    if user is None or not user.password_hash:
        check_password(password, _dummy_hash())  # the same time either way: names don't leak
        return None
    return user if check_password(password, user.password_hash) else None


@cache
def _dummy_hash() -> str:
    return hash_password("no account has this password")


def link_coach(session: Session, coach: User, athlete: User) -> None:
    """Let ``coach`` see ``athlete``'s data (idempotent)."""
    if coach.role != "coach":
        raise AccessDenied(f"{coach.name} is not a coach.")
    if athlete.role != "athlete":
        raise ValueError(f"{athlete.name} is not an athlete.")
    exists = session.scalar(
        select(CoachLink).where(CoachLink.coach_id == coach.id, CoachLink.athlete_id == athlete.id)
    )
    if exists is None:
        session.add(CoachLink(coach_id=coach.id, athlete_id=athlete.id))
        session.flush()


def athletes_of(session: Session, coach: User) -> list[User]:
    """The athletes linked to ``coach``, by name."""
    return list(
        session.scalars(
            select(User)
            .join(CoachLink, CoachLink.athlete_id == User.id)
            .where(CoachLink.coach_id == coach.id)
            .order_by(User.name)
        )
    )


def set_password(session: Session, user: User, password: str) -> None:
    """Give ``user`` the new ``password`` (stored as a fresh salted hash); the old one stops
    working at once. ValueError, in words that say what to do, when the password breaks the
    account policy (:func:`storage.account_policy.password_problem`)."""
    from storage.account_policy import password_problem

    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    stored = session.get(User, user.id)
    if stored is None:
        raise ValueError("That account no longer exists.")
    stored.password_hash = hash_password(password)
    session.flush()


def change_password(session: Session, user: User, old: str, new: str) -> None:
    """Replace ``user``'s password after checking ``old`` (a web session alone must not be
    enough to take over an account). ValueError with what to do when ``old`` is wrong or
    ``new`` breaks the policy."""
    stored = session.get(User, user.id)
    if stored is None or not stored.password_hash or not check_password(old, stored.password_hash):
        raise ValueError("The current password is wrong; nothing was changed.")
    if old == new:
        raise ValueError("The new password is the same as the current one; choose another.")
    set_password(session, stored, new)
