"""Attacks on the web layer (issue 20, items 1, 2 and 5), each on a real server (the session's
shared ``ui.web.serve`` subprocess, tests/conftest.py) with two logins, Ann and Bob, as two
real HTTP clients with their own cookies: while Ann chats, Bob tries to read her events by
her session id or event id, to cancel or join into her session with a JSON body under another
content type, and to make the server fetch an outside address. Each is refused, and Ann's own
page still gets its reply."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

import pytest
import requests

from tests.conftest import SharedServer

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
