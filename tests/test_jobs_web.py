"""The issue's finding on a real server (``ui.web.serve`` in a subprocess, real SQLite, the
default in-process queue): while Ann's real video analysis runs as a job, Bob's chat turn is
answered at once, Ann's own second job (an import) waits its turn with its place in her line
shown, and the analysis streams its progress into Ann's chat.

One analysis of the first 3 s of the real treadmill clip (a quarter of the work of the whole
clip) keeps the test short; the test ends when Ann's import, queued behind it, is done."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import pytest
import requests

from storage.db import Database
from storage.users import create_user
from tests.browser import Server, keep_router_embeddings, running_server
from tests.conftest import SharedServer

CLIP = "male_side_treadmill_30fps.mp4"
CLIP_SECONDS = 3
PASSWORDS = {"ann": "ann-pass-1", "bob": "bob-pass-1"}


@dataclass
class Events:
    """A call's server-sent events, read in a thread: each ``data:`` line with when it came."""

    lines: list[tuple[float, str]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def text(self) -> str:
        return "\n".join(line for _, line in self.lines)

    def finished_at(self) -> float:
        return self.lines[-1][0]

    def last_with(self, words: str) -> float:
        """When the last line holding ``words`` came."""
        return max(at for at, line in self.lines if words in line)


def call(client: requests.Session, url: str, api: str, data: list) -> Events:
    """Start ``api`` with ``data`` on a new page session and follow its events in a thread."""
    started = client.post(
        f"{url}/gradio_api/call/{api}",
        json={"data": data, "session_hash": secrets.token_hex(8)},
    )
    assert started.status_code == 200, started.text
    events = Events()

    def follow() -> None:
        stream = f"{url}/gradio_api/call/{api}/{started.json()['event_id']}"
        try:
            with client.get(stream, stream=True, timeout=600) as answer:
                for line in answer.iter_lines(decode_unicode=True):
                    if line and line.startswith("data:"):
                        events.lines.append((time.monotonic(), line))
        except requests.RequestException:
            pass  # the test closed the connection
        finally:
            events.done.set()

    threading.Thread(target=follow, daemon=True).start()
    return events


def upload(client: requests.Session, url: str, path: Path) -> dict:
    answer = client.post(
        f"{url}/gradio_api/upload", files={"files": (path.name, path.read_bytes())}
    )
    assert answer.status_code == 200, answer.text
    (kept,) = answer.json()
    return {"path": kept, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def short_clip(source: Path, out: Path, seconds: float) -> Path:
    """The first ``seconds`` of the real clip, frames unchanged."""
    reader = cv2.VideoCapture(str(source))
    fps = reader.get(cv2.CAP_PROP_FPS)
    size = (int(reader.get(cv2.CAP_PROP_FRAME_WIDTH)), int(reader.get(cv2.CAP_PROP_FRAME_HEIGHT)))
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for _ in range(round(fps * seconds)):
        ok, frame = reader.read()
        if not ok:
            break
        writer.write(frame)
    writer.release()
    reader.release()
    return out


@contextmanager
def jobs_server(home: Path) -> Iterator[Server]:
    """A real server on a fresh database under ``home`` with the users of :data:`PASSWORDS`
    (also what ``evals.bench_jobs chat`` times)."""
    url = f"sqlite:///{home / 'coachg.db'}"
    db = Database(url)
    with db.session() as session:
        for name, password in PASSWORDS.items():
            create_user(session, name, password=password)
    db.dispose()
    keep_router_embeddings(home)
    with running_server(home, url, env={"COACHG_LLM": "rules"}) as running:
        yield running


@pytest.fixture(scope="module")
def server(web_server: SharedServer) -> str:
    """The session's shared server (tests/conftest.py), whose Ann and Bob have the passwords
    of :data:`PASSWORDS`: it is what :func:`jobs_server` starts, with more people."""
    assert all(web_server.passwords[name] == word for name, word in PASSWORDS.items())
    return web_server.server.url


def login(url: str, name: str) -> requests.Session:
    client = requests.Session()
    answer = client.post(f"{url}/login", data={"username": name, "password": PASSWORDS[name]})
    assert answer.status_code == 200, answer.text
    return client


def progress_percents(text: str) -> list[int]:
    """The percentages of the progress lines in a chat's events (``Working… 40% - ...``; the
    ellipsis may come escaped in the JSON)."""
    return [int(p) for p in re.findall(r"Working\S{0,6} (\d+)%", text)]


def test_a_video_job_never_holds_up_another_users_chat(
    server: str, shared_data: Path, tmp_path: Path
) -> None:
    ann, bob = login(server, "ann"), login(server, "bob")
    # Bob's first turn loads what every turn needs (router, history index): not timed.
    warm = call(bob, server, "chat", [{"text": "my last 5 runs", "files": []}, None])
    assert warm.done.wait(300), "the first chat turn did not finish"

    clip = short_clip(shared_data / "video" / CLIP, tmp_path / "my_run.mp4", CLIP_SECONDS)
    video = upload(ann, server, clip)
    analysis = call(ann, server, "chat", [{"text": "analyze my run video", "files": [video]}, None])
    deadline = time.monotonic() + 300
    while not progress_percents(analysis.text()):  # the job has started
        assert not analysis.done.is_set(), analysis.text()[-2000:]
        assert time.monotonic() < deadline
        time.sleep(0.1)

    fit = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
    second_job = call(ann, server, "import", [[upload(ann, server, fit)], None])
    asked = time.monotonic()
    runs = call(bob, server, "chat", [{"text": "my last 5 runs", "files": []}, None])
    assert runs.done.wait(120)
    bob_waited = runs.finished_at() - asked
    assert second_job.done.wait(600), second_job.text()[-2000:]  # it runs after the video
    ann.close()  # Ann's chat turn may still be composing its reply: not waited for

    # Bob was answered while Ann's analysis job was still running, and quickly.
    assert runs.finished_at() < analysis.last_with("Working")
    assert bob_waited < 10, f"Bob waited {bob_waited:.1f} s"
    assert "list_activities" in runs.text()
    # The job's progress reached Ann's chat as it went.
    percents = progress_percents(analysis.text())
    assert len(set(percents)) >= 3 and any(0 < p < 100 for p in percents)
    # Her import waited behind her analysis, saying so, then ran.
    assert "number 2 of yours" in second_job.text()
    assert second_job.finished_at() > analysis.last_with("Working")
    assert "Imported 1 activity" in json.loads(second_job.lines[-1][1][5:])[0]
