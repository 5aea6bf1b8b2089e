"""Attacks on the web layer (issue 20, items 1, 2 and 5), each on a real server (the session's
shared ``ui.web.serve`` subprocess, tests/conftest.py) with two logins, Ann and Bob, as two
real HTTP clients with their own cookies: while Ann chats, Bob tries to read her events by
her session id or event id, to cancel or join into her session with a JSON body under another
content type, and to make the server fetch an outside address. Each is refused, and Ann's own
page still gets its reply."""

from __future__ import annotations

import http.client
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from starlette.routing import Mount

from storage.db import Database
from storage.settings import Settings
from tests.browser import chromium, login, wait_logged_in
from tests.conftest import SharedServer
from ui.web import make_server_app
from ui.web_owners import Owners
from ui.web_routes import rule_for

CALL = "/gradio_api/call/chat"


@dataclass
class Site:
    """The shared server and its people's passwords."""

    url: str
    passwords: dict[str, str]

    def login(self, name: str) -> requests.Session:
        """A logged-in HTTP client of its own (its own cookie jar)."""
        client = requests.Session()
        answer = client.post(
            f"{self.url}/login", data={"username": name, "password": self.passwords[name]}
        )
        assert answer.status_code == 200, answer.text
        return client


@pytest.fixture(scope="module")
def site(web_server: SharedServer) -> Site:
    return Site(web_server.server.url, web_server.passwords)


@dataclass
class Stream:
    """What one GET of server-sent events brought: its status and its text, read in a
    thread until the stream ends (or ``timeout_s``)."""

    status: int = 0
    text: str = ""
    done: threading.Event = field(default_factory=threading.Event)


def follow(client: requests.Session, url: str, timeout_s: float = 120) -> Stream:
    """Start reading ``url``'s events in a thread; the stream's answer fills in."""
    stream = Stream()

    def read() -> None:
        try:
            with client.get(url, stream=True, timeout=timeout_s) as answer:
                stream.status = answer.status_code
                lines = []
                for line in answer.iter_lines(decode_unicode=True):
                    lines.append(line or "")
                    stream.text = "\n".join(lines)
                    if line and line.startswith("event: complete"):
                        lines.append(next(answer.iter_lines(decode_unicode=True), "") or "")
                        stream.text = "\n".join(lines)
                        break
        except requests.RequestException as error:
            stream.text += f"\n[{type(error).__name__}]"
        finally:
            stream.done.set()

    threading.Thread(target=read, daemon=True).start()
    return stream


def read(client: requests.Session, url: str, timeout_s: float = 120) -> Stream:
    stream = follow(client, url, timeout_s)
    assert stream.done.wait(timeout_s + 10)
    return stream


def ann_chats(site: Site, ann: requests.Session, secret: str) -> tuple[str, str]:
    """Ann sends a chat message holding ``secret`` on a page session of hers; her session
    hash and the call's event id."""
    session_hash = secrets.token_hex(8)
    message = {"text": f"My secret word is {secret}. What did I run this week?", "files": []}
    started = ann.post(
        site.url + CALL, json={"data": [message, None], "session_hash": session_hash}
    )
    assert started.status_code == 200, started.text
    return session_hash, started.json()["event_id"]


def test_bob_cannot_read_anns_chat_by_her_session_hash(site: Site) -> None:
    """Issue 20, item 1: ``GET /call/chat/<Ann's session hash>`` while she chats."""
    ann, bob = site.login("ann"), site.login("bob")
    secret = f"zebra-{secrets.token_hex(4)}"
    session_hash, event_id = ann_chats(site, ann, secret)
    stolen = read(bob, f"{site.url}{CALL}/{session_hash}", timeout_s=60)
    assert stolen.status == 403, (stolen.status, stolen.text[-500:])
    assert secret not in stolen.text
    mine = read(ann, f"{site.url}{CALL}/{event_id}")
    assert mine.status == 200 and secret in mine.text, mine.text[-500:]


def test_bob_cannot_read_anns_chat_by_her_event_id_on_v2(site: Site) -> None:
    """Issue 20, item 1: ``GET /call/v2/chat/<Ann's event id>`` was not checked at all."""
    ann, bob = site.login("ann"), site.login("bob")
    secret = f"okapi-{secrets.token_hex(4)}"
    _, event_id = ann_chats(site, ann, secret)
    for route in ("/gradio_api/call/v2/chat", CALL, "/gradio_api/call/v2/import"):
        stolen = read(bob, f"{site.url}{route}/{event_id}", timeout_s=60)
        assert stolen.status == 403, (route, stolen.status, stolen.text[-500:])
        assert secret not in stolen.text
    mine = read(ann, f"{site.url}/gradio_api/call/v2/chat/{event_id}")
    assert mine.status == 200 and secret in mine.text, mine.text[-500:]


def test_unknown_event_ids_are_refused(site: Site) -> None:
    """Deny by default: an id this login did not get from the server names nothing of theirs."""
    bob = site.login("bob")
    for route in (CALL, "/gradio_api/call/v2/chat"):
        started = time.monotonic()
        answer = bob.get(f"{site.url}{route}/{secrets.token_hex(16)}", timeout=30)
        assert answer.status_code == 403, (route, answer.status_code, answer.text[:300])
        assert time.monotonic() - started < 10


def test_bob_cannot_read_an_event_of_anns_as_a_session(site: Site) -> None:
    """A call made without a session id runs under its event id: Bob naming that id as his
    session gets nothing of it."""
    ann, bob = site.login("ann"), site.login("bob")
    secret = f"ibex-{secrets.token_hex(4)}"
    message = {"text": f"My secret word is {secret}. What did I run this week?", "files": []}
    started = ann.post(site.url + CALL, json={"data": [message, None]})
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    stolen = read(bob, f"{site.url}/gradio_api/queue/data?session_hash={event_id}", timeout_s=60)
    assert stolen.status == 403, (stolen.status, stolen.text[-500:])
    assert secret not in stolen.text
    mine = read(ann, f"{site.url}{CALL}/{event_id}")
    assert mine.status == 200 and secret in mine.text, mine.text[-500:]


# -- item 2: acting on another login's session under another content type --------------------

#: Content types FastAPI reads as JSON: the guard must read them as JSON too.
JSON_TYPES = (
    "application/vnd.api+json",
    "application/merge-patch+json; charset=utf-8",
    "Application/JSON; charset=UTF-8",
    "APPLICATION/X-ANYTHING+JSON",
)
#: Content types a JSON route does not take: refused, not passed on unread.
OTHER_TYPES = ("text/plain", "application/x-www-form-urlencoded", "application/jsonx", "")


def chat_fn(site: Site, client: requests.Session) -> int:
    config = client.get(f"{site.url}/config").json()
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == "chat")


def post_as(client: requests.Session, url: str, body: dict | bytes, content_type: str):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    return client.post(url, data=data, headers=headers, timeout=30)


def raw_post(
    client: requests.Session, url: str, body: bytes, headers: list[tuple[str, str]]
) -> int:
    """POST with headers as given (repeated ones too), with ``client``'s cookies; the status."""
    address = urlsplit(url)
    connection = http.client.HTTPConnection(address.netloc, timeout=30)
    connection.putrequest("POST", address.path)
    for name, value in headers:
        connection.putheader(name, value)
    connection.putheader("Cookie", "; ".join(f"{c.name}={c.value}" for c in client.cookies))
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(body)
    status = connection.getresponse().status
    connection.close()
    return status


def test_bob_cannot_cancel_or_join_anns_session_under_any_content_type(site: Site) -> None:
    """Issue 20, item 2: Ann's turn runs on her page session (as her page runs it: queue/join,
    then queue/data); Bob cancels it and joins her session with JSON bodies under every JSON
    content type, and under others; all refused, and her page gets its reply."""
    ann, bob = site.login("ann"), site.login("bob")
    fn_index = chat_fn(site, ann)
    session_hash = secrets.token_hex(8)
    secret = f"tapir-{secrets.token_hex(4)}"
    message = {"text": f"My secret word is {secret}. What did I run this week?", "files": []}
    joined = ann.post(
        f"{site.url}/gradio_api/queue/join",
        json={
            "data": [message, None, None],
            "fn_index": fn_index,
            "session_hash": session_hash,
            "trigger_id": None,
        },
    )
    assert joined.status_code == 200, joined.text
    event_id = joined.json()["event_id"]
    page = follow(ann, f"{site.url}/gradio_api/queue/data?session_hash={session_hash}")

    cancel = {"session_hash": session_hash, "fn_index": fn_index, "event_id": event_id}
    join = {"data": [{"text": "", "files": []}, None, None], "fn_index": fn_index}
    join["session_hash"] = session_hash
    for content_type in JSON_TYPES:
        for route, body in (("cancel", cancel), ("queue/join", join)):
            answer = post_as(bob, f"{site.url}/gradio_api/{route}", body, content_type)
            assert answer.status_code == 403, (route, content_type, answer.text)
    for content_type in OTHER_TYPES:
        for route, body in (("cancel", cancel), ("queue/join", join)):
            answer = post_as(bob, f"{site.url}/gradio_api/{route}", body, content_type)
            assert answer.status_code == 415, (route, content_type, answer.text)
    twice = raw_post(
        bob,
        f"{site.url}/gradio_api/cancel",
        json.dumps(cancel).encode(),
        [("Content-Type", "text/plain"), ("Content-Type", "application/json")],
    )
    assert twice == 415

    assert page.done.wait(180), page.text[-500:]
    assert page.status == 200 and "process_completed" in page.text
    assert secret in page.text and '"success": true' in page.text.replace('":true', '": true')


def test_a_body_the_guard_cannot_read_is_refused(site: Site) -> None:
    """A body that does not parse, or is not a JSON object, is refused (400), not passed on."""
    bob = site.login("bob")
    for body in (b'{"session_hash": "', b"[1, 2]", b'"text"', b"\xff\xfe{", b""):
        for route in ("cancel", "queue/join", "call/chat"):
            answer = post_as(bob, f"{site.url}/gradio_api/{route}", body, "application/json")
            assert answer.status_code == 400, (route, body, answer.status_code, answer.text)
    odd = {"session_hash": 12345, "fn_index": 0, "event_id": "x"}
    answer = post_as(bob, f"{site.url}/gradio_api/cancel", odd, "application/json")
    assert answer.status_code == 400, answer.text


# -- item 5: no fetching on a user's behalf; own origin only; CSP and framing ------------------


class Outside:
    """A loopback HTTP server on another port standing in for an outside address (there is
    no internet here): it logs every request it gets."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        seen = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(self.path)
                body = b"outside secret"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_GET

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def outside() -> Iterator[Outside]:
    server = Outside()
    yield server
    server.close()


def test_the_server_fetches_no_outside_address(site: Site, outside: Outside) -> None:
    """Issue 20, item 5: ``file=<url>`` and ``proxy=<url>`` never make the server open an
    address: the outside server's log stays empty and the guard says why."""
    ann = site.login("ann")
    assert requests.get(f"{outside.url}/check").status_code == 200  # it does answer
    outside.requests.clear()
    host = outside.url.removeprefix("http://")
    for address in (
        f"file={outside.url}/secret.txt",
        f"file=https://{host}/secret.txt",
        f"file=HTTP://{host}/secret.txt",
        f"file/{outside.url}/secret.txt",
        f"file=//{host}/secret.txt",
    ):
        for method in ("GET", "HEAD"):
            answer = ann.request(method, f"{site.url}/gradio_api/{address}", timeout=30)
            assert answer.status_code == 403, (method, address, answer.status_code)
        detail = ann.get(f"{site.url}/gradio_api/{address}", timeout=30).json()["detail"]
        assert "fetches nothing" in detail or "another login" in detail, (address, detail)
    proxy = ann.get(f"{site.url}/gradio_api/proxy={outside.url}/secret.txt", timeout=30)
    assert proxy.status_code == 404, proxy.text
    assert "fetches nothing" in ann.get(f"{site.url}/gradio_api/file={outside.url}/x").text
    assert outside.requests == []


def test_other_origins_get_nothing(site: Site) -> None:
    """Issue 20, item 5: a page of another origin (``http://localhost:3000``, or anywhere) may
    not read ``/config`` with the user's cookies, nor post to the queue; the server's own
    origin may."""
    ann = site.login("ann")
    port = urlsplit(site.url).port
    for origin in ("http://localhost:3000", "http://127.0.0.1:1", "https://evil.example", "null"):
        answer = ann.get(f"{site.url}/config", headers={"Origin": origin})
        assert answer.status_code == 403, (origin, answer.status_code)
        assert "access-control-allow-origin" not in answer.headers, origin
        assert "dependencies" not in answer.text
        preflight = ann.options(
            f"{site.url}/gradio_api/queue/join",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in preflight.headers, origin
        assert preflight.status_code >= 400
    for own in (site.url, f"http://127.0.0.1:{port}"):
        answer = ann.get(f"{site.url}/config", headers={"Origin": own})
        assert answer.status_code == 200 and "dependencies" in answer.text
        assert "access-control-allow-origin" not in answer.headers


def test_pages_of_other_sites_may_only_link_to_the_app(site: Site) -> None:
    """A page of another site (as the browser says: ``Sec-Fetch-Site``) may link to the app,
    but may not log Ann out, read her configuration or load her files."""
    ann = site.login("ann")
    other = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
    for path in ("/config", "/logout", "/gradio_api/info"):
        answer = ann.get(site.url + path, headers=other, allow_redirects=False)
        assert answer.status_code == 403, (path, answer.status_code)
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    assert ann.get(f"{site.url}/", headers=link).status_code == 200
    logout = {**link, "Sec-Fetch-Dest": "document"}
    assert ann.get(f"{site.url}/logout", headers=logout).status_code == 403
    assert ann.get(f"{site.url}/config").status_code == 200  # still logged in


def test_every_answer_forbids_framing_and_carries_a_csp(site: Site) -> None:
    ann = site.login("ann")
    for client, path in ((requests.Session(), "/"), (ann, "/"), (ann, "/config")):
        answer = client.get(site.url + path)
        assert answer.status_code == 200
        csp = answer.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "connect-src 'self'" in csp and "object-src 'none'" in csp
        assert answer.headers.get("x-frame-options") == "DENY"
        assert answer.headers.get("x-content-type-options") == "nosniff"
        assert answer.headers.get("cross-origin-resource-policy") == "same-origin"


# -- deny by default ---------------------------------------------------------------------------


def test_routes_not_reviewed_answer_no_one(site: Site) -> None:
    """Every Gradio route is on an allow-list (ui/web_routes.py); the others are closed, even
    to a logged-in user."""
    ann = site.login("ann")
    closed = (
        ("GET", "/gradio_api/token"),
        ("GET", "/gradio_api/user"),
        ("GET", "/gradio_api/queue/status"),
        ("GET", "/gradio_api/app_id"),
        ("GET", "/gradio_api/startup-events"),
        ("GET", "/gradio_api/deep_link"),
        ("GET", "/gradio_api/dev/reload"),
        ("GET", "/gradio_api/vibe-code"),
        ("GET", "/gradio_api/openapi.json"),
        ("GET", "/gradio_api/runs"),
        ("GET", "/monitoring"),
        ("GET", "/openapi.json"),
        ("POST", "/gradio_api/run/chat"),
        ("POST", "/gradio_api/api/chat"),
        ("POST", "/gradio_api/component_server"),
        ("POST", "/gradio_api/stream/abc"),
        ("POST", "/gradio_api/stream/abc/close"),
        ("GET", "/gradio_api/stream/abc/0/1/playlist.m3u8"),
        ("POST", "/gradio_api/process_recording"),
        ("GET", "/gradio_api/custom_component/1/x/y/z.js"),
        ("GET", "/gradio_api//call/chat/x"),
    )
    for method, path in closed:
        answer = ann.request(method, site.url + path, json={"data": []}, timeout=30)
        assert answer.status_code == 404, (method, path, answer.status_code, answer.text[:200])
    assert ann.get(f"{site.url}/gradio_api/info").status_code == 200  # reviewed, allowed


def test_files_in_the_cache_are_served_only_when_known_to_be_this_logins(
    site: Site, web_server: SharedServer
) -> None:
    """A file in Gradio's cache that is neither this login's upload nor an artifact published
    for someone they may see is refused, and so is any path outside the cache."""
    ann = site.login("ann")
    stray = web_server.home / "web-cache" / secrets.token_hex(8) / "notes.txt"
    stray.parent.mkdir(parents=True)
    stray.write_text("someone's notes")
    for path in (
        stray,
        web_server.home / "coachg.db",
        Path("/etc/hostname"),
        f"{stray.parent}/../{stray.parent.name}/notes.txt",
    ):
        answer = ann.get(f"{site.url}/gradio_api/file={path}")
        assert answer.status_code == 403, (path, answer.status_code)
    upload = ann.post(f"{site.url}/gradio_api/upload", files={"files": ("a.gpx", b"<gpx/>")})
    assert upload.status_code == 200, upload.text
    (mine,) = upload.json()
    assert ann.get(f"{site.url}/gradio_api/file={mine}").content == b"<gpx/>"
    as_text = post_as(ann, f"{site.url}/gradio_api/upload", b"x", "text/plain")
    assert as_text.status_code == 415


@pytest.mark.browser
def test_the_real_page_works_under_the_csp_and_cannot_be_framed(
    site: Site, web_server: SharedServer, outside: Outside, shared_data: Path
) -> None:
    """The page in Chromium under the Content-Security-Policy: Ann logs in, chats and gets
    her reply, uploads a run video (its preview plays) and opens every tab, and nothing is
    blocked (the console says none, and the server was sent no report). A page of another
    origin framing it shows nothing."""
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        said: list[str] = []
        context.on("console", lambda message: said.append(message.text))
        tab = context.new_page()
        tab.on("pageerror", lambda error: said.append(f"page error: {error}"))
        login(tab, site.url, "ann", site.passwords["ann"])
        wait_logged_in(tab)
        secret = f"quokka-{secrets.token_hex(4)}"
        box = tab.locator("#chat-input textarea")
        box.fill(f"My secret word is {secret}. How many runs did I do this week?")
        box.press("Enter")
        tab.locator("#chat-status").get_by_text("Answered by").wait_for(timeout=180_000)
        assert secret in tab.locator("#chat").inner_text()
        clip = shared_data / "video" / "male_side_treadmill_30fps.mp4"
        tab.locator("#chat-input input[type=file]").set_input_files(str(clip))
        tab.locator("#chat-input .thumbnail-item").first.wait_for(timeout=30_000)
        # A video of hers played in the page from the server's file address (media-src).
        sent = tab.request.post(
            f"{site.url}/gradio_api/upload",
            multipart={
                "files": {"name": clip.name, "mimeType": "video/mp4", "buffer": clip.read_bytes()}
            },
        )
        assert sent.ok, sent.text()
        played = tab.evaluate(
            """src => new Promise(done => {
                const video = document.createElement("video");
                video.muted = true;
                video.onloadeddata = () => done(video.videoWidth);
                video.onerror = () => done(-1);
                video.src = src;
                document.body.appendChild(video);
            })""",
            f"/gradio_api/file={sent.json()[0]}",
        )
        assert played > 0, played
        for name in ("Trends", "Strength", "Activities", "Settings", "Chat"):
            tab.get_by_role("tab", name=name).click()
            tab.wait_for_timeout(1500)
        blocked = [line for line in said if "Content Security Policy" in line or "Refused" in line]
        assert not blocked, blocked
        # the route map's tiles come from OpenStreetMap: with no internet (CI) the map says
        # "Map error." and draws on plain axes; that is the network, not the policy
        errors = [s for s in said if s.startswith("page error") and "Map error" not in s]
        assert not errors, said
        assert "CSP violation" not in web_server.server.output()

        # Another origin (the loopback server on another port) frames the page: blocked.
        framing = context.new_page()
        framing.goto(f"{outside.url}/frame")
        framing.set_content(f'<iframe id="coach" src="{site.url}/" width="800" height="600">')
        framing.wait_for_timeout(3000)
        frame = framing.frame_locator("#coach")
        assert frame.locator("#chat").count() == 0 and frame.locator("#who").count() == 0
        assert any("frame-ancestors" in line for line in said), said[-5:]
        context.close()
    # The browser reported the blocked framing to the server, which logged it.
    deadline = time.monotonic() + 15
    while "frame-ancestors" not in web_server.server.output() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "CSP violation" in web_server.server.output()


def test_a_call_takes_as_input_only_files_this_login_uploaded(site: Site, outside: Outside) -> None:
    """A file input names a path: Bob naming Ann's upload, a file of the server, or an outside
    address (which Gradio would download) is refused; Ann's own upload is taken."""
    ann, bob = site.login("ann"), site.login("bob")
    upload = ann.post(
        f"{site.url}/gradio_api/upload", files={"files": ("hers.gpx", b"<gpx creator='ann'/>")}
    )
    assert upload.status_code == 200, upload.text
    (hers,) = upload.json()
    meta = {"_type": "gradio.FileData"}
    for path in (hers, "/etc/hostname", f"{outside.url}/run.gpx", f"file://{hers}"):
        files = [{"path": path, "orig_name": "run.gpx", "meta": meta}]
        for api, data in (
            ("chat", [{"text": "import this", "files": files}, None]),
            ("import", [files, None]),
        ):
            answer = bob.post(f"{site.url}/gradio_api/call/{api}", json={"data": data})
            assert answer.status_code == 403, (api, path, answer.status_code, answer.text)
    assert outside.requests == []
    files = [{"path": hers, "orig_name": "hers.gpx", "meta": meta}]
    mine = ann.post(f"{site.url}/gradio_api/call/import", json={"data": [files, None]})
    assert mine.status_code == 200, mine.text
    assert read(ann, f"{site.url}/gradio_api/call/import/{mine.json()['event_id']}").status == 200


# -- the allow-list against the routes Gradio really has --------------------------------------

#: The routes of the installed Gradio (and Coach G's own) that the allow-list opens, as
#: reviewed. A Gradio upgrade that adds a route the allow-list would open fails this test
#: until someone reviews it; one it does not open stays closed on its own.
REVIEWED = {
    ("GET", "/"),
    ("HEAD", "/"),
    ("POST", "/login"),
    ("POST", "/login/"),
    ("GET", "/logout"),
    ("GET", "/signup"),
    ("POST", "/signup"),
    ("GET", "/favicon.ico"),
    ("GET", "/theme.css"),
    ("GET", "/manifest.json"),
    ("GET", "/robots.txt"),
    ("GET", "/pwa_icon"),
    ("GET", "/pwa_icon/{size}"),
    ("GET", "/assets/{path:path}"),
    ("GET", "/static/{path:path}"),
    ("GET", "/svelte/{path:path}"),
    ("GET", "/config"),
    ("GET", "/config/"),
    ("GET", "/gradio_api/theme.css"),
    ("GET", "/gradio_api/info"),
    ("GET", "/gradio_api/info/"),
    ("GET", "/gradio_api/heartbeat/{session_hash}"),
    ("POST", "/gradio_api/queue/join"),
    ("GET", "/gradio_api/queue/data"),
    ("POST", "/gradio_api/cancel"),
    ("POST", "/gradio_api/reset"),
    ("POST", "/gradio_api/reset/"),
    ("POST", "/gradio_api/call/{api_name}"),
    ("POST", "/gradio_api/call/{api_name}/"),
    ("POST", "/gradio_api/call/v2/{api_name}"),
    ("POST", "/gradio_api/call/v2/{api_name}/"),
    ("GET", "/gradio_api/call/{api_name}/{event_id}"),
    ("GET", "/gradio_api/call/v2/{api_name}/{event_id}"),
    ("POST", "/gradio_api/upload"),
    ("GET", "/gradio_api/upload_progress"),
    ("GET", "/gradio_api/file={path_or_url:path}"),
    ("HEAD", "/gradio_api/file={path_or_url:path}"),
    ("GET", "/gradio_api/file/{path:path}"),
    # The REST API and the metrics (ui/web_api.py, ui/web_metrics.py): a token each.
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/activities"),
    ("POST", "/api/v1/ask"),
    ("POST", "/api/v1/videos"),
    ("GET", "/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/load"),
    ("GET", "/api/v1/changes/{metric}"),
    ("GET", "/api/v1/strength"),
    ("POST", "/api/v1/strength"),
    ("GET", "/api/v1/strength/history"),
    ("GET", "/metrics"),
}


def _routes(routes: list, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) of every HTTP route, into included routers and mounts."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes, prefix)
        elif isinstance(route, Mount):
            yield from _routes(route.routes, prefix + route.path)
        else:
            for method in sorted(getattr(route, "methods", None) or ()):
                yield method, prefix + route.path


def _example(template: str) -> str:
    """A path the template matches: each ``{name}`` (or ``{name:path}``) given a value."""
    path = re.sub(r"\{[^}:]+:path\}", "some/file.txt", template)
    path = re.sub(r"\{size\}", "192", path)
    path = re.sub(r"\{[^}]+\}\.\{[^}]+\}", "segment.ts", path)
    return re.sub(r"\{[^}]+\}", "abc", path)


def test_the_allow_list_opens_exactly_the_reviewed_routes(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(settings.home / "web-cache"))
    app = make_server_app(db, settings)
    mounted = set(_routes(app.routes))
    assert ("POST", "/gradio_api/queue/join") in mounted and len(mounted) > 60
    opened = {(method, path) for method, path in mounted if rule_for(method, _example(path))}
    assert opened == REVIEWED, (sorted(opened - REVIEWED), sorted(REVIEWED - opened))


def test_no_login_can_push_anothers_ids_out_of_memory() -> None:
    """The guard's memory of owners is bounded per login: Bob naming ever more new sessions
    forgets only his own oldest, and Ann's session stays hers."""
    sessions = Owners(per_login=100)
    assert sessions.claim("ann-tab", "ann")
    for number in range(1000):
        assert sessions.claim(f"bob-{number}", "bob")
    assert not sessions.claim("ann-tab", "bob") and sessions.claim("ann-tab", "ann")
    assert len(sessions) == 101 and sessions.owner("bob-0") is None
    sessions.add("ann-tab", "bob")  # given to Bob by mistake: still Ann's
    assert sessions.owner("ann-tab") == "ann"
