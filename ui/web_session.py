"""Who is using the web app, and whom they may ask about.

Gradio's login (``auth=``) checks passwords with :func:`storage.users.authenticate` and sets a
cookie; every handler then gets the login name as ``request.username``. Handlers never trust
what the browser sends about *whom* a question is about: :func:`resolve_athlete` re-checks
access in storage on every call.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import gradio as gr

from storage.access import DENIED, AccessDenied, require_access
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import athletes_of, authenticate, get_user
from tools.context import ToolContext
from tools.markdown import escape

#: The coach's dropdown value meaning "whoever my message names".
FROM_MESSAGE = ""


def password_check(db: Database) -> Callable[[str, str], Awaitable[bool]]:
    """Gradio's ``auth=`` callable: the name and password are checked against the database
    (scrypt, in a worker thread so the server keeps answering)."""

    def check(name: str, password: str) -> bool:
        with db.session() as session:
            return authenticate(session, name, password) is not None

    async def auth(name: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(check, name, password)

    return auth


def acting_user(db: Database, request: gr.Request | None) -> User:
    """The logged-in user of this request; a clear error when there is none."""
    name = getattr(request, "username", None) if request is not None else None
    if not name:
        raise gr.Error("You are not logged in: reload the page and log in again.")
    with db.session() as session:
        user = get_user(session, name)
    if user is None:
        raise gr.Error("This account no longer exists: reload the page and log in again.")
    return user


#: Said when a request names a page session opened by someone else.
NOT_YOUR_SESSION = "This page belongs to another login: reload it and log in again."


class SessionOwners:
    """Which login opened each page session (Gradio's ``session_hash``, which the browser
    sends): the first user seen with it. The web guard refuses other users' sessions for
    every route; handlers that read a session's state check again here."""

    def __init__(self, most: int = 100_000) -> None:
        self._owners: OrderedDict[str, str] = OrderedDict()
        self._most = most
        self._lock = threading.Lock()

    def check(self, request: gr.Request | None, actor: User) -> None:
        """Raise :class:`gradio.Error` if ``request``'s session was opened by someone else."""
        session_hash = getattr(request, "session_hash", None)
        if not session_hash:
            return
        with self._lock:
            owner = self._owners.setdefault(session_hash, actor.name)
            self._owners.move_to_end(session_hash)
            if len(self._owners) > self._most:
                self._owners.popitem(last=False)
        if owner != actor.name:
            raise gr.Error(NOT_YOUR_SESSION)


def header_text(actor: User) -> str:
    """The page header's "who is logged in" line, as Markdown: the name is shown literally
    (a display name made elsewhere may hold Markdown)."""
    return f"{escape(actor.display_name or actor.name)} · {escape(actor.role)}"


@dataclass(frozen=True)
class AthleteChoices:
    """The dropdown of whom a coach may ask about: (label, value) pairs, value a user name."""

    choices: list[tuple[str, str]]
    default: str


def athlete_choices(db: Database, actor: User) -> AthleteChoices:
    """A coach: their linked athletes, themselves, and "whoever my message names".
    An athlete: only themselves."""
    mine = (f"Me ({actor.display_name or actor.name})", actor.name)
    if actor.role != "coach":
        return AthleteChoices([mine], actor.name)
    with db.session() as session:
        athletes = athletes_of(session, actor)
    choices = [("Whoever my message names", FROM_MESSAGE), mine]
    choices += [(a.display_name or a.name, a.name) for a in athletes]
    return AthleteChoices(choices, FROM_MESSAGE)


def resolve_athlete(db: Database, actor: User, choice: str | None) -> int | None:
    """The athlete id a question is about, checked in storage.

    An athlete always asks about themselves. A coach's ``FROM_MESSAGE`` gives None (the agent
    decides from the message, and refuses anyone not theirs). Raises :class:`AccessDenied` for
    anyone the actor may not see, without saying whether that person exists.
    """
    if actor.role != "coach":
        if choice and choice.strip().lower() != actor.name:
            raise AccessDenied(DENIED)
        return actor.id
    if not choice or choice == FROM_MESSAGE:
        return None
    with db.session() as session:
        target = get_user(session, choice)
        if target is None:
            raise AccessDenied(DENIED)
        require_access(session, actor, target.id)
        return target.id


def tab_context(
    db: Database, settings: Settings, request: gr.Request, athlete_choice: str | None
) -> tuple[ToolContext, str]:
    """The checked context of whom a tab (Trends, Strength) shows, and their name as shown: the
    athlete picked, or the user themselves."""
    actor = acting_user(db, request)
    athlete_id = resolve_athlete(db, actor, athlete_choice) or actor.id
    ctx = ToolContext(db=db, actor=actor, settings=settings, athlete_id=athlete_id)
    if athlete_id == actor.id:
        return ctx, actor.display_name or actor.name
    with db.session() as session:
        names = {a.id: a.display_name or a.name for a in athletes_of(session, actor)}
    return ctx, names.get(athlete_id, "")
