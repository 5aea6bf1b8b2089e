"""What a turn leaves behind: the message and reply in the chat history (with the calls and
facts behind it), and a searchable summary of an analysis, import or sync in the athlete's
history store."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING

from agent.replies import Reply
from storage.chat import add_message
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from tools.registry import get_tool
from tools.result import ToolResult

if TYPE_CHECKING:
    from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)


def history_summary(result: ToolResult, today: date) -> str:
    """One searchable line about a tool's result: when, what, and its key numbers."""
    facts = "; ".join(
        f"{fact.name.replace('_', ' ')} {fact.render()}" for fact in result.facts[:12]
    )
    return f"{today.isoformat()} {result.tool.replace('_', ' ')}: {result.message} {facts}".strip()


class Memory:
    """The chat history and the athletes' searchable history of one database."""

    def __init__(self, db: Database, settings: Settings, today: date | None = None) -> None:
        self.db = db
        self.settings = settings
        self.today = today
        self._history: KnowledgeStore | None = None  # opened on first use

    def remember(self, actor: User, athlete_id: int | None, message: str, reply: Reply) -> None:
        """Store the message and its reply (about ``athlete_id``) in ``actor``'s chat."""
        calls = [asdict(c) for c in reply.tool_calls]
        if reply.pending is not None:
            calls.append(asdict(reply.pending) | {"pending": True})
        facts = [asdict(f) for r in reply.results for f in r.facts]
        with self.db.session() as session:
            add_message(session, actor, "user", message, athlete_id=athlete_id)
            stored = add_message(
                session,
                actor,
                "assistant",
                reply.text,
                athlete_id=athlete_id,
                tool_calls=calls,
                facts=facts,
                confidence=reply.confidence,
                artifacts=[
                    {"path": str(a.path), "kind": a.kind, "title": a.title} for a in reply.artifacts
                ],
            )
            stored_id = stored.id
        for result in reply.results:
            if result.ok and get_tool(result.tool).remember and athlete_id is not None:
                self._add_to_history(athlete_id, stored_id, result)

    def _add_to_history(self, athlete_id: int, message_id: int, result: ToolResult) -> None:
        """Put a summary of what happened into the athlete's searchable history, so later
        questions can find it. A failure here costs the memory, never the reply."""
        summary = history_summary(result, self.today or date.today())
        try:
            if self._history is None:
                from knowledge.store import KnowledgeStore  # chromadb loads only when needed

                self._history = KnowledgeStore.open(self.settings)
            self._history.add_history(
                athlete_id, f"{message_id}:{result.tool}", summary, kind=result.tool
            )
        except Exception:
            log.warning("could not add a %s summary to the history", result.tool, exc_info=True)
