"""A loopback fake of the Strava API that serves real recorded responses to the real stravalib.

:class:`FakeStrava` is an ``http.server`` on 127.0.0.1 (a free port) in a background thread. It
serves the recordings in ``../shared/data/strava_api`` (see its README): the 1132 real
``SummaryActivity`` records of ``/athlete/activities`` (re-paginated, honouring ``page``,
``per_page``, ``after`` and ``before``), the recorded 11-type stream set for any known activity
(filtered by ``keys``), the recorded laps, the recorded OAuth token bodies (with tokens it mints
and checks), and the recorded 401/404/429 error bodies.

It behaves like Strava where a client can tell: bearer tokens are checked and expire, refresh
tokens rotate, authorization codes work once, rate-limit headers count every API request and
a request over the limit gets the recorded 429. Tests can also inject a 429 after N requests,
expire or revoke tokens, and read every request it received (:attr:`FakeStrava.requests`).

Use the :func:`fake_strava` fixture (import it into a test module) or ``with FakeStrava(...)``.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

RUBY = "strava-ruby-client"
SWEATPY = "sweatpy"
ACTIVITY_PAGES = 39
DEFAULT_PER_PAGE = 30  # Strava's default, and the page size of the recordings
MAX_PER_PAGE = 200  # Strava's maximum
API = "/api/v3"


def load_recording(data_dir: Path, name: str) -> dict[str, Any]:
    """One recorded response: ``{source, request, status, headers, body}``."""
    return json.loads((data_dir / name).read_text())


def recorded_activities(data_dir: Path) -> list[dict[str, Any]]:
    """Every ``SummaryActivity`` of the 39 recorded ``/athlete/activities`` pages, in page order."""
    items: list[dict[str, Any]] = []
    for page in range(ACTIVITY_PAGES):
        items.extend(
            load_recording(data_dir, f"{RUBY}/client__all_athlete_activities__{page}.json")["body"]
        )
    return items


def epoch(text: str) -> int:
    """Epoch seconds of a Strava ``start_date`` (``2025-10-19T20:00:00Z``)."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@dataclass
class RecordedRequest:
    """One request the fake received, as the fake saw it (tokens included: it is the server)."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    bearer: str
    status: int = 0

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API + "/")


@dataclass
class _Counter:
    """Usage in the current 15-minute window and the day, against their limits."""

    limits: tuple[int, int]
    short: int = 0
    long: int = 0

    def spend(self) -> None:
        self.short += 1
        self.long += 1

    @property
    def over(self) -> bool:
        return self.short > self.limits[0] or self.long > self.limits[1]

    def headers(self, prefix: str) -> dict[str, str]:
        return {
            f"{prefix}-Limit": f"{self.limits[0]},{self.limits[1]}",
            f"{prefix}-Usage": f"{self.short},{self.long}",
        }


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeStrava:
    """A Strava-compatible server on ``base_url`` serving the recordings under ``data_dir``.

    ``data_dir`` is ``../shared/data/strava_api``. ``read_limits`` and ``overall_limits`` are the
    (15-minute, daily) limits it announces and enforces (Strava's defaults for a new
    application: 100/1000 reads, 200/2000 overall). ``ascending_after`` makes a listing with
    ``after`` (and no ``before``) oldest-first, as Strava does; otherwise newest-first.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        client_id: int = 40123,
        client_secret: str = "",
        read_limits: tuple[int, int] = (100, 1000),
        overall_limits: tuple[int, int] = (200, 2000),
        ascending_after: bool = True,
        token_lifetime_s: int = 21600,
    ) -> None:
        self.data_dir = data_dir
        self.client_id = client_id
        self.client_secret = client_secret or secrets.token_hex(20)
        self.ascending_after = ascending_after
        self.token_lifetime_s = token_lifetime_s
        self.activities = sorted(
            recorded_activities(data_dir), key=lambda a: epoch(a["start_date"]), reverse=True
        )
        self._starts = [epoch(a["start_date"]) for a in self.activities]
        self._known_ids = {int(a["id"]) for a in self.activities}
        self._streams = load_recording(
            data_dir, f"{SWEATPY}/activity_3547667536_streams_key_by_type.DERIVED.json"
        )["body"]
        self._stream_cache: dict[tuple[str, ...], bytes] = {}
        self._laps = load_recording(data_dir, f"{RUBY}/client__activity_laps.json")
        self._athlete = load_recording(data_dir, f"{RUBY}/client__athlete.json")
        self._unauthorized = load_recording(data_dir, f"{RUBY}/client__authorization_error.json")
        self._not_found = load_recording(data_dir, f"{RUBY}/client__not_found_error.json")
        self._too_many = load_recording(
            data_dir, f"{RUBY}/client__activity_with_ratelimit_exceeded.json"
        )
        self._token_code = load_recording(data_dir, f"{RUBY}/oauth__token_authorization_code.json")
        self._token_refresh = load_recording(data_dir, f"{RUBY}/oauth__token_refresh_token.json")
        self._token_invalid = load_recording(data_dir, f"{RUBY}/oauth__token_invalid_code.json")
        self._deauthorize = load_recording(data_dir, f"{RUBY}/client__deauthorize.json")

        self.requests: list[RecordedRequest] = []
        self.read = _Counter(read_limits)
        self.overall = _Counter(overall_limits)
        self.consent = "approve"  # what the athlete answers on the authorize page: or "deny"
        self.granted_scope: str | None = None  # None: grant what was asked
        self.uploaded_until: int | None = None  # hide activities starting later (epoch s)
        self._fail_after: int | None = None
        self._codes: dict[str, str] = {}  # authorization code -> granted scope
        self._access: dict[str, int] = {}  # access token -> expires_at
        self._refresh: set[str] = set()
        self.issued: set[str] = set()  # every token and code ever issued (for leak checks)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> FakeStrava:
        """Listen on a free loopback port, serving from a background thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeStrava:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: what ``COACHG_STRAVA_BASE_URL`` should be set to."""
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- what tests control ---------------------------------------------------------------------

    def issue_tokens(self, expires_in: int | None = None) -> dict[str, Any]:
        """Mint a token pair as if the athlete had just connected."""
        with self._lock:
            return self._mint(self.token_lifetime_s if expires_in is None else expires_in)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (refresh tokens still do)."""
        with self._lock:
            past = int(time.time()) - 1
            self._access = dict.fromkeys(self._access, past)

    def revoke_all(self) -> None:
        """The athlete revoked access on strava.com: no token works any more."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    def fail_after(self, requests: int) -> None:
        """Answer every API request after the next ``requests`` with the recorded 429."""
        with self._lock:
            self._fail_after = self._api_count() + requests

    def stop_failing(self) -> None:
        with self._lock:
            self._fail_after = None

    def new_window(self) -> None:
        """A new 15-minute rate-limit window begins (daily usage stays)."""
        with self._lock:
            self.read.short = 0
            self.overall.short = 0

    def api_requests(self, suffix: str = "") -> list[RecordedRequest]:
        """The API requests received whose path ends with ``suffix``."""
        return [r for r in self.requests if r.is_api and r.path.endswith(suffix)]

    def token_requests(self, grant_type: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.path == "/oauth/token"
            and (grant_type is None or r.form.get("grant_type") == grant_type)
        ]

    # -- serving --------------------------------------------------------------------------------

    def _api_count(self) -> int:
        return sum(1 for r in self.requests if r.is_api)

    def _mint(self, expires_in: int) -> dict[str, Any]:
        access, refresh = secrets.token_hex(20), secrets.token_hex(20)
        expires_at = int(time.time()) + expires_in
        self._access[access] = expires_at
        self._refresh.add(refresh)
        self.issued.update({access, refresh})
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": expires_at,
            "expires_in": expires_in,
        }

    def handle(self, request: RecordedRequest) -> _Reply:
        with self._lock:
            self.requests.append(request)
            if request.path == "/oauth/authorize":
                reply = self._authorize(request)
            elif request.path == "/oauth/token" and request.method == "POST":
                reply = self._token(request)
            elif request.path.endswith("/oauth/deauthorize") and request.method == "POST":
                reply = self._deauthorize_reply(request)
            elif request.is_api:
                reply = self._api(request)
            else:
                reply = _Reply(404, self._not_found["body"])
            request.status = reply.status
            return reply

    def _authorize(self, request: RecordedRequest) -> _Reply:
        query = request.query
        redirect = urlsplit(query.get("redirect_uri", ""))
        problems = []
        if query.get("client_id") != str(self.client_id):
            problems.append("client_id")
        if query.get("response_type") != "code":
            problems.append("response_type")
        if redirect.hostname not in ("127.0.0.1", "localhost"):
            problems.append("redirect_uri")
        if problems:
            errors = [{"resource": "Application", "field": f, "code": "invalid"} for f in problems]
            return _Reply(400, {"message": "Bad Request", "errors": errors})
        answer = {"state": query.get("state", "")}
        if self.consent == "approve":
            code = secrets.token_hex(20)
            scope = self.granted_scope if self.granted_scope is not None else query.get("scope")
            self._codes[code] = scope or "read"
            self.issued.add(code)
            answer.update(code=code, scope=self._codes[code])
        else:
            answer["error"] = "access_denied"
        location = f"{query['redirect_uri']}?{urlencode(answer)}"
        return _Reply(302, None, {"Location": location})

    def _token(self, request: RecordedRequest) -> _Reply:
        form = request.form
        if (
            form.get("client_id") != str(self.client_id)
            or form.get("client_secret") != self.client_secret
        ):
            return _Reply(401, self._unauthorized["body"])
        grant = form.get("grant_type")
        if grant == "authorization_code":
            if form.get("code") not in self._codes:
                return _Reply(400, self._token_invalid["body"])
            self._codes.pop(form["code"])
            body = dict(self._token_code["body"])
        elif grant == "refresh_token":
            if form.get("refresh_token") not in self._refresh:
                return _Reply(400, self._token_invalid["body"])
            self._refresh.discard(form["refresh_token"])  # refresh tokens rotate
            body = dict(self._token_refresh["body"])
        else:
            return _Reply(400, self._token_invalid["body"])
        body.update(self._mint(self.token_lifetime_s))
        return _Reply(200, body)

    def _deauthorize_reply(self, request: RecordedRequest) -> _Reply:
        token = request.bearer or request.form.get("access_token", "")
        if self._access.get(token, 0) < time.time():
            return _Reply(401, self._unauthorized["body"])
        self._access.pop(token, None)
        self._refresh.clear()  # one athlete per fake: deauthorizing ends every grant
        body = dict(self._deauthorize["body"], access_token=token)
        return _Reply(200, body)

    def _api(self, request: RecordedRequest) -> _Reply:
        self.overall.spend()
        if request.method == "GET":
            self.read.spend()
        limits = {**self.overall.headers("X-RateLimit"), **self.read.headers("X-ReadRateLimit")}
        injected = self._fail_after is not None and self._api_count() > self._fail_after
        over = self.overall.over or (request.method == "GET" and self.read.over)
        if injected or over:
            return _Reply(429, self._too_many["body"], limits)
        if self._access.get(request.bearer, 0) < time.time():
            return _Reply(401, self._unauthorized["body"], limits)
        reply = self._route(request)
        reply.headers.update(limits)
        return reply

    def _route(self, request: RecordedRequest) -> _Reply:
        path = request.path.removeprefix(API)
        if path == "/athlete/activities" and request.method == "GET":
            return _Reply(200, self._list(request.query))
        if path == "/athlete" and request.method == "GET":
            return _Reply(200, self._athlete["body"])
        match = re.fullmatch(r"/activities/(\d+)/(streams|laps)", path)
        if match and request.method == "GET" and int(match.group(1)) in self._known_ids:
            if match.group(2) == "laps":
                return _Reply(200, self._laps["body"])
            return _Reply(200, self._stream_bytes(request.query))
        return _Reply(404, self._not_found["body"])

    def _list(self, query: dict[str, str]) -> list[dict[str, Any]]:
        page = max(int(query.get("page", 1)), 1)
        per_page = min(max(int(query.get("per_page", DEFAULT_PER_PAGE)), 1), MAX_PER_PAGE)
        after = int(query["after"]) if query.get("after") else None
        before = int(query["before"]) if query.get("before") else None
        chosen = [
            activity
            for activity, start in zip(self.activities, self._starts, strict=True)
            if (after is None or start > after)
            and (before is None or start < before)
            and (self.uploaded_until is None or start <= self.uploaded_until)
        ]
        if after is not None and before is None and self.ascending_after:
            chosen.reverse()
        return chosen[(page - 1) * per_page : page * per_page]

    def _stream_bytes(self, query: dict[str, str]) -> bytes:
        keys = tuple(sorted(k for k in query.get("keys", "").split(",") if k))
        by_type = query.get("key_by_type", "").lower() == "true"
        cache_key = (*keys, "by_type" if by_type else "list")
        if cache_key not in self._stream_cache:
            chosen = {k: v for k, v in self._streams.items() if not keys or k in keys}
            body: Any = chosen if by_type else [{"type": k, **v} for k, v in chosen.items()]
            self._stream_cache[cache_key] = json.dumps(body).encode()
        return self._stream_cache[cache_key]


class _Handler(BaseHTTPRequestHandler):
    fake: FakeStrava
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test output stays readable."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        form = dict(parse_qsl(raw)) if "urlencoded" in self.headers.get("Content-Type", "") else {}
        auth = self.headers.get("Authorization", "")
        request = RecordedRequest(
            method=method,
            path=parts.path,
            query=dict(parse_qsl(parts.query)),
            form=form,
            bearer=auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else "",
        )
        reply = self.fake.handle(request)
        if isinstance(reply.body, bytes):
            payload = reply.body
        elif reply.body is None:
            payload = b""
        else:
            payload = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        if payload:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def fake_strava(shared_data: Path) -> Iterator[FakeStrava]:
    """A running :class:`FakeStrava` over ``../shared/data/strava_api``."""
    with FakeStrava(shared_data / "strava_api") as server:
        yield server
