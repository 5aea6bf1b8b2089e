"""The server-side checks in front of the whole web app (an ASGI middleware).

Gradio keeps each browser tab's state (the on-screen conversation) under a ``session_hash``
that the browser itself sends, and serves any file of its cache to anyone logged in. So every
request passes here first, and:

- **nothing answers a visitor who is not logged in** except the login and sign-up pages and
  the page's static files; ``/openapi.json`` and ``/docs`` answer no one;
- **logins are throttled** per user name and per client address (:mod:`ui.web_login`), with the
  wait in the answer, and a visitor sees Coach G's own login page, which shows it;
- **a session belongs to the user who opened it**: a ``session_hash`` (in the query, the path
  or a JSON body) of another user is refused, and so is an event id the server did not give
  this login (an unknown one too: Gradio reads an unknown event id as a session id), so a
  session id never gives someone else's conversation;
- **a file address works only for its owner**: an artifact published for the chat
  (:func:`ui.web_files.publish`) for the athlete it belongs to and their coaches; an uploaded
  file for the person who uploaded it.

The logged-in user is read the way Gradio reads it: its login cookie, looked up in its table
of login tokens.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request, cookie_parser

from storage.access import AccessDenied, require_access
from storage.db import Database
from storage.users import get_user
from ui.web_files import cache_folder, published_owner
from ui.web_login import LoginThrottle, login_page

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Answered for no one: the schema and docs of the mounted Gradio app.
CLOSED = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
#: What a visitor who is not logged in may fetch: the login and sign-up pages, and the
#: static files of the page (no data in them).
PUBLIC = frozenset(
    {"/", "/login", "/login/", "/logout", "/signup", "/favicon.ico", "/theme.css"}
    | {"/manifest.json", "/robots.txt"}
)
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/", "/pwa_icon")
API = "/gradio_api"
FILE_ROUTES = (f"{API}/file=", f"{API}/file/")
#: Bodies read to find a session id (JSON of a queue call); larger ones are refused.
MAX_JSON_BODY = 8 * 1024 * 1024
MAX_LOGIN_BODY = 64 * 1024
#: How many sessions, events and uploads are remembered with their user (the oldest go).
MAX_REMEMBERED = 100_000
NOT_LOGGED_IN = "Log in first: open Coach G's page and log in."
NOT_YOURS = "This belongs to another login. Reload the page."


class WebGuard:
    """ASGI middleware: login required, login throttling, sessions and files bound to users.

    ``gradio_app`` is the mounted Gradio app (its login tokens and cookie name are read);
    ``db`` says who may see whose files.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        gradio_app: Any,
        db: Database,
        allow_signup: bool = True,
        throttle: LoginThrottle | None = None,
    ) -> None:
        self.app = app
        self.gradio = gradio_app
        self.db = db
        self.throttle = throttle or LoginThrottle()
        self.page = login_page(allow_signup).encode()
        self.sessions: OrderedDict[str, str] = OrderedDict()
        self.uploads: OrderedDict[str, str] = OrderedDict()
        self.events: OrderedDict[str, str] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if path in CLOSED:
            await _answer(send, 404, {"detail": "Not Found"})
            return
        if path in ("/login", "/login/") and method == "POST":
            await self._login(scope, receive, send)
            return
        user = self.user_of(scope)
        if user is None:
            if path == "/" and method in ("GET", "HEAD"):
                await _answer_html(send, self.page)
            elif path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
                await self.app(scope, receive, send)
            else:
                await _answer(send, 401, {"detail": NOT_LOGGED_IN})
            return
        if not path.startswith(API):
            await self.app(scope, receive, send)
            return
        if path.startswith(FILE_ROUTES) and not await self._may_fetch(user, _file_path(path)):
            await _answer(send, 403, {"detail": NOT_YOURS})
            return
        refused, receive = await self._check_session(scope, receive, user)
        if refused is not None:
            await _answer(send, refused, {"detail": NOT_YOURS})
            return
        route = path.removeprefix(API).strip("/").split("/")[0]
        if method == "POST" and route in ("upload", "queue", "call"):
            await self._note_owner(scope, receive, send, user)
            return
        await self.app(scope, receive, send)

    # -- who is logged in ----------------------------------------------------------------

    def user_of(self, scope: Scope) -> str | None:
        """The user logged in on this request (Gradio's login cookie), or None."""
        header = dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1")
        if not header:
            return None
        cookies = cookie_parser(header)
        cookie_id = self.gradio.cookie_id
        token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
            f"access-token-unsecure-{cookie_id}"
        )
        return self.gradio.tokens.get(token) if token else None

    # -- logins ----------------------------------------------------------------------------

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, MAX_LOGIN_BODY)
        if body is None:
            await _answer(send, 413, {"detail": "That login request is too large."})
            return
        form = await Request(scope, _replay(body, receive)).form()
        name = str(form.get("username") or "").strip().lower()
        address = (scope.get("client") or ("unknown", 0))[0]
        refusal = self.throttle.attempt(name, address)
        if refusal is not None:
            log.warning("login for %r from %s refused for %d s", name, address, refusal.wait_s)
            await _answer(
                send,
                429,
                {"detail": refusal.message, "retry_after": refusal.wait_s},
                headers=[(b"retry-after", str(refusal.wait_s).encode())],
            )
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, _replay(body, receive), watch)
        if status and status[0] == 200:
            self.throttle.succeeded(name, address)

    # -- sessions --------------------------------------------------------------------------

    async def _check_session(
        self, scope: Scope, receive: Receive, user: str
    ) -> tuple[int | None, Receive]:
        """The refusal status if the request names another user's session or event (else
        None), and the ``receive`` to pass on (a body read here is replayed)."""
        hashes: list[str] = []
        events: list[str] = []
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        hashes += query.get("session_hash", [])
        events += query.get("event_id", [])
        parts = scope["path"].removeprefix(API).strip("/").split("/")
        if (parts[0], len(parts)) == ("heartbeat", 2) or (parts[0] == "stream" and len(parts) > 3):
            hashes.append(parts[1])
        elif parts[0] == "stream" and len(parts) in (2, 3):
            events.append(parts[1])
        elif parts[0] == "call" and scope["method"] == "GET" and len(parts) > 2:
            events.append(parts[-1])  # /call/{api}/{event} and /call/v2/{api}/{event}
        if scope["method"] == "POST" and _is_json(scope):
            body = await _read_body(receive, MAX_JSON_BODY)
            if body is None:
                return 413, receive
            receive = _replay(body, receive)
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                data = None
            if isinstance(data, dict):
                hashes += [str(data["session_hash"])] if data.get("session_hash") else []
                events += [str(data["event_id"])] if data.get("event_id") else []
        elif parts[0] == "component_server" and scope["method"] == "POST":
            return 400, receive  # only JSON bodies are checked; the page sends JSON
        for session_hash in hashes:
            if not self._owns_session(user, session_hash):
                log.warning("%s named another user's session; refused", user)
                return 403, receive
        for event_id in events:
            if not self._owns_event(user, event_id):
                log.warning("%s named another user's event; refused", user)
                return 403, receive
        return None, receive

    def _owns_session(self, user: str, session_hash: str) -> bool:
        """Whether ``session_hash`` is ``user``'s: the first user to use it owns it. An event
        id is a session id too (Gradio's call without one runs under its event id)."""
        if self.events.get(session_hash, user) != user:
            return False
        owner = self.sessions.get(session_hash)
        if owner is None:
            _remember(self.sessions, session_hash, user)
            return True
        self.sessions.move_to_end(session_hash)
        return owner == user

    def _owns_event(self, user: str, event_id: str) -> bool:
        """Whether ``event_id`` was started by ``user``: the server gave it to them. An id
        the guard never handed out is refused (Gradio reads an unknown one as a session id)."""
        return self.events.get(event_id) == user

    # -- files -----------------------------------------------------------------------------

    async def _note_owner(self, scope: Scope, receive: Receive, send: Send, user: str) -> None:
        """Pass on an upload or a queue call, and note whose files and events it made."""
        headers = [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]
        scope = dict(scope, headers=headers)  # an answer we can read (not compressed)
        status: list[int] = []
        chunks: list[bytes] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            elif message["type"] == "http.response.body" and sum(map(len, chunks)) < 1 << 20:
                chunks.append(message.get("body", b""))
                if status == [200] and not message.get("more_body", False):
                    self._note_answer(b"".join(chunks), user)  # before the client has it
            await send(message)

        await self.app(scope, receive, watch)

    def _note_answer(self, body: bytes, user: str) -> None:
        """Note the event id (a queue call) or the files (an upload) an answer gives ``user``."""
        try:
            answer = json.loads(body)
        except ValueError:
            return
        if isinstance(answer, dict) and answer.get("event_id"):
            _remember(self.events, str(answer["event_id"]), user)
        for path in answer if isinstance(answer, list) else []:
            _remember(self.uploads, str(Path(str(path)).resolve()), user)

    async def _may_fetch(self, user: str, path: Path) -> bool:
        """Whether ``user`` may download ``path``: an artifact, if they may see its athlete;
        an upload, if they uploaded it. Other files are left to Gradio's own checks."""
        cache = cache_folder()
        if not path.is_relative_to(cache):
            return True  # Gradio refuses what is not in its cache or allowed paths
        uploader = self.uploads.get(str(path))
        if uploader is not None:
            return uploader == user
        top = path.relative_to(cache).parts[:1]
        if not top or not top[0].startswith("coachg-"):
            return True
        owner = published_owner(cache / top[0])
        if owner is None:
            return False
        return await anyio.to_thread.run_sync(self._may_see, user, owner)

    def _may_see(self, user: str, athlete_id: int) -> bool:
        with self.db.session() as session:
            actor = get_user(session, user)
            if actor is None:
                return False
            try:
                require_access(session, actor, athlete_id)
            except AccessDenied:
                return False
        return True


def _remember(table: OrderedDict[str, str], key: str, user: str) -> None:
    table[key] = user
    table.move_to_end(key)
    if len(table) > MAX_REMEMBERED:
        table.popitem(last=False)


def _file_path(path: str) -> Path:
    """The file a ``/gradio_api/file=...`` address names, as Gradio resolves it."""
    for prefix in FILE_ROUTES:
        if path.startswith(prefix):
            path = path.removeprefix(prefix)
            break
    try:
        return Path(path).resolve()
    except (OSError, ValueError):
        return Path("/")


def _is_json(scope: Scope) -> bool:
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
    return content_type.split(b";")[0].strip().lower() == b"application/json"


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if it is longer than ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(
    send: Send, status: int, payload: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _answer_html(send: Send, page: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(page)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": page})
