"""The server-side checks in front of the whole web app (an ASGI middleware).

Gradio keeps each browser tab's state (the on-screen conversation) under a ``session_hash``
that the browser itself sends, and serves any file of its cache to anyone logged in. So every
request passes here first, and:

- **deny by default**: only the routes on the reviewed allow-list (:mod:`ui.web_routes`)
  answer; anything else (Gradio's proxy, streaming, monitoring and docs routes, and whatever
  a Gradio upgrade adds) answers 404 until it is reviewed. The REST API and ``/metrics``
  check a personal access token themselves (:mod:`ui.web_api`) and are told who is logged in;
- **nothing answers a visitor who is not logged in** except the login and sign-up pages and
  the page's static files;
- **own origin only**: a request from a page of another origin (its ``Origin``, or the
  browser's ``Sec-Fetch-Site``) is refused, but for a link to the app's page, and every answer
  carries a Content-Security-Policy and no CORS permission (:mod:`ui.web_headers`);
- **logins are throttled** per user name and per client address (:mod:`ui.web_login`), with the
  wait in the answer, and a visitor sees Coach G's own login page, which shows it;
- **a session belongs to the user who opened it**: a ``session_hash`` (in the query, the path
  or a JSON body) of another user is refused, and so is an event id the server did not give
  this login (an unknown one too: Gradio reads an unknown event id as a session id), so a
  session id never gives someone else's conversation. A body a route reads as JSON is read
  here whatever its content type says: one not of the JSON family, or not a JSON object, is
  refused rather than passed on unread;
- **a file address works only for its owner**: an artifact published for the chat
  (:func:`ui.web_files.publish`) for the athlete it belongs to and their coaches; an uploaded
  file for the person who uploaded it; nothing else, and never an outside address (the
  server fetches nothing on a user's behalf). A file a call takes as input (``{"path": ...}``
  in its data) must be an upload of this login, with a name that says what it is (``..x`` is
  refused with words that say how to send it, where Gradio would answer a bare error).

Who owns which file is kept in the database (:mod:`storage.uploads`), so it outlives a
restart: after one, Ann still gets her upload and Bob still does not. Which login owns each
page session, event and upload progress id is remembered in memory (:mod:`ui.web_owners`):
Gradio forgets those on a restart too.

The logged-in user is read the way Gradio reads it: its login cookie, looked up in its table
of login tokens.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
from gradio_client.utils import is_http_url_like
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request, cookie_parser

from storage.access import AccessDenied, require_access
from storage.db import Database
from storage.uploads import forget_missing, may_fetch, note_upload, uploaded_by
from storage.users import get_user
from ui.web_files import cache_folder, file_name_problem, published_owner
from ui.web_headers import CSP_REPORTS, same_origin, with_security_headers
from ui.web_login import LoginThrottle, login_page
from ui.web_owners import Owners
from ui.web_routes import (
    API,
    BODY_NAMES,
    QUERY_NAMES,
    Body,
    Rule,
    is_form,
    is_json_type,
    is_multipart,
    rule_for,
)

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FILE_ROUTES = (f"{API}/file=", f"{API}/file/")
#: Where the guard leaves, for a route that checks its own token, who is logged in (or None).
LOGIN_KEY = "coachg.login"
#: Bodies read to find a session id (JSON of a queue call); larger ones are refused.
MAX_JSON_BODY = 8 * 1024 * 1024
MAX_LOGIN_BODY = 64 * 1024
NOT_LOGGED_IN = "Log in first: open Coach G's page and log in."
NOT_YOURS = "This belongs to another login. Reload the page."
NOT_JSON = "This address takes a JSON object (Content-Type application/json)."
NOT_UPLOAD = "Uploads are multipart forms (Content-Type multipart/form-data)."
NOT_FORM = "This address takes a form."
TOO_LARGE = "That request is too large."
OTHER_ORIGIN = "Requests from pages of other sites are refused."
NO_FETCHING = "The server fetches nothing from other addresses."


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
        self.sessions = Owners()
        self.events = Owners()
        self.upload_ids = Owners()
        with db.session() as session:
            if forgotten := forget_missing(session):
                log.info("forgot the owners of %d files no longer on disk", forgotten)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await _refuse_websocket(receive, send)  # Gradio's page needs none; none is open
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = with_security_headers(send)
        path, method = scope["path"], scope["method"]
        if (method, path) == ("POST", CSP_REPORTS):  # from any page the policy protected
            await _log_csp_report(receive, send)
            return
        origin = _header(scope, b"origin")
        if origin is not None and not same_origin(origin, _header(scope, b"host") or ""):
            log.warning("%s %s from another origin (%r) refused", method, path, origin[:100])
            await _answer(send, 403, {"detail": OTHER_ORIGIN})
            return
        if not _from_this_site(scope, method, path):
            log.warning("%s %s from a page of another site refused", method, path)
            await _answer(send, 403, {"detail": OTHER_ORIGIN})
            return
        allowed = rule_for(method, path)
        if allowed is None:
            log.warning("%s %s is not on the allow-list (ui/web_routes.py): refused", method, path)
            await _answer(send, 404, {"detail": "Not Found"})
            return
        rule, named = allowed
        if rule.bearer:  # the REST API and the metrics check their own token (ui/web_api.py)
            scope[LOGIN_KEY] = self.user_of(scope)
            await self.app(scope, receive, send)
            return
        if rule.body is Body.FORM and path.startswith("/login") and method == "POST":
            await self._login(scope, receive, send)
            return
        user = self.user_of(scope)
        if user is None:
            if path == "/" and method in ("GET", "HEAD"):
                await _answer_html(send, self.page)
            elif rule.public:
                await self.app(scope, receive, send)
            else:
                await _answer(send, 401, {"detail": NOT_LOGGED_IN})
            return
        if rule.file and (refusal := await self._file_refusal(user, path)) is not None:
            await _answer(send, 403, {"detail": refusal})
            return
        refused, receive = await self._check_request(scope, receive, user, rule, named)
        if refused is not None:
            status, detail = refused
            await _answer(send, status, {"detail": detail})
            return
        if rule.notes_owner:
            await self._note_owner(scope, receive, send, user)
            return
        await self.app(scope, receive, send)

    # -- who is logged in ----------------------------------------------------------------

    def user_of(self, scope: Scope) -> str | None:
        """The user logged in on this request (Gradio's login cookie), or None."""
        header = _header(scope, b"cookie")  # the first, as Gradio reads it
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

    async def _check_request(
        self, scope: Scope, receive: Receive, user: str, rule: Rule, named: dict[str, str]
    ) -> tuple[tuple[int, str] | None, Receive]:
        """The refusal (status, words) if the request's body is not what its route takes or
        it names a session, event or upload that is not ``user``'s (else None), and the
        ``receive`` to pass on (a body read here is replayed)."""
        names = [(kind, value) for kind, value in named.items()]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        names += [(QUERY_NAMES[key], v) for key in QUERY_NAMES for v in query.get(key, [])]
        content_types = _headers(scope, b"content-type")
        content_type = content_types[0] if len(content_types) == 1 else ""
        if rule.body is Body.JSON:
            if not is_json_type(content_type):
                return (415, NOT_JSON), receive
            body = await _read_body(receive, MAX_JSON_BODY)
            if body is None:
                return (413, TOO_LARGE), receive
            receive = _replay(body, receive)
            try:
                data = json.loads(body)
            except (ValueError, RecursionError):
                return (400, NOT_JSON), receive
            if not isinstance(data, dict):
                return (400, NOT_JSON), receive
            for named_file in _paths_in(data):
                if (refusal := await self._input_refusal(user, named_file)) is not None:
                    return (403, refusal), receive
                if (problem := file_name_problem(named_file)) is not None:
                    return (400, problem), receive
            for key, kind in BODY_NAMES.items():
                value = data.get(key)
                if value is None:
                    continue
                if not isinstance(value, str):
                    return (400, NOT_JSON), receive
                names.append((kind, value))
        elif rule.body is Body.MULTIPART and not is_multipart(content_type):
            return (415, NOT_UPLOAD), receive
        elif rule.body is Body.FORM and scope["method"] == "POST" and not is_form(content_type):
            return (415, NOT_FORM), receive
        for kind, value in names:
            if not self._owns(kind, user, value):
                log.warning("%s named a %s that is not theirs; refused", user, kind)
                return (403, NOT_YOURS), receive
        return None, receive

    def _owns(self, kind: str, user: str, name: str) -> bool:
        if kind == "session":
            return self._owns_session(user, name)
        if kind == "event":
            return self._owns_event(user, name)
        return self._owns_upload_id(user, name)

    def _owns_upload_id(self, user: str, upload_id: str) -> bool:
        """Whether an upload's progress id is ``user``'s: the first user to use it owns it."""
        return self.upload_ids.claim(upload_id, user)

    def _owns_session(self, user: str, session_hash: str) -> bool:
        """Whether ``session_hash`` is ``user``'s: the first user to use it owns it. An event
        id is a session id too (Gradio's call without one runs under its event id), and a
        session Gradio holds that the guard does not know (forgotten) is no one's to claim."""
        if (event_owner := self.events.owner(session_hash)) is not None:
            return event_owner == user
        if self.sessions.owner(session_hash) is None and self._gradio_holds(session_hash):
            log.warning("%s named a session the guard no longer knows; refused", user)
            return False
        return self.sessions.claim(session_hash, user)

    def _gradio_holds(self, session_hash: str) -> bool:
        """Whether Gradio holds state or messages for ``session_hash``."""
        queue = self.gradio.get_blocks()._queue
        held = (
            getattr(self.gradio, "state_holder", ()),
            getattr(queue, "pending_messages_per_session", ()),
            getattr(queue, "pending_event_ids_session", ()),
        )
        return any(session_hash in table for table in held)

    def _owns_event(self, user: str, event_id: str) -> bool:
        """Whether ``event_id`` was started by ``user``: the server gave it to them. An id
        the guard never handed out is refused (Gradio reads an unknown one as a session id)."""
        return self.events.owner(event_id) == user

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
                    body = b"".join(chunks)  # noted before the client has it
                    await anyio.to_thread.run_sync(self._note_answer, body, user)
            await send(message)

        await self.app(scope, receive, watch)

    def _note_answer(self, body: bytes, user: str) -> None:
        """Note the event id (a queue call) or the files (an upload) an answer gives ``user``."""
        try:
            answer = json.loads(body)
        except ValueError:
            return
        if isinstance(answer, dict) and answer.get("event_id"):
            self.events.add(str(answer["event_id"]), user)
        paths = [str(path) for path in answer] if isinstance(answer, list) else []
        if not paths:
            return
        try:
            with self.db.session() as session:
                uploader = get_user(session, user)
                if uploader is not None:
                    for path in paths:
                        note_upload(session, path, uploader)
        except SQLAlchemyError:  # not noted: the files are nobody's, so refused to all
            log.exception("could not note %s's upload in the database", user)

    def _uploaded(self, user: str, path: str) -> bool:
        """Whether ``user`` uploaded the file ``path`` names (the database says)."""
        with self.db.session() as session:
            actor = get_user(session, user)
            return actor is not None and uploaded_by(session, path, actor)

    async def _input_refusal(self, user: str, named: str) -> str | None:
        """Why a file a call names as its input (``{"path": ...}`` in its data) may not be
        used, or None: only a file this login uploaded is taken (Gradio would take any file
        of its cache, and download an address)."""
        if is_http_url_like(named) or "://" in named or named.startswith("//"):
            log.warning("%s named an outside address as a file; refused", user)
            return NO_FETCHING
        if not await anyio.to_thread.run_sync(self._uploaded, user, named):
            log.warning("%s named a file they did not upload; refused", user)
            return NOT_YOURS
        return None

    async def _file_refusal(self, user: str, address: str) -> str | None:
        """Why ``user`` may not download what ``address`` (``/gradio_api/file=...``) names,
        or None when they may."""
        named = _file_named(address)
        if is_http_url_like(named) or "://" in named or named.startswith("//"):
            log.warning("%s asked the server to fetch an outside address; refused", user)
            return NO_FETCHING
        if ".." in Path(named).parts:
            return NOT_YOURS  # read one way here and perhaps another by Gradio: refused
        return None if await self._may_fetch(user, _resolved(named)) else NOT_YOURS

    async def _may_fetch(self, user: str, path: Path) -> bool:
        """Whether ``user`` may download ``path``: an artifact, if they may see its athlete;
        an upload, if they uploaded it (the database says, :mod:`storage.uploads`). An
        artifact the database does not know yet is judged by its folder's note of its
        athlete. Nothing else (deny by default)."""
        cache = cache_folder()
        if not path.is_relative_to(cache):
            return False
        known = await anyio.to_thread.run_sync(self._may_fetch_noted, user, path)
        if known is not None:
            return known
        top = path.relative_to(cache).parts[:1]
        if not top or not top[0].startswith("coachg-"):
            return False  # not known to be this login's: refused
        owner = published_owner(cache / top[0])
        if owner is None:
            return False
        return await anyio.to_thread.run_sync(self._may_see, user, owner)

    def _may_fetch_noted(self, user: str, path: Path) -> bool | None:
        """What the database says of ``user`` downloading ``path`` (None: it knows no owner)."""
        with self.db.session() as session:
            actor = get_user(session, user)
            return False if actor is None else may_fetch(session, path, actor)

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


def _file_named(address: str) -> str:
    """What a ``/gradio_api/file=...`` (or ``file/...``) address names, as Gradio reads it."""
    for prefix in FILE_ROUTES:
        if address.startswith(prefix):
            return address.removeprefix(prefix)
    return address


def _resolved(named: str) -> Path:
    try:
        return Path(named).resolve()
    except (OSError, ValueError):
        return Path("/")


def _paths_in(data: Any) -> list[str]:
    """Every ``"path"`` a JSON value holds in an object, at any depth (how Gradio's file
    inputs name their files); a path that is not a string is given as its text."""
    paths: list[str] = []
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if "path" in value and value["path"] is not None:
                paths.append(str(value["path"]))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return paths


#: Pages a link on another site may open (a top-level navigation): the app and its sign-up.
LINKED_PAGES = frozenset({"/", "/signup"})


def _from_this_site(scope: Scope, method: str, path: str) -> bool:
    """Whether the browser says the request comes from this server's own pages (or from the
    user: a bookmark, the address bar), by its ``Sec-Fetch-Site`` header; a link from another
    site may open only :data:`LINKED_PAGES`. No header (not a browser): nothing to tell."""
    site = _header(scope, b"sec-fetch-site")
    if site is None or site in ("same-origin", "none"):
        return True
    navigating = _header(scope, b"sec-fetch-mode") == "navigate"
    return navigating and method in ("GET", "HEAD") and path in LINKED_PAGES


def _headers(scope: Scope, name: bytes) -> list[str]:
    """Every value of the request header ``name`` (lower case), in order."""
    return [v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == name]


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of the request header ``name``, as Starlette reads it, or None."""
    values = _headers(scope, name)
    return values[0] if values else None


async def _log_csp_report(receive: Receive, send: Send) -> None:
    """Log what a browser says the Content-Security-Policy blocked (a few hundred characters
    of it), and answer 204."""
    body = await _read_body(receive, MAX_LOGIN_BODY)
    try:
        report = json.loads(body or b"{}")
        report = report.get("csp-report", report) if isinstance(report, dict) else {}
    except ValueError:
        report = {}
    if isinstance(report, dict):
        what = {k: str(report.get(k, ""))[:200] for k in ("violated-directive", "blocked-uri")}
        log.warning("CSP violation reported by a browser: %s", what)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def _refuse_websocket(receive: Receive, send: Send) -> None:
    """Refuse a websocket connection (the server answers 403)."""
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1008})


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
