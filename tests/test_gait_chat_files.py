"""The chat gives an analysis's reply first and then each of its files (annotated clip, key
frames, figures) as soon as it is drawn; the stored reply names them all, so the history shows
them too. The real clip, the real agent and a real database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from agent.coach import Coach
from storage.chat import recent_messages
from storage.db import Database
from storage.settings import Settings
from tests.conftest import People
from tests.test_gait_helpers import VIDEO, require
from tests.test_rendering import upload
from tests.test_web import gradio_cache  # noqa: F401 - the fixture
from tools.gait.drawing import read_manifest
from tools.markdown import escape
from ui.web_chat import DRAWING_LINE, ChatHandler, stored_history


def _files(history: list[dict[str, Any]]) -> list[str]:
    """The titles of the files an assistant message shows, in order."""
    return [
        m["content"][0]
        for m in history
        if m["role"] == "assistant" and isinstance(m["content"], list)
    ]


def _reply(history: list[dict[str, Any]]) -> bool:
    """Whether ``history`` holds Coach G's answer (a text that is no progress line)."""
    return any(
        m["role"] == "assistant" and isinstance(m["content"], str) and "⏳" not in m["content"]
        for m in history
    )


def test_the_reply_comes_first_then_every_file_as_it_is_drawn(
    db: Database,
    people: People,
    settings: Settings,
    gradio_cache: Path,  # noqa: F811
) -> None:
    chat = ChatHandler(db, settings, Coach(db, settings))
    clip = upload(gradio_cache, require(VIDEO))
    as_ann = gr.Request(username="ann")
    asked = {"text": "analyze my run video", "files": [clip]}
    # each update as it was shown (the handler yields the same list, growing)
    updates = [(None, list(u[1]), None, u[3]) for u in chat.respond(asked, [], None, as_ann)]
    final = updates[-1][1]
    with db.session() as session:
        stored = [m for m in recent_messages(session, people.ann) if m.role == "assistant"][-1]
        named = list(stored.artifacts)
    assert len(named) >= 10  # the clip, four key frames, five figures, the JSON
    # every one, in the order they were drawn (the JSON first: written with the report)
    assert sorted(_files(final)) == sorted(f"**{escape(a['title'])}**" for a in named)
    shown = [len(_files(update[1])) for update in updates]
    assert shown == sorted(shown)  # files are only ever added below the reply
    replied = next(i for i, u in enumerate(updates) if _reply(u[1]))
    for update in updates[replied:]:  # drawing is said until the last file is shown
        drawn = len(_files(update[1])) == len(named)
        assert "analyze_run_video" in update[3] if drawn else update[3] == DRAWING_LINE
    manifest = read_manifest(Path(named[0]["path"]).parent) or {}
    assert manifest["state"] == "done"
    # logged out and in: the history shows the same files
    again = stored_history(db, people.ann, media_root=settings.media_dir)
    assert _files(again)[-len(named) :] == [f"**{escape(a['title'])}**" for a in named]
