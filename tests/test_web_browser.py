"""The web app in a real headless Chromium against a real server (``ui.web.serve``) on a loopback
port, with a real SQLite database in a temp folder.

Screenshots go to ``$COACHG_SCREENSHOTS`` (default: ``coachg-browser`` in the temp folder) for a
person to look at.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import fitdecode
import pytest

from storage.chat import recent_messages
from storage.db import Database
from storage.gait_reports import list_gait_reports
from storage.models import User
from storage.users import create_user, get_user, link_coach
from tests.browser import (
    REPO,
    Server,
    chromium,
    login,
    require_chromium,
    running_server,
    wait_logged_in,
)

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("COACHG_SCREENSHOTS", Path(tempfile.gettempdir()) / "coachg-browser"))
needs_coach = pytest.mark.skipif(
    not (REPO / "agent" / "coach.py").exists(),
    reason="agent/coach.py (the Coach the chat calls) is not there yet",
)


def confidence_phrases() -> list[str]:
    """How the agent words each band of confidence (its own vocabulary, not copied here)."""
    from tools.confidence_words import confidence_sentence

    sentences = (confidence_sentence(level, []) for level in (0.95, 0.7, 0.5, 0.1))
    return [re.split(r"[.:;]| because", sentence)[0] for sentence in sentences]


@dataclass
class Site:
    server: Server
    db: Database
    home: Path
    users: dict[str, User]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A server with Ann and Bob (athletes) and Cora (coach of Ann only)."""
    require_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    home = tmp_path_factory.mktemp("web") / "home"
    url = f"sqlite:///{home / 'coachg.db'}"
    db = Database(url)
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1")
        bob = create_user(session, "bob", password="bob-pass-1")
        cora = create_user(session, "cora", role="coach", password="cora-pass-1")
        link_coach(session, cora, ann)
    with running_server(home, url, env={"COACHG_LLM": "rules"}) as server:
        yield Site(server, db, home, {"ann": ann, "bob": bob, "cora": cora})
    db.dispose()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; every request must stay on loopback."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    tab = context.new_page()
    yield tab
    context.close()
    outside = hosts - {"127.0.0.1", "localhost", ""}
    assert not outside, f"the page fetched from outside this machine: {sorted(outside)}"


def chat_text(page: Any) -> str:
    return page.locator("#chat").inner_text()


def send(page: Any, text: str) -> None:
    box = page.locator("#chat-input textarea")
    box.fill(text)
    box.press("Enter")


def test_wrong_password_is_refused(page: Any, site: Site) -> None:
    login(page, site.server.url, "ann", "not-her-password")
    page.get_by_text("Incorrect Credentials").wait_for(timeout=15_000)
    assert page.locator("#chat").count() == 0
    login(page, site.server.url, "nobody", "whatever-1")
    page.get_by_text("Incorrect Credentials").wait_for(timeout=15_000)
    assert page.locator("#chat").count() == 0


def test_signup_then_log_in(page: Any, site: Site) -> None:
    page.goto(site.server.url + "/")
    page.get_by_role("link", name="Create one").click()
    page.locator("#name").fill("dana")
    page.locator("#password").fill("dana-pass-1")
    page.locator("#confirm").fill("dana-pass-2")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("The two passwords differ").wait_for()
    page.locator("#password").fill("dana-pass-1")
    page.locator("#confirm").fill("dana-pass-1")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("created").wait_for()
    with site.db.session() as session:
        dana = get_user(session, "dana")
        assert dana is not None and dana.role == "athlete"
        assert "dana-pass-1" not in dana.password_hash
    login(page, site.server.url, "dana", "dana-pass-1")
    wait_logged_in(page)
    assert "Dana · athlete" in page.locator("#who").inner_text()
    assert not page.locator("#athlete-choice").is_visible()


def test_coach_sees_only_their_athletes_and_forged_request_is_refused(
    page: Any, site: Site
) -> None:
    login(page, site.server.url, "cora", "cora-pass-1")
    wait_logged_in(page)
    page.locator("#athlete-choice input").click()
    options = [o.strip("✓ \n") for o in page.get_by_role("option").all_inner_texts()]
    assert "Ann" in options and "Me (Cora)" in options
    assert not any("Bob" in o or "bob" in o for o in options)
    page.keyboard.press("Escape")
    page.screenshot(path=str(SHOTS / "coach.png"))
    # A request made by hand, for Bob, with Cora's login cookie.
    answer = page.evaluate(
        """async (who) => {
            const post = await fetch('/gradio_api/call/chat', {
                method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({data: [{text: 'how is my cadence?', files: []}, who]})});
            const body = await post.json();
            if (!body.event_id) return 'refused at once: ' + JSON.stringify(body);
            return await (await fetch('/gradio_api/call/chat/' + body.event_id)).text();
        }""",
        "bob",
    )
    refused = "event: error" in answer or "only see your own data" in answer
    assert refused, answer
    with site.db.session() as session:
        assert not recent_messages(session, site.users["bob"])
    assert not (site.home / "media" / str(site.users["bob"].id)).exists()


def _cells(table: Any) -> list[str]:
    return [line.strip() for line in table.inner_text().splitlines()]


def _fit_distance_km(path: Path) -> float:
    """The session distance written in the FIT file itself (read with fitdecode)."""
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "session":
                return float(frame.get_value("total_distance")) / 1000.0
    raise AssertionError(f"no session in {path}")


def test_import_activity_files(page: Any, site: Site, shared_data: Path) -> None:
    files = [
        shared_data / "activity_files/fit/fitparse__activity-small-fenix2-run.fit",
        shared_data / "activity_files/fit/fitparse__2013-02-06-12-11-14.fit",
    ]
    login(page, site.server.url, "bob", "bob-pass-1")
    wait_logged_in(page)
    page.get_by_role("tab", name="Activities").click()
    page.locator("#import-files input[type=file]").set_input_files([str(f) for f in files])
    page.locator("#import-files").get_by_text(files[0].name[:20]).first.wait_for()
    page.locator("#import-button").click()
    page.locator("#import-report").get_by_text("Imported 2 activities").wait_for(timeout=60_000)
    table = page.locator("#activities")
    deadline = time.monotonic() + 30
    while _cells(table).count("file") < len(files) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.screenshot(path=str(SHOTS / "activities.png"), full_page=True)
    shown = [float(x) for x in re.findall(r"\b\d+\.\d+\b", table.inner_text())]
    for file in files:
        km = _fit_distance_km(file)
        assert any(abs(value - km) < 0.0015 for value in shown), (file.name, km, shown)
    kept = list((site.home / "media" / str(site.users["bob"].id) / "imports").rglob("*.fit"))
    assert sorted(k.name for k in kept) == sorted(f.name for f in files)


@needs_coach
def test_athlete_asks_and_sees_the_reply(page: Any, site: Site) -> None:
    login(page, site.server.url, "ann", "ann-pass-1")
    wait_logged_in(page)
    send(page, "How many runs did I do this week?")
    page.locator("#chat-status").get_by_text("Answered by").wait_for(timeout=60_000)
    assert "rules" in page.locator("#chat-status").inner_text()
    text = chat_text(page)
    assert "How many runs did I do this week?" in text
    assert "Working" not in text
    with site.db.session() as session:
        stored = [m.content for m in recent_messages(session, site.users["ann"])]
    assert "How many runs did I do this week?" in stored


@needs_coach
def test_run_video_in_the_chat(page: Any, site: Site, shared_data: Path) -> None:
    """The real clip: progress streams, then the report, annotated video and plots appear."""
    clip = shared_data / "video" / "male_side_treadmill_30fps.mp4"
    login(page, site.server.url, "ann", "ann-pass-1")
    wait_logged_in(page)
    page.locator("#chat-input input[type=file]").set_input_files(str(clip))
    page.locator("#chat-input video, #chat-input .thumbnail-item").first.wait_for(
        state="attached", timeout=30_000
    )
    send(page, "analyze my run video")
    progress: set[str] = set()
    started = time.monotonic()
    while time.monotonic() - started < 240:
        text = chat_text(page)
        progress |= {line for line in text.splitlines() if re.search(r"Working… \d+%", line)}
        if page.locator("#chat-status").get_by_text("Answered by").count():
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError("no answer within 4 minutes:\n" + chat_text(page))
    page.locator("#chat video").nth(1).wait_for(timeout=30_000)  # the upload, then the result
    page.screenshot(path=str(SHOTS / "video_reply_end.png"))
    page.locator("#chat").get_by_text("analyze my run video").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "video_reply_start.png"))
    page.locator("#chat").get_by_text("Measured well").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "video_reply_text.png"))
    text = chat_text(page)
    assert progress, "no progress was streamed while the video was analysed"
    assert "analyze_run_video" in page.locator("#chat-status").inner_text()
    assert any(phrase in text for phrase in confidence_phrases()), text
    assert page.locator("#chat img").count() >= 2  # key frames and plots
    # The annotated video plays from a private, unguessable address, only when logged in.
    source = page.locator("#chat video").last.get_attribute("src") or ""
    address = unquote(source)
    assert "coachg-" in address and "/media/" not in address, address
    assert page.request.get(source).ok
    played = page.locator("#chat video").last.evaluate(
        """video => new Promise(done => {
            if (video.readyState >= 2) return done(video.videoWidth);
            video.addEventListener("loadeddata", () => done(video.videoWidth), {once: true});
            video.addEventListener("error", () => done(-1), {once: true});
            video.load();
        })"""
    )
    assert played > 0, "the browser could not decode the annotated video"
    stranger = page.context.browser.new_context()
    try:
        assert stranger.request.get(source).status in (401, 403)
    finally:
        stranger.close()
    # The upload was kept in Ann's media folder, which Gradio itself refuses to serve.
    kept = next((site.home / "media" / str(site.users["ann"].id) / "uploads").rglob("*.mp4"))
    assert kept.read_bytes() == clip.read_bytes()
    assert page.request.get(f"{site.server.url}/gradio_api/file={kept}").status == 403
    with site.db.session() as session:
        assert list_gait_reports(session, site.users["ann"], site.users["ann"].id)
