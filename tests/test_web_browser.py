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
from sqlalchemy import text

from storage.chat import add_message, recent_messages
from storage.db import Database
from storage.gait_reports import list_gait_reports
from storage.models import User
from storage.strava_tokens import get_token
from storage.users import create_user, get_user, link_coach
from tests.browser import (
    REPO,
    Server,
    chromium,
    free_port,
    keep_router_embeddings,
    login,
    require_chromium,
    running_server,
    wait_logged_in,
)
from tests.fake_strava import FakeStrava
from tests.test_rendering import EVIL, HOSTILE_DISPLAY, HOSTILE_FILES, HOSTILE_NAMES, hostile_export
from ui.web_login import FREE_PER_NAME, WRONG

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
    strava: FakeStrava


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Site]:
    """A server with Ann and Bob (athletes) and Cora (coach of Ann only); Eve, whose display
    name (made outside the sign-up) is hostile Markdown; Walt, whose password is guessed.
    Strava is configured, pointing at the loopback fake."""
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
        eve = create_user(session, "eve", password="eve-pass-1", display_name=HOSTILE_DISPLAY)
        walt = create_user(session, "walt", password="walt-pass-1")
    users = {"ann": ann, "bob": bob, "cora": cora, "eve": eve, "walt": walt}
    keep_router_embeddings(home)
    with FakeStrava(shared_data / "strava_api") as strava:
        env = {
            "COACHG_LLM": "rules",
            "COACHG_STRAVA_BASE_URL": strava.base_url,
            "COACHG_STRAVA_CLIENT_ID": str(strava.client_id),
            "COACHG_STRAVA_CLIENT_SECRET": strava.client_secret,
            "COACHG_STRAVA_REDIRECT_PORT": str(free_port()),
        }
        with running_server(home, url, env=env) as server:
            yield Site(server, db, home, users, strava)
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
    page.get_by_text(WRONG).wait_for(timeout=15_000)
    assert page.locator("#chat").count() == 0
    login(page, site.server.url, "nobody", "whatever-1")
    page.get_by_text(WRONG).wait_for(timeout=15_000)
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
    # A coach lands on their athletes: the roster (on the Trends tab) first, with no click.
    roster = page.locator("#trends-roster").get_by_text("Ann", exact=True)
    roster.filter(visible=True).first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "coach-landing.png"))
    page.get_by_role("tab", name="Chat").click()
    welcome = page.locator("#chat").inner_text()  # a welcome of a coach's own
    assert "about your athletes" in welcome and "Ann's last 5 runs" in welcome, welcome
    assert "about your running" not in welcome
    page.locator("#athlete-choice input").click()
    options = [o.strip("✓ \n") for o in page.get_by_role("option").all_inner_texts()]
    assert "Ann" in options and "Me (Cora)" in options
    assert not any("Bob" in o or "bob" in o for o in options)
    page.get_by_role("option", name="Ann").click()
    page.get_by_role("tab", name="Activities").click()
    target = page.locator("#import-target")
    target.get_by_text("Ann's").wait_for(timeout=30_000)
    assert "Importing into Ann's account" in target.inner_text()
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


def _fit_summary(path: Path) -> tuple[float, str]:
    """The session distance (km) written in the FIT file itself and its start at the local time
    the watch recorded (the activity message's local_timestamp less its timestamp, where the
    file has one), read with fitdecode."""
    messages: dict[str, dict[str, Any]] = {}
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            wanted = frame.name in ("session", "activity") if hasattr(frame, "name") else False
            if isinstance(frame, fitdecode.FitDataMessage) and wanted:
                messages.setdefault(frame.name, {f.name: f.value for f in frame.fields})
    session, activity = messages["session"], messages.get("activity", {})
    start = session["start_time"]
    if activity.get("local_timestamp") is not None:
        start += activity["local_timestamp"].replace(tzinfo=None) - activity["timestamp"].replace(
            tzinfo=None
        )
    return float(session["total_distance"]) / 1000.0, start.strftime("%Y-%m-%d %H:%M")


def test_import_activity_files(page: Any, site: Site, shared_data: Path) -> None:
    files = [
        shared_data / "activity_files/fit/fitparse__activity-small-fenix2-run.fit",
        shared_data / "activity_files/fit/fitparse__2013-02-06-12-11-14.fit",
    ]
    login(page, site.server.url, "bob", "bob-pass-1")
    wait_logged_in(page)
    page.get_by_role("tab", name="Activities").click()
    page.locator("#import-target").get_by_text("Importing into your account").wait_for()
    page.locator("#import-files input[type=file]").set_input_files([str(f) for f in files])
    page.locator("#import-files").get_by_text(files[0].name[:20]).first.wait_for()
    page.locator("#import-button").click()
    page.locator("#import-report").get_by_text("Imported 2 activities").wait_for(timeout=60_000)
    assert "Importing into your account" in page.locator("#import-report").inner_text()
    table = page.locator("#activities")
    deadline = time.monotonic() + 30
    while _cells(table).count("file") < len(files) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    page.screenshot(path=str(SHOTS / "activities.png"), full_page=True)
    cells = _cells(table)
    for file in files:
        # Each start at the watch's local time, and the distance to 0.1 km as a runner reads it.
        km, start = _fit_summary(file)
        row = cells.index(start)
        assert f"{km:.1f}" in cells[row : row + 12], (file.name, start, km, cells)
    assert not re.search(r"\b\d+\.\d{2,}\b", table.inner_text())  # no 9.008 km, no 147.0 bpm
    kept = list((site.home / "media" / str(site.users["bob"].id) / "imports").rglob("*.fit"))
    assert sorted(k.name for k in kept) == sorted(f.name for f in files)
    # Written by the server with umask 077: nobody else on the machine may read them.
    for path in [site.home, site.home / "media", *kept, *(k.parent for k in kept)]:
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))


@needs_coach
def test_athlete_asks_and_sees_the_reply(page: Any, site: Site) -> None:
    login(page, site.server.url, "ann", "ann-pass-1")
    wait_logged_in(page)
    send(page, "How many runs did I do this week?")
    # The first turn of a server builds the Coach (its classifier): slow on a busy machine.
    page.locator("#chat-status").get_by_text("Answered by").wait_for(timeout=180_000)
    assert "rules" in page.locator("#chat-status").inner_text()
    text = chat_text(page)
    assert "How many runs did I do this week?" in text
    assert "Working" not in text
    with site.db.session() as session:
        stored = [m.content for m in recent_messages(session, site.users["ann"])]
    assert "How many runs did I do this week?" in stored


@needs_coach
def test_weekly_check_in_in_the_chat(page: Any, site: Site) -> None:
    """A whole check-in in the browser: questions one at a time, a free answer that covers
    three of them, stop, come back, finish; the answers are stored as the week's entry."""
    login(page, site.server.url, "ann", "ann-pass-1")
    wait_logged_in(page)
    chat = page.locator("#chat")

    def say(text: str, expect: str) -> None:
        send(page, text)
        chat.get_by_text(expect).last.wait_for(timeout=180_000)

    say("let's do my weekly check-in", "How did you sleep this week?")
    say("slept badly, legs are fine, work was mad", "And your mood")
    say("stop", "Okay, we'll stop here.")
    say("let's do my check-in", "Welcome back")
    for answer, expect in (
        ("pretty good", "How hard did your key sessions feel"),
        ("6", "Any pain"),
        ("none", "Anything that limits next week"),
    ):
        say(answer, expect)
    say("away tue-thu", "Focus for next week")
    page.screenshot(path=str(SHOTS / "checkin.png"), full_page=True)
    with site.db.session() as session:
        entry = session.execute(
            text("select status, answers from wellness_entries where user_id = :a"),
            {"a": site.users["ann"].id},
        ).one()
    assert entry.status == "done" and "work was mad" in entry.answers


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


def live_from_elsewhere(page: Any) -> dict[str, list[str]]:
    """Images and links on the page that point away from Coach G (none may exist)."""
    return page.evaluate(
        """() => ({
            img: [...document.querySelectorAll("img")].map(e => e.src)
                .filter(src => !src.startsWith(location.origin) && !src.startsWith("data:")),
            a: [...document.querySelectorAll("a[href]")].map(e => e.href)
                .filter(href => !href.startsWith(location.origin)),
        })"""
    )


@needs_coach
def test_hostile_names_show_as_text(page: Any, site: Site, shared_data: Path) -> None:
    """The issue's hostile Strava export, dropped into the chat: its file names (in the import
    warnings), activity names (in the list of runs and the Activities table), a display name
    holding Markdown (the header) and a reply stored before the fix (the history) all show as
    text; Chromium loads no image from elsewhere and shows no link (the page fixture also
    fails the test on any request that leaves this machine)."""
    eve = site.users["eve"]
    with site.db.session() as session:
        add_message(session, eve, "assistant", f"Note: {HOSTILE_FILES[0]}: file missing")
    export = hostile_export(shared_data, site.home.parent)
    login(page, site.server.url, "eve", "eve-pass-1")
    wait_logged_in(page)
    page.locator("#chat-input input[type=file]").set_input_files(str(export))
    page.locator("#chat-input .thumbnail-item, #chat-input .file-name").first.wait_for(
        state="attached", timeout=30_000
    )
    send(page, "import this")
    # The first turn of a server builds the Coach (its classifier): slow on a busy machine.
    page.locator("#chat-status").get_by_text("import_activities").wait_for(timeout=180_000)
    send(page, "my last 5 runs")
    page.locator("#chat").get_by_text(HOSTILE_NAMES[0]).wait_for(timeout=120_000)
    assert live_from_elsewhere(page) == {"img": [], "a": []}
    page.reload()  # the remembered conversation, the header and the table, as on a new visit
    wait_logged_in(page)
    page.locator("#chat").get_by_text(HOSTILE_NAMES[0]).wait_for(timeout=30_000)
    page.get_by_role("tab", name="Activities").click()
    page.locator("#activities").get_by_text(HOSTILE_NAMES[0]).wait_for(timeout=30_000)
    page.get_by_role("tab", name="Chat").click()
    page.screenshot(path=str(SHOTS / "hostile_names.png"), full_page=True)
    assert live_from_elsewhere(page) == {"img": [], "a": []}
    for where in ("#chat", "#who", "#activities", "#account"):
        assert page.locator(f"{where} a, {where} img[src*='{EVIL}']").count() == 0, where
    shown = chat_text(page)
    assert f"activities/![x](http://{EVIL}/p.png) x.fit" in shown  # literally, as text
    assert f"<img src=http://{EVIL}/q.png>" in shown
    assert HOSTILE_DISPLAY.split(")")[0] in page.locator("#who").inner_text()


def test_login_page_shows_the_wait_after_guesses(page: Any, site: Site) -> None:
    for _ in range(FREE_PER_NAME):
        login(page, site.server.url, "walt", "not-his-password")
        page.get_by_text(WRONG).wait_for(timeout=15_000)
    login(page, site.server.url, "walt", "walt-pass-1")  # right, but too soon
    message = page.locator("#login-message")
    message.get_by_text("wait").wait_for(timeout=15_000)
    assert re.search(r"Too many failed logins for this user name: wait \d+ s", message.inner_text())
    assert page.locator("#chat").count() == 0
    page.screenshot(path=str(SHOTS / "login_wait.png"))


def test_connect_strava_reaches_stravas_consent_page(page: Any, site: Site) -> None:
    """Settings > Connect Strava shows Strava's (the fake's) consent link; following it, the
    athlete approves, and the tab says connected; the tokens are stored encrypted."""
    bob = site.users["bob"]
    login(page, site.server.url, "bob", "bob-pass-1")
    wait_logged_in(page)
    page.get_by_role("tab", name="Settings").click()
    page.locator("#strava-status").get_by_text("not connected").wait_for(timeout=30_000)
    page.locator("#strava-connect").click()
    link = page.locator("#strava-status a", has_text="Open Strava")
    link.wait_for(timeout=30_000)
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{site.strava.base_url}/oauth/authorize?")
    with page.context.expect_page() as opened:
        link.click()
    consent = opened.value
    consent.wait_for_load_state()
    asked = [r for r in site.strava.requests if r.path == "/oauth/authorize"]
    assert asked, "the browser never reached Strava's consent page"
    assert asked[-1].status == 302 and asked[-1].query["client_id"] == str(site.strava.client_id)
    assert "connected" in consent.locator("body").inner_text().lower()
    page.locator("#strava-status").get_by_text("is connected").wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "strava_connected.png"))
    with site.db.session() as session:
        tokens = get_token(session, bob, bob.id)
        assert tokens is not None and tokens.access_token in site.strava.issued
    with site.db.engine.connect() as connection:
        stored = connection.execute(
            text("SELECT access_token, refresh_token FROM strava_tokens WHERE user_id = :u"),
            {"u": bob.id},
        ).one()
    assert all(value.startswith("fernet:") for value in stored)
    assert tokens.access_token not in "".join(stored)


def test_plan_tab_shows_the_calendar_and_downloads_it(
    page: Any, site: Site, shared_data: Path
) -> None:
    """Bob's stored plan (made from the real 908-run series) on the Plan tab: the week calendar,
    and the .ics and FIT downloads through the browser, decoded here."""
    import csv
    import io
    import zipfile
    from datetime import date, datetime

    from storage.plans import save_plan
    from tools.plans.build import build_plan

    series = shared_data / "activity_files/series/dblock_runs_summary_2017-2025.csv"
    runs = [
        (
            datetime.fromisoformat(r["start_date_local"].replace("Z", "")).date(),
            float(r["distance"]) / 1000,
        )
        for r in csv.DictReader(series.open())
    ]
    plan = build_plan(runs, date(2025, 10, 19), weeks=2)
    bob = site.users["bob"]
    with site.db.session() as session:
        save_plan(session, bob, bob.id, plan.to_json(), start=str(plan.start), end=str(plan.end))
    login(page, site.server.url, "bob", "bob-pass-1")
    wait_logged_in(page)
    page.get_by_role("tab", name="Plan").click()
    page.locator("#plan-summary").get_by_text("plan from 2025-10-20").wait_for(timeout=60_000)
    calendar = page.locator("#plan-calendar").inner_text()
    assert "2025-10-20" in calendar and "Long" in calendar and "Rest" in calendar
    assert not re.search(r"\d\.\d{2,}", calendar)  # km to 0.1, never 76.900000
    page.screenshot(path=str(SHOTS / "plan.png"), full_page=True)
    with page.expect_download() as got:
        page.locator("#plan-ics").click()
    ics_text = Path(got.value.path()).read_text()
    assert ics_text.count("BEGIN:VEVENT") == len(plan.sessions)
    with page.expect_download() as got:
        page.locator("#plan-fit").click()
    archive = zipfile.ZipFile(got.value.path())
    assert len(archive.namelist()) == sum(1 for s in plan.sessions if s.is_run)
    first = archive.read(sorted(archive.namelist())[0])
    with fitdecode.FitReader(io.BytesIO(first), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
        names = {f.name for f in reader if isinstance(f, fitdecode.FitDataMessage)}
    assert {"file_id", "workout", "workout_step"} <= names
