"""The conversation history, per user and per athlete talked about."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.access import require_access
from storage.models import ChatMessage, User


def add_message(
    session: Session,
    actor: User,
    role: str,
    content: str,
    *,
    athlete_id: int | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    facts: list[dict[str, Any]] | None = None,
    confidence: float | None = None,
    artifacts: list[dict[str, str]] | None = None,
) -> ChatMessage:
    """Append a message of ``actor``'s conversation (about ``athlete_id``, if any);
    ``artifacts``: the files the reply showed (``{"path", "kind", "title"}``)."""
    if athlete_id is not None:
        require_access(session, actor, athlete_id)
    message = ChatMessage(
        user_id=actor.id,
        athlete_id=athlete_id,
        role=role,
        content=content,
        tool_calls=tool_calls or [],
        facts=facts or [],
        confidence=confidence,
        artifacts=artifacts or [],
    )
    session.add(message)
    session.flush()
    return message


def recent_messages(session: Session, actor: User, limit: int = 20) -> list[ChatMessage]:
    """``actor``'s own last messages, oldest first. A user never reads another's conversation."""
    rows = session.scalars(
        select(ChatMessage)
        .where(ChatMessage.user_id == actor.id)
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
