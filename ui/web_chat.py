"""The chat: each message is one ``Coach.turn``; long tools stream their progress into the chat.

The turn runs in a worker thread. Its progress callback feeds a queue, and the handler (a
generator) yields the chat again with a progress line each time something arrives; then the
reply replaces the progress line: its text, then each artifact (annotated video, key frames,
plots) inline, published under an unguessable address (see :mod:`ui.web_files`).

The conversation shown is kept server-side (``gr.State``); the browser only ever receives it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from storage.access import AccessDenied, can_see
from storage.chat import recent_messages
from storage.db import Database
from storage.models import User
from storage.monitoring import chat_turn
from storage.settings import Settings
from tools.context import ToolContext
from tools.gait.drawing import DRAWING, appearing, file_state
from tools.markdown import escape, literal, safe_markdown
from ui.trends_figures import weekly_volume
from ui.web_files import is_upload, keep_upload, owner_of, publish
from ui.web_session import SessionOwners, acting_user, resolve_athlete

log = logging.getLogger(__name__)

Message = dict[str, Any]
#: What the chat handler yields: conversation state, chatbot, input box, status line, yes/no row.
ChatUpdate = tuple[list[Message], list[Message], Any, str, Any]

PROGRESS_POLL_S = 0.25
NOT_UPLOADED = "I can only use files uploaded here: attach the file with the clip button."
DRAWING_LINE = "⏳ Drawing the annotated video, key frames and figures…"
#: The chat waits this long for an analysis's files below its reply (a few seconds usually);
#: any drawn later show with the history, the next time the page opens.
DRAWING_WAIT_S = 120.0


def percent(fraction: float) -> str:
    """A progress fraction as a whole percentage, clamped to 0-100."""
    return f"{round(max(0.0, min(1.0, float(fraction))) * 100)}%"


def progress_line(fraction: float | None, message: str) -> str:
    """The line shown while a turn runs, e.g. ``Working… 40% - tracking the runner``."""
    if fraction is None:
        return "⏳ Working on it…"
    return f"⏳ Working… {percent(fraction)} - {escape(message)}".rstrip(" -")


def reply_messages(reply: Any, media_root: Path, viewer_id: int) -> list[Message]:
    """The reply as chat messages: the text, then each artifact with its title, published for
    the athlete whose media folder holds it (``viewer_id``'s own when it lies elsewhere).

    Videos and images are shown inline by the chat; JSON, HTML and CSV come as downloads. The
    text passes the rendering boundary (:func:`tools.markdown.safe_markdown`): nothing in it
    loads, links or tags.
    """
    text = safe_markdown(reply.text or "(no answer)")
    messages: list[Message] = [{"role": "assistant", "content": text}]
    for artifact in reply.artifacts:
        path = Path(artifact.path)
        if not path.is_file():
            if file_state(path) != DRAWING:  # still being drawn: shown when it appears
                log.warning("artifact %s is missing; not shown", path.name)
            continue
        messages.append(shown_artifact(artifact, media_root, viewer_id))
    messages += [{"role": "assistant", "content": plot} for plot in reply_figures(reply)]
    return messages


def shown_artifact(artifact: Any, media_root: Path, viewer_id: int) -> Message:
    """One artifact of a reply, published for the athlete whose media folder holds it."""
    path = Path(artifact.path)
    published = publish(path, owner_of(path, media_root, viewer_id))
    return artifact_message(published, artifact.title or path.stem)


def drawing_artifacts(reply: Any) -> list[Any]:
    """The reply's files still being drawn (an analysis's pictures come after its report,
    :mod:`tools.gait.drawing`), in the reply's order."""
    return [a for a in reply.artifacts if file_state(a.path) == DRAWING]


def artifact_message(published: str, title: str) -> Message:
    """One artifact as a chat message: its title, then the file (shown inline when it is a
    video or an image)."""
    title = title.replace("_", " ")
    return {
        "role": "assistant",
        "content": [f"**{escape(title)}**", {"path": published, "alt_text": title}],
    }


#: (file, athlete) -> its published copy, so a history shown again reuses the copy it made.
_REPUBLISHED: dict[tuple[str, int], str] = {}
_REPUBLISHED_LOCK = threading.Lock()


def _republish(db: Database, path: Path, owner: int) -> str:
    """A published copy of ``path`` for athlete ``owner`` (and their coaches), noted in the
    database; the one made earlier by this server while it is still there."""
    key = (str(path), owner)
    with _REPUBLISHED_LOCK:
        done = _REPUBLISHED.get(key)
        if done is not None and Path(done).is_file():
            return done
    published = publish(path, owner, db)
    with _REPUBLISHED_LOCK:
        _REPUBLISHED[key] = published
    return published


def _kept_file(item: dict[str, Any], media_root: Path) -> tuple[Path, int] | None:
    """A stored artifact's file and its athlete, when it still lies in an athlete's media
    folder (``media/<athlete id>/...``); None for anything else."""
    try:
        path = Path(str(item.get("path", ""))).resolve()
        first = path.relative_to(media_root.resolve()).parts[0]
        owner = int(first)
    except (ValueError, IndexError, OSError, RuntimeError):
        return None
    return (path, owner) if path.is_file() else None


def stored_artifacts(
    db: Database, actor: User, items: list[dict[str, Any]], media_root: Path
) -> list[Message]:
    """The files a stored reply showed, as chat messages again: only those still in the media
    folder of an athlete ``actor`` may see today (a coach unlinked since sees none), each
    published afresh for that athlete and their coaches (:func:`ui.web_files.publish`)."""
    kept = [(item, found) for item in items if (found := _kept_file(item, media_root))]
    if not kept:
        return []
    with db.session() as session:
        allowed = {owner for _, (_, owner) in kept if can_see(session, actor, owner)}
    messages = []
    for item, (path, owner) in kept:
        if owner in allowed:
            title = str(item.get("title") or path.stem)
            messages.append(artifact_message(_republish(db, path, owner), title))
    return messages


def reply_figures(reply: Any) -> list[gr.Plot]:
    """Figures that help read a reply, drawn from its results' own data: the weekly volume of a
    training-load answer (the same figure as on the Trends tab)."""
    plots = []
    for result in getattr(reply, "results", []):
        weeks = result.data.get("weeks") if result.ok and result.tool == "training_load" else None
        if weeks and len(weeks) > 1:
            frame = pd.DataFrame(weeks)
            frame.index = pd.to_datetime(frame.pop("week"))
            plots.append(gr.Plot(value=weekly_volume(frame), show_label=False))
    return plots


def status_text(reply: Any) -> str:
    """The small line under the chat: which backend answered and which tools ran."""
    tools = ", ".join(dict.fromkeys(call.name for call in reply.tool_calls)) or "none"
    line = f"Answered by the {reply.backend} backend · tools: {tools}"
    if reply.pending is not None:
        line += " · waiting for your yes or no"
    return line


def stored_history(
    db: Database, actor: User, limit: int = 20, media_root: Path | None = None
) -> list[Message]:
    """The last messages of ``actor``'s own conversation, for when the page opens: the text,
    and after each reply the files it showed (annotated video, key frames, plots) that
    ``actor`` may still see (:func:`stored_artifacts`; ``media_root``: where the athletes'
    media folders are, the settings' by default).

    Through the rendering boundary too: a reply stored before it existed shows as text."""
    root = media_root or Settings.from_env().media_dir
    with db.session() as session:
        rows = [
            (row.role, row.content, list(row.artifacts or []))
            for row in recent_messages(session, actor, limit=limit)
        ]
    messages: list[Message] = []
    for role, content, artifacts in rows:
        if role not in ("user", "assistant"):
            continue
        if content:
            messages.append({"role": role, "content": shown(role, content)})
        if role == "assistant" and artifacts:
            messages += stored_artifacts(db, actor, artifacts, root)
    return messages


def shown(role: str, text: str) -> str:
    """A message as the chat shows it: a person's own words literally, Coach G's as Markdown
    that cannot load, link or tag anything."""
    return literal(text) if role == "user" else safe_markdown(text)


@dataclass
class _Turn:
    """One turn running in a worker thread, reporting through a queue."""

    updates: queue.Queue[tuple[float, str]] = field(default_factory=queue.Queue)
    reply: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


class LazyCoach:
    """The agent, built on first use (it may load a language model) and shared by the chat
    and the REST API (ui/web_api.py)."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._coach: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._coach is None:
                from agent.coach import Coach

                self._coach = Coach(self.db, self.settings)
            return self._coach

    def turn(self, *args: Any, **kwargs: Any) -> Any:
        """``Coach.turn``."""
        return self.get().turn(*args, **kwargs)


class ChatHandler:
    """The chat's event handlers, bound to one database, settings and coach."""

    def __init__(self, db: Database, settings: Settings, coach: Any = None) -> None:
        self.db = db
        self.settings = settings
        self._coach = coach
        self._coach_lock = threading.Lock()
        self.sessions = SessionOwners()

    @property
    def coach(self) -> Any:
        """The agent, built on first use (it may load a language model)."""
        with self._coach_lock:
            if self._coach is None:
                from agent.coach import Coach

                self._coach = Coach(self.db, self.settings)
            return self._coach

    def _context(self, actor: User, athlete_id: int | None) -> ToolContext:
        """The tool context of the athlete talked about (the actor's own when undecided)."""
        return ToolContext(
            db=self.db, actor=actor, settings=self.settings, athlete_id=athlete_id or actor.id
        )

    def media_dir(self, actor: User, athlete_id: int | None) -> Path:
        """The media folder of the athlete talked about (the actor's own when undecided)."""
        return self._context(actor, athlete_id).media_dir

    def _refused(self, actor: User, athlete_id: int | None, files: list[str]) -> str:
        """Why these attachments may not be kept (too big, past the account's quota), having
        deleted them; "" when they may."""
        from ui.web_import import discard, upload_problem  # the import tab imports this module

        problem = upload_problem(files, self._context(actor, athlete_id), self.settings)
        if problem:
            discard(files)
        return problem

    def respond(
        self,
        message: dict[str, Any] | None,
        history: list[Message] | None,
        athlete_choice: str | None,
        request: gr.Request,
    ) -> Iterator[ChatUpdate]:
        """Handle one message (text and attachments) and stream the chat as it goes.

        The conversation shown (``history``, the page session's state) is used only if this
        login opened that session."""
        actor = acting_user(self.db, request)
        self.sessions.check(request, actor)
        history = list(history or [])
        text = str((message or {}).get("text") or "").strip()
        files = [str(f) for f in (message or {}).get("files") or []]
        if not text and not files:
            yield history, history, gr.MultimodalTextbox(), "", gr.Row()
            return
        said: list[Any] = [literal(text)] if text else []
        said += [{"path": f} for f in files]
        history.append({"role": "user", "content": said})
        if not all(is_upload(f) for f in files):
            history.append({"role": "assistant", "content": NOT_UPLOADED})
            yield history, history, gr.MultimodalTextbox(value=None, interactive=True), "", gr.Row()
            return
        busy = gr.MultimodalTextbox(value=None, interactive=False)
        try:
            athlete_id = resolve_athlete(self.db, actor, athlete_choice)
        except AccessDenied as error:
            history.append({"role": "assistant", "content": str(error)})
            yield history, history, gr.MultimodalTextbox(value=None, interactive=True), "", gr.Row()
            return
        if files and (problem := self._refused(actor, athlete_id, files)):
            history.append({"role": "assistant", "content": escape(problem)})
            yield history, history, gr.MultimodalTextbox(value=None, interactive=True), "", gr.Row()
            return
        try:
            media = self.media_dir(actor, athlete_id)
            attachments = [str(keep_upload(f, media)) for f in files]
        except OSError:
            log.exception("could not keep an upload")
            history.append(
                {
                    "role": "assistant",
                    "content": "I could not save your file (is the disk full?). "
                    "Nothing was lost: free some space and send it again.",
                }
            )
            yield history, history, gr.MultimodalTextbox(value=None, interactive=True), "", gr.Row()
            return
        history.append({"role": "assistant", "content": progress_line(None, "")})
        yield history, history, busy, "", gr.Row(visible=False)

        turn = self._start(actor, text, attachments, athlete_id)
        while not turn.done.is_set() or not turn.updates.empty():
            try:
                fraction, step = turn.updates.get(timeout=PROGRESS_POLL_S)
            except queue.Empty:
                continue
            while not turn.updates.empty():  # show only the newest of a burst
                fraction, step = turn.updates.get_nowait()
            history[-1] = {"role": "assistant", "content": progress_line(fraction, step)}
            yield history, history, busy, "", gr.Row(visible=False)

        history.pop()
        if turn.error is not None:
            history.append(
                {
                    "role": "assistant",
                    "content": "Sorry, something went wrong while answering. Your message and "
                    "files are kept; try again, or ask differently.",
                }
            )
            yield history, history, gr.MultimodalTextbox(value=None, interactive=True), "", gr.Row()
            return
        reply = turn.reply
        history.extend(reply_messages(reply, self.settings.media_dir, actor.id))
        drawing = {str(a.path): a for a in drawing_artifacts(reply)}
        if drawing:  # the reply now, each file below it as soon as it is drawn
            row = gr.Row(visible=False)
            yield history, history, busy, DRAWING_LINE, row
            for path in appearing(drawing, timeout=DRAWING_WAIT_S):
                artifact = drawing.pop(str(path))
                history.append(shown_artifact(artifact, self.settings.media_dir, actor.id))
                line = DRAWING_LINE if drawing else status_text(reply)
                yield history, history, busy, line, row
        yield (
            history,
            history,
            gr.MultimodalTextbox(value=None, interactive=True),
            status_text(reply),
            gr.Row(visible=reply.pending is not None),
        )

    def answer_yes(
        self, history: list[Message] | None, athlete_choice: str | None, request: gr.Request
    ) -> Iterator[ChatUpdate]:
        """The Yes button: confirms the pending write, as if the user typed "yes"."""
        yield from self.respond({"text": "yes"}, history, athlete_choice, request)

    def answer_no(
        self, history: list[Message] | None, athlete_choice: str | None, request: gr.Request
    ) -> Iterator[ChatUpdate]:
        """The No button: cancels the pending write, as if the user typed "no"."""
        yield from self.respond({"text": "no"}, history, athlete_choice, request)

    def _start(
        self, actor: User, text: str, attachments: list[str], athlete_id: int | None
    ) -> _Turn:
        turn = _Turn()

        def progress(fraction: float, step: str) -> None:
            turn.updates.put((fraction, step))

        def run() -> None:
            started = time.perf_counter()
            try:
                turn.reply = self.coach.turn(
                    actor, text, attachments, athlete_id=athlete_id, progress=progress
                )
            except Exception as error:  # shown as a polite message; details go to the log
                log.exception("chat turn failed")
                turn.error = error
            finally:
                chat_turn("web", time.perf_counter() - started, turn.error is None)
                turn.done.set()

        threading.Thread(target=run, name="coachg-turn", daemon=True).start()
        return turn
