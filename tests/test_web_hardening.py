"""The web server's guard (ui/web_guard.py) against direct HTTP calls, on one real server
(``ui.web.serve`` in a subprocess, real SQLite): routes closed without a login, reserved names
refused at sign-up, logins throttled per name and per address with the wait in the answer,
a posted session id or event id of another user refused, and file addresses that work only
for their owner (and the owner's coach)."""

from __future__ import annotations

import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from storage.chat import add_message
from storage.db import Database
from storage.models import User
from storage.users import get_user
from tests.browser import Server
from tests.conftest import SharedServer
from ui.web_files import publish
from ui.web_login import FREE_PER_ADDRESS, FREE_PER_NAME

PASSWORDS = {"ann": "ann-pass-1", "bob": "bob-pass-1", "cora": "cora-pass-1", "tess": "tess-pass-1"}


@dataclass
class World:
    server: Server
    db: Database
    home: Path
    users: dict[str, User]

    @property
    def url(self) -> str:
        return self.server.url

    def login(self, name: str, address: str = "") -> requests.Session:
        """A logged-in HTTP client (from ``address``, when given, as a proxy would say)."""
        client = requests.Session()
        if address:
            client.headers["X-Forwarded-For"] = address
        answer = client.post(
            f"{self.url}/login", data={"username": name, "password": PASSWORDS[name]}
        )
        assert answer.status_code == 200, answer.text
        return client


@pytest.fixture(scope="module")
def world(web_server: SharedServer) -> World:
    """The session's shared server (tests/conftest.py): Ann, Bob and Tess are athletes, Cora
    coaches Ann."""
    assert web_server.passwords == PASSWORDS
    return World(web_server.server, web_server.db, web_server.home, web_server.users)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def try_login(world: World, name: str, password: str, address: str) -> requests.Response:
    return requests.post(
        f"{world.url}/login",
        data={"username": name, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_nothing_answers_without_a_login(world: World) -> None:
    anyone = requests.Session()
    closed = {
        ("GET", "/openapi.json"),
        ("GET", "/docs"),
        ("POST", "/gradio_api/reset"),
        ("GET", "/gradio_api/app_id"),
        ("GET", "/gradio_api/info"),
        ("GET", "/config"),
        ("POST", "/gradio_api/cancel"),
        ("GET", "/gradio_api/heartbeat/abc"),
        ("POST", "/gradio_api/stream/abc"),
        ("GET", "/gradio_api/stream/abc/0/1/playlist.m3u8"),
    }
    for method, path in sorted(closed):
        answer = anyone.request(method, world.url + path, json={"event_id": "x"}, timeout=10)
        assert answer.status_code in (401, 404), (method, path, answer.status_code)
    page = anyone.get(world.url + "/")
    assert page.status_code == 200 and "Log in to Coach G" in page.text
    assert 'href="/signup"' in page.text and "gradio_config" not in page.text
    ann = world.login("ann")
    assert ann.get(world.url + "/openapi.json").status_code == 404  # for no one
    assert ann.get(world.url + "/config").status_code == 200


def test_sign_up_refuses_reserved_names(world: World) -> None:
    for name in ("me", "admin", "Root"):
        answer = requests.post(
            f"{world.url}/signup",
            data={"name": name, "password": "a-long-pass", "confirm": "a-long-pass"},
        )
        assert answer.status_code == 400 and "reserved" in answer.text, name
    with world.db.session() as session:
        assert get_user(session, "me") is None and get_user(session, "admin") is None


def test_logins_are_throttled_per_name_with_the_wait_said(world: World) -> None:
    """Wrong passwords for one name from many addresses: after the free tries, even the
    right password must wait, and the answer says how long."""
    for attempt in range(FREE_PER_NAME):
        answer = try_login(world, "tess", "wrong-pass-1", f"198.51.100.{attempt + 1}")
        assert answer.status_code == 400, answer.text
    refused = try_login(world, "TESS", PASSWORDS["tess"], "198.51.100.99")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert wait >= 1 and f"wait {wait} s" in refused.json()["detail"]
    assert "for this user name" in refused.json()["detail"]
    assert try_login(world, "bob", PASSWORDS["bob"], "198.51.100.99").status_code == 200


def test_logins_are_throttled_per_address(world: World) -> None:
    """One address trying many names: after its free tries it must wait, for every name."""
    address = "203.0.113.7"
    for attempt in range(FREE_PER_ADDRESS):
        answer = try_login(world, f"guess{attempt}", "wrong-pass-1", address)
        assert answer.status_code == 400, answer.text
    refused = try_login(world, "bob", PASSWORDS["bob"], address)
    assert refused.status_code == 429 and "from your address" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert try_login(world, "bob", PASSWORDS["bob"], "203.0.113.8").status_code == 200


def sse_until(client: requests.Session, url: str, done: str) -> str:
    """Server-sent events from ``url`` until a line containing ``done`` (all lines, joined)."""
    lines: list[str] = []
    with client.get(url, stream=True, timeout=120) as answer:
        assert answer.status_code == 200, answer.text
        for line in answer.iter_lines(decode_unicode=True):
            lines.append(line or "")
            if line and done in line:
                break
    return "\n".join(lines)


def test_another_users_session_gives_nothing(world: World) -> None:
    """The issue's attack: Ann's page session holds her conversation; Bob posts a chat call
    naming her session id (an empty message: the chat answers with the conversation it
    holds), and tries to read her session's events."""
    ann, bob = world.login("ann"), world.login("bob")
    said = "My secret long run felt heavy."
    with world.db.session() as session:
        add_message(session, world.users["ann"], "user", said)
    session_hash = secrets.token_hex(8)
    config = ann.get(f"{world.url}/config").json()
    load = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "on_load")
    joined = ann.post(
        f"{world.url}/gradio_api/queue/join",
        json={"data": [], "fn_index": load, "session_hash": session_hash, "trigger_id": None},
    )
    assert joined.status_code == 200, joined.text
    queue = f"{world.url}/gradio_api/queue/data?session_hash={session_hash}"
    assert said in sse_until(ann, queue, "process_completed")  # her page shows it

    call = f"{world.url}/gradio_api/call/chat"
    empty = {"data": [{"text": "", "files": []}, None], "session_hash": session_hash}
    forged = bob.post(call, json=empty)
    assert forged.status_code == 403, forged.text
    assert said not in forged.text
    assert bob.get(queue, timeout=30).status_code == 403
    event_id = joined.json()["event_id"]
    cancel = bob.post(
        f"{world.url}/gradio_api/cancel",
        json={"session_hash": session_hash, "fn_index": load, "event_id": event_id},
    )
    assert cancel.status_code == 403
    # Ann's own call on her session still works (and Bob cannot read its events either).
    mine = ann.post(call, json=empty)
    assert mine.status_code == 200, mine.text
    event = f"{call}/{mine.json()['event_id']}"
    assert bob.get(event, timeout=30).status_code == 403
    assert said in sse_until(ann, event, "data:")


def test_file_addresses_work_only_for_their_owner_and_coach(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(world.home / "web-cache"))
    plot = world.home / "media" / str(world.users["ann"].id) / "gait" / "plot.png"
    plot.parent.mkdir(parents=True, exist_ok=True)
    plot.write_bytes(b"\x89PNG ann's plot")
    address = f"{world.url}/gradio_api/file={publish(plot, world.users['ann'].id)}"
    ann, bob, cora = world.login("ann"), world.login("bob"), world.login("cora")
    assert ann.get(address).content == plot.read_bytes()
    assert cora.get(address).status_code == 200  # Ann's coach
    assert bob.get(address).status_code == 403
    assert requests.get(address).status_code == 401
    assert bob.get(address.replace("file=", "file/")).status_code == 403

    uploaded = ann.post(f"{world.url}/gradio_api/upload", files={"files": ("notes.gpx", b"<gpx/>")})
    assert uploaded.status_code == 200, uploaded.text
    (path,) = uploaded.json()
    assert ann.get(f"{world.url}/gradio_api/file={path}").content == b"<gpx/>"
    assert bob.get(f"{world.url}/gradio_api/file={path}").status_code == 403
    # The server wrote it with umask 077, inside a 0700 home, beside a 0600 database.
    assert mode(Path(path)) == 0o600 and mode(Path(path).parent) == 0o700
    assert mode(world.home) == 0o700 and mode(world.home / "coachg.db") == 0o600
