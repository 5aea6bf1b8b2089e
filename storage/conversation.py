"""Where each conversation stands, per user and per subject (the athlete it is about).

Five kinds of state, at most one of each per user and subject:

- ``"confirm"``: a write waiting for yes or no;
- ``"ask"``: a question waiting for an argument;
- ``"flow"``: a multi-step flow, such as the weekly check-in;
- ``"last"``: the last tool call, so "and last month?" or "what about Ann?" can reuse it;
- ``"people"``: whom a coach's "he" and "she" have meant, and the athletes talked about last.

``subject_id`` None means no one in particular (or all of a coach's athletes). A state is only
ever read or changed by the user who holds it, and one about an athlete needs access to that
athlete (:func:`storage.access.require_access`). Every state expires; expired ones are deleted
when they are next looked at.

Callers get :class:`State`, a plain frozen record, never the ORM row.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.access import require_access, visible_athlete_ids
from storage.models import ConversationState, User, utcnow

CONFIRM: Final = "confirm"
ASK: Final = "ask"
FLOW: Final = "flow"
LAST: Final = "last"
PEOPLE: Final = "people"
KINDS: Final[tuple[str, ...]] = (CONFIRM, ASK, FLOW, LAST, PEOPLE)

CONFIRM_TTL: Final = timedelta(minutes=30)
ASK_TTL: Final = timedelta(minutes=30)
FLOW_TTL: Final = timedelta(days=1)
LAST_TTL: Final = timedelta(days=1)
DEFAULT_TTLS: Final = MappingProxyType(
    {CONFIRM: CONFIRM_TTL, ASK: ASK_TTL, FLOW: FLOW_TTL, LAST: LAST_TTL, PEOPLE: LAST_TTL}
)

_TOOL_MAX = 64  # the length of ConversationState.tool


@dataclass(frozen=True)
class State:
    """One conversation state, as callers see it (a copy: changing it changes nothing stored)."""

    kind: str
    tool: str
    args: dict[str, Any]
    data: dict[str, Any]
    subject_id: int | None
    updated_at: datetime


def get_state(
    session: Session,
    actor: User,
    subject_id: int | None,
    kind: str,
    now: datetime | None = None,
) -> State | None:
    """``actor``'s state of ``kind`` about ``subject_id``; None when there is none or it expired
    (an expired one is deleted)."""
    _check_kind(kind)
    now = _utc(now)
    _check_subject(session, actor, subject_id)
    current: ConversationState | None = None
    for row in _rows(session, actor, subject_id, kind):
        if _expired(row, now):
            session.delete(row)
        elif current is None:
            current = row
    session.flush()
    return None if current is None else _state(current)


def put_state(
    session: Session,
    actor: User,
    subject_id: int | None,
    kind: str,
    tool: str,
    args: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    ttl: timedelta | None = None,
    now: datetime | None = None,
) -> State:
    """Store ``actor``'s state of ``kind`` about ``subject_id``, replacing any there was.

    ``args`` and ``data`` must be JSON objects (dicts of JSON values; no NaN or infinity); they
    come back as JSON would give them (tuples as lists, number keys as strings). The state
    expires ``ttl`` after ``now`` (default: the kind's ``DEFAULT_TTLS``).
    """
    _check_kind(kind)
    if not isinstance(tool, str) or not tool.strip() or len(tool) > _TOOL_MAX:
        raise ValueError(f"A tool name needs 1 to {_TOOL_MAX} characters.")
    if ttl is None:
        ttl = DEFAULT_TTLS[kind]
    elif ttl <= timedelta(0):
        raise ValueError("A state's time to live must be positive.")
    now = _utc(now)
    stored_args = _json_object(args, "args")
    stored_data = _json_object(data, "data")
    _check_subject(session, actor, subject_id)

    # Select, then update or insert: the unique constraint does not hold for a null subject,
    # so this is what keeps one state per (user, subject, kind). Strays are removed.
    rows = _rows(session, actor, subject_id, kind)
    row = rows[0] if rows else None
    for stray in rows[1:]:
        session.delete(stray)
    if row is None:
        row = ConversationState(user_id=actor.id, subject_id=subject_id, kind=kind)
        session.add(row)
    if row.created_at is None or _expired(row, now):
        row.created_at = now
    row.tool = tool
    row.args = stored_args
    row.data = stored_data
    row.updated_at = now
    row.expires_at = now + ttl
    session.flush()
    return _state(row)


def clear_state(
    session: Session,
    actor: User,
    subject_id: int | None,
    kind: str | None = None,
) -> int:
    """Delete ``actor``'s state of ``kind`` about ``subject_id`` (every kind when ``kind`` is
    None); the number of states deleted."""
    if kind is not None:
        _check_kind(kind)
    _check_subject(session, actor, subject_id)
    statement = delete(ConversationState).where(
        ConversationState.user_id == actor.id, _subject_is(subject_id)
    )
    if kind is not None:
        statement = statement.where(ConversationState.kind == kind)
    result = session.execute(statement)
    return result.rowcount or 0


def states_of(session: Session, actor: User, now: datetime | None = None) -> list[State]:
    """All of ``actor``'s live states, newest first.

    Expired ones, and ones about an athlete ``actor`` may no longer see (a coach link removed),
    are deleted instead of returned.
    """
    now = _utc(now)
    visible = visible_athlete_ids(session, actor)
    rows = session.scalars(
        select(ConversationState)
        .where(ConversationState.user_id == actor.id)
        .order_by(ConversationState.updated_at.desc(), ConversationState.id.desc())
    )
    states: list[State] = []
    seen: set[tuple[int | None, str]] = set()
    for row in rows:
        if (
            _expired(row, now)
            or (row.subject_id is not None and row.subject_id not in visible)
            or (row.subject_id, row.kind) in seen
        ):
            session.delete(row)
            continue
        seen.add((row.subject_id, row.kind))
        states.append(_state(row))
    session.flush()
    return states


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"A conversation state's kind is one of {', '.join(KINDS)}, not {kind!r}.")


def _check_subject(session: Session, actor: User, subject_id: int | None) -> None:
    if subject_id is not None:
        require_access(session, actor, subject_id)


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime: give Coach G times with a time zone")
    return now.astimezone(UTC)


def _json_object(value: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """A deep copy of ``value`` as a JSON round trip gives it back; refuses what JSON can't hold."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, not {type(value).__name__}")
    try:
        copied: dict[str, Any] = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must hold JSON values only: {error}") from None
    return copied


def _subject_is(subject_id: int | None) -> Any:
    if subject_id is None:
        return ConversationState.subject_id.is_(None)
    return ConversationState.subject_id == subject_id


def _rows(
    session: Session, actor: User, subject_id: int | None, kind: str
) -> Sequence[ConversationState]:
    """``actor``'s rows of ``kind`` about ``subject_id``, newest first (more than one only if a
    race slipped past the select-then-insert of :func:`put_state` for a null subject)."""
    return session.scalars(
        select(ConversationState)
        .where(
            ConversationState.user_id == actor.id,
            _subject_is(subject_id),
            ConversationState.kind == kind,
        )
        .order_by(ConversationState.updated_at.desc(), ConversationState.id.desc())
    ).all()


def _expired(row: ConversationState, now: datetime) -> bool:
    return row.expires_at is not None and row.expires_at <= now


def _state(row: ConversationState) -> State:
    return State(
        kind=row.kind,
        tool=row.tool,
        args=copy.deepcopy(row.args or {}),
        data=copy.deepcopy(row.data or {}),
        subject_id=row.subject_id,
        updated_at=row.updated_at,
    )
