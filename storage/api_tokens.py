"""Personal access tokens for the REST API (``/api/v1``) and the metrics endpoint.

A token is ``cg_`` and 43 random URL-safe characters (256 bits). It is shown once, when it is
made; the database keeps only its SHA-256 (a slow hash adds nothing to a random 256-bit
secret) and its first characters, so a list can tell tokens apart. A token acts as its user
with the same access rules as the chat (:mod:`storage.access`), limited to its scopes:

- ``read``: the GET endpoints;
- ``write``: the POST endpoints too (a chat turn, a video, a strength log), and reading;
- ``metrics``: ``/metrics`` only.

A revoked token keeps its row (with when it was revoked), so the list still shows it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import TOKEN_SCOPES, ApiToken, User, utcnow

PREFIX = "cg_"
#: How many characters of a token are kept to tell it apart in a list (``cg_AbCd1234``).
SHOWN = len(PREFIX) + 8
#: What each scope lets a token do besides itself: writing includes reading.
IMPLIES = {"write": {"read"}}
MAX_NAME = 80
#: A token's last use is written at most this often.
USE_NOTED_EVERY = timedelta(minutes=1)


class TokenProblem(ValueError):
    """A token could not be made as asked (the words say what to do)."""


@dataclass(frozen=True)
class NewToken:
    """A token just made: ``secret`` is the token itself, shown this once and never kept."""

    row: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """The SHA-256 of a token, as kept in the database."""
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def parse_scopes(scopes: str | list[str] | tuple[str, ...]) -> list[str]:
    """Scopes given as words (``"read write"``, ``"read,write"`` or a list), checked; raises
    :class:`TokenProblem` naming the scopes there are."""
    words = scopes.replace(",", " ").split() if isinstance(scopes, str) else list(scopes)
    chosen = sorted({word.strip().lower() for word in words if word.strip()})
    unknown = [word for word in chosen if word not in TOKEN_SCOPES]
    if unknown or not chosen:
        raise TokenProblem(
            f"Scopes are {', '.join(TOKEN_SCOPES)} (one or more); "
            f"{'not ' + ', '.join(unknown) if unknown else 'none was given'}."
        )
    return chosen


def scopes_of(token: ApiToken) -> set[str]:
    """What ``token`` may do: its scopes and what they imply (``write`` reads too)."""
    scopes = set(token.scopes.split())
    for scope in list(scopes):
        scopes |= IMPLIES.get(scope, set())
    return scopes


def create_token(
    session: Session, user: User, scopes: str | list[str] = "read", name: str = ""
) -> NewToken:
    """A new token for ``user`` with ``scopes``, named ``name`` (a label for the list)."""
    chosen = parse_scopes(scopes)
    name = " ".join(name.split())[:MAX_NAME]
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:SHOWN],
        token_hash=token_hash(secret),
        scopes=" ".join(chosen),
    )
    session.add(row)
    session.flush()
    return NewToken(row=row, secret=secret)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """``user``'s tokens, newest first, the revoked ones too."""
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(session.scalars(query))


def revoke_token(session: Session, user: User, token_id: int) -> ApiToken | None:
    """Revoke ``user``'s token ``token_id`` (None when ``user`` has no such token: another
    user's token is not theirs to revoke, and the answer does not say it exists)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def authenticate(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The user and token that ``secret`` is (its last use noted, to the minute), or None for a
    token that is unknown, revoked, or not of the ``cg_`` form."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > USE_NOTED_EVERY:
        row.last_used_at = now  # not on every call: a busy script would write on each
    return user, row
