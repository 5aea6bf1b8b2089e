"""The files a reply showed (annotated video, key frames, plots) come back with the chat history
after logging out and in, on the real server over HTTP, and only to whom may see them: the
athlete and their coach, never another athlete."""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from pathlib import Path
from urllib.parse import unquote

import cv2
import pytest
import requests

from storage.chat import add_message
from tests.browser import chromium, wait_logged_in
from tests.browser import login as browser_login
from tests.conftest import SharedServer
from tests.test_gait_helpers import VIDEO, require
from tools.gait.video_io import iter_frames, probe_video
from tools.gait.video_writer import VideoSink

PASSWORDS = {"ann": "ann-pass-1", "bob": "bob-pass-1", "cora": "cora-pass-1", "tess": "tess-pass-1"}
REPLY = "I analysed 31 steps of your running, filmed from the side."


def login(server: SharedServer, name: str) -> requests.Session:
    client = requests.Session()
    answer = client.post(
        f"{server.server.url}/login", data={"username": name, "password": PASSWORDS[name]}
    )
    assert answer.status_code == 200, answer.text
    return client


def page_history(server: SharedServer, client: requests.Session) -> str:
    """What the page's load event sends this login (its chat history), as text."""
    url = server.server.url
    session_hash = secrets.token_hex(8)
    config = client.get(f"{url}/config").json()
    load = next(d["id"] for d in config["dependencies"] if d.get("api_name") == "on_load")
    joined = client.post(
        f"{url}/gradio_api/queue/join",
        json={"data": [], "fn_index": load, "session_hash": session_hash, "trigger_id": None},
    )
    assert joined.status_code == 200, joined.text
    lines = []
    queue = f"{url}/gradio_api/queue/data?session_hash={session_hash}"
    with client.get(queue, stream=True, timeout=120) as answer:
        assert answer.status_code == 200, answer.text
        for line in answer.iter_lines(decode_unicode=True):
            lines.append(line or "")
            if line and "process_completed" in line:
                break
    return "\n".join(lines)


def shown_files(history: str) -> list[str]:
    """The paths of the files the history shows (Gradio's file data)."""
    return sorted(set(re.findall(r'"path":\s*"([^"]+coachg-[^"]+)"', history)))


def files_of_reply(history: str) -> list[str]:
    """The files shown with the stored :data:`REPLY` only (the shared server's Ann may have
    other analyses in her history from other tests)."""
    after = history[history.index(REPLY) :]
    return shown_files(re.split(r'"role":\s*"user"', after, maxsplit=1)[0])


@pytest.fixture(scope="module")
def analysed(web_server: SharedServer) -> dict[str, Path]:
    """A stored reply of Ann's with a key frame and an annotated clip made from the real clip,
    in her media folder as an analysis leaves them; and a forged one naming Bob's file."""
    assert web_server.passwords == PASSWORDS
    info = probe_video(require(VIDEO))
    frames = [frame for _, frame in iter_frames(info, stop=12, max_side=480)]
    ann_dir = web_server.home / "media" / str(web_server.users["ann"].id) / "gait" / "run1"
    ann_dir.mkdir(parents=True, exist_ok=True)
    image = ann_dir / "contact_left_002.73s.png"  # a key frame's size: 700 px wide
    cv2.imwrite(str(image), cv2.resize(frames[0], (700, 1244)))
    video = ann_dir / "annotated.webm"
    height, width = frames[0].shape[:2]
    with VideoSink(video, 30.0, (width - width % 2, height - height % 2)) as sink:
        for frame in frames:
            sink.write(frame[: height - height % 2, : width - width % 2])
    bob_dir = web_server.home / "media" / str(web_server.users["bob"].id) / "gait" / "run2"
    bob_dir.mkdir(parents=True, exist_ok=True)
    bobs = bob_dir / "plot_rhythm.png"
    cv2.imwrite(str(bobs), frames[5])
    with web_server.db.session() as session:
        ann = web_server.users["ann"]
        add_message(session, ann, "user", "analyze my run video", athlete_id=ann.id)
        add_message(
            session,
            ann,
            "assistant",
            REPLY,
            athlete_id=ann.id,
            artifacts=[
                {"path": str(video), "kind": "video", "title": "annotated video"},
                {"path": str(image), "kind": "image", "title": "key frame 1"},
                {"path": str(bobs), "kind": "image", "title": "not hers"},
            ],
        )
    return {"image": image, "video": video, "bobs": bobs}


def test_media_come_back_after_logging_in_again(
    web_server: SharedServer, analysed: dict[str, Path]
) -> None:
    url = web_server.server.url
    first = page_history(web_server, login(web_server, "ann"))
    assert REPLY in first
    files = files_of_reply(first)
    assert len(files) == 2, first  # the video and the key frame; never Bob's plot
    assert "not hers" not in first
    assert all("/media/" not in unquote(f) for f in shown_files(first))
    ann = login(web_server, "ann")  # logged out and in: a new login session
    again = files_of_reply(page_history(web_server, ann))
    assert again == files  # the same private copies, not new ones each time
    served = {Path(f).suffix: ann.get(f"{url}/gradio_api/file={f}") for f in again}
    assert served[".png"].content == analysed["image"].read_bytes()
    assert served[".webm"].content == analysed["video"].read_bytes()
    assert served[".webm"].headers["content-type"].startswith("video/")


def test_only_the_athlete_and_her_coach_get_them(
    web_server: SharedServer, analysed: dict[str, Path]
) -> None:
    url = web_server.server.url
    files = shown_files(page_history(web_server, login(web_server, "ann")))
    assert files
    bob, cora = login(web_server, "bob"), login(web_server, "cora")
    for f in files:
        assert cora.get(f"{url}/gradio_api/file={f}").status_code == 200  # Ann's coach
        assert bob.get(f"{url}/gradio_api/file={f}").status_code == 403
        assert requests.get(f"{url}/gradio_api/file={f}").status_code == 401
    # Bob's own history holds none of Ann's messages, so none of her files
    assert REPLY not in json.dumps(page_history(web_server, bob))


@pytest.mark.browser
def test_the_page_shows_them_at_chat_width(
    web_server: SharedServer, analysed: dict[str, Path]
) -> None:
    """In Chromium, after logging in: the key frame is shown about as wide as it was made (not
    squeezed to a thumbnail), and the annotated clip plays."""
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
        browser_login(page, web_server.server.url, "ann", PASSWORDS["ann"])
        wait_logged_in(page)
        image = page.locator("#chat img").last
        image.wait_for(timeout=30_000)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        box = image.bounding_box()
        assert box is not None and box["width"] >= 600, box
        video = page.locator("#chat video").last
        played = video.evaluate(
            """video => new Promise(done => {
                if (video.readyState >= 2) return done(video.videoWidth);
                video.addEventListener("loadeddata", () => done(video.videoWidth), {once: true});
                video.addEventListener("error", () => done(-1), {once: true});
                video.load();
            })"""
        )
        assert played > 0
        shots = Path(tempfile.gettempdir()) / "coachg-browser"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "media_history.png"))
