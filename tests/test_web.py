"""The web app's server-side rules, without a browser: who may ask about whom, which files a
request may name, how artifacts are published, and the sign-up checks."""

from __future__ import annotations

import os
from pathlib import Path

import gradio as gr
import pytest

from storage.access import AccessDenied
from storage.db import Database
from storage.settings import Settings
from tests.conftest import People
from ui.web_chat import NOT_UPLOADED, ChatHandler, percent, progress_line
from ui.web_files import cache_folder, is_upload, keep_upload, publish, safe_name
from ui.web_session import FROM_MESSAGE, athlete_choices, resolve_athlete
from ui.web_signup import MIN_PASSWORD, problem_with


@pytest.fixture
def gradio_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Gradio's upload folder, in a temp folder of its own."""
    folder = tmp_path / "gradio-cache"
    folder.mkdir()
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder.resolve()


def test_athlete_asks_only_about_themselves(db: Database, people: People) -> None:
    assert resolve_athlete(db, people.ann, "ann") == people.ann.id
    assert resolve_athlete(db, people.ann, None) == people.ann.id
    with pytest.raises(AccessDenied):
        resolve_athlete(db, people.ann, "bob")


def test_coach_reaches_linked_athletes_only(db: Database, people: People) -> None:
    assert resolve_athlete(db, people.cora, "ann") == people.ann.id
    assert resolve_athlete(db, people.cora, "cora") == people.cora.id
    assert resolve_athlete(db, people.cora, FROM_MESSAGE) is None
    with pytest.raises(AccessDenied) as not_linked:
        resolve_athlete(db, people.cora, "bob")
    with pytest.raises(AccessDenied) as nobody:
        resolve_athlete(db, people.cora, "no-such-person")
    # The refusal does not reveal whether the person exists.
    assert str(not_linked.value) == str(nobody.value)
    assert "bob" not in str(not_linked.value)


def test_dropdown_lists_a_coachs_athletes_and_no_one_else(db: Database, people: People) -> None:
    values = [value for _, value in athlete_choices(db, people.cora).choices]
    assert values == [FROM_MESSAGE, "cora", "ann"]
    ann_only = athlete_choices(db, people.ann)
    assert [value for _, value in ann_only.choices] == ["ann"]


def test_forged_chat_request_for_another_athlete_is_refused(
    db: Database, people: People, settings: Settings, gradio_cache: Path
) -> None:
    """The dropdown value comes from the browser: a forged one is refused on the server, before
    the agent is reached (no coach is even built) and nothing is stored for Bob."""
    handler = ChatHandler(db, settings, coach=None)
    updates = list(
        handler.respond(
            {"text": "how is my cadence?", "files": []}, [], "bob", gr.Request(username="cora")
        )
    )
    history = updates[-1][0]
    assert history[-1]["role"] == "assistant"
    assert "only see your own data" in history[-1]["content"]
    assert handler._coach is None
    assert not (settings.media_dir / str(people.bob.id)).exists()


def test_forged_attachment_path_is_refused(
    db: Database, people: People, settings: Settings, gradio_cache: Path, tmp_path: Path
) -> None:
    """A request naming a file that was not uploaded (say, another athlete's video) is refused."""
    bobs_video = settings.media_dir / str(people.bob.id) / "uploads" / "run.mp4"
    bobs_video.parent.mkdir(parents=True)
    bobs_video.write_bytes(b"bob's private video")
    handler = ChatHandler(db, settings, coach=None)
    updates = list(
        handler.respond(
            {"text": "analyze my run video", "files": [str(bobs_video)]},
            [],
            "ann",
            gr.Request(username="ann"),
        )
    )
    assert updates[-1][0][-1]["content"] == NOT_UPLOADED
    assert handler._coach is None
    assert not (settings.media_dir / str(people.ann.id) / "uploads").exists()


def test_not_logged_in_is_an_error(db: Database, people: People, settings: Settings) -> None:
    handler = ChatHandler(db, settings, coach=None)
    with pytest.raises(gr.Error):
        list(handler.respond({"text": "hi"}, [], None, gr.Request()))


def test_upload_check_accepts_only_gradio_uploads(gradio_cache: Path, tmp_path: Path) -> None:
    uploaded = gradio_cache / "abc123" / "clip.mp4"
    uploaded.parent.mkdir()
    uploaded.write_bytes(b"x")
    elsewhere = tmp_path / "clip.mp4"
    elsewhere.write_bytes(b"x")
    assert is_upload(uploaded)
    assert not is_upload(elsewhere)
    assert not is_upload(gradio_cache / "abc123" / ".." / ".." / "clip.mp4")
    assert not is_upload(gradio_cache / "missing.mp4")


def test_kept_upload_stays_in_the_media_folder(tmp_path: Path) -> None:
    source = tmp_path / "my run (1).mp4"
    source.write_bytes(b"video bytes")
    media = tmp_path / "media" / "7"
    kept = keep_upload(source, media)
    assert kept.read_bytes() == b"video bytes"
    assert kept.resolve().is_relative_to(media.resolve())
    assert kept.name == "my_run_1_.mp4"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("...") == "upload"


def test_published_artifacts_have_unguessable_private_addresses(
    gradio_cache: Path, tmp_path: Path
) -> None:
    plot = tmp_path / "media" / "7" / "gait" / "metrics_plot.png"
    plot.parent.mkdir(parents=True)
    plot.write_bytes(b"\x89PNG fake-but-real bytes")
    first, second = Path(publish(plot, 7)), Path(publish(plot, 7))
    assert cache_folder() == gradio_cache
    for copy in (first, second):
        assert copy.read_bytes() == plot.read_bytes()
        assert copy.parent.parent == gradio_cache
        assert copy.name == "metrics_plot.png"
        token = copy.parent.name.removeprefix("coachg-")
        assert len(token) >= 32  # 24 random bytes, URL-safe base64
        assert oct(os.stat(copy.parent).st_mode)[-3:] == "700"
    assert first.parent != second.parent
    assert "/7/" not in str(first)  # the athlete's id is not in the address


def test_progress_line_reads_as_a_percentage() -> None:
    assert percent(0.424) == "42%"
    assert percent(1.7) == "100%"
    assert percent(-1) == "0%"
    assert progress_line(0.5, "tracking the runner") == "⏳ Working… 50% - tracking the runner"
    assert "Working" in progress_line(None, "")


@pytest.mark.parametrize(
    ("name", "password", "confirm", "role", "wanted"),
    [
        ("ann", "x" * MIN_PASSWORD, "x" * MIN_PASSWORD, "athlete", ""),
        ("coach.jo", "x" * MIN_PASSWORD, "x" * MIN_PASSWORD, "coach", ""),
        ("a", "x" * MIN_PASSWORD, "x" * MIN_PASSWORD, "athlete", "user name"),
        ("ann smith", "x" * MIN_PASSWORD, "x" * MIN_PASSWORD, "athlete", "user name"),
        ("ann", "short", "short", "athlete", "password of at least"),
        ("ann", "x" * MIN_PASSWORD, "y" * MIN_PASSWORD, "athlete", "differ"),
        ("ann", "x" * MIN_PASSWORD, "x" * MIN_PASSWORD, "admin", "athlete or coach"),
    ],
)
def test_signup_checks_say_what_to_do(
    name: str, password: str, confirm: str, role: str, wanted: str
) -> None:
    problem = problem_with(name, password, confirm, role)
    assert (wanted in problem) if wanted else problem == ""


def test_a_page_session_stays_with_the_login_that_opened_it(
    db: Database, people: People, settings: Settings
) -> None:
    """Even without the web guard in front, the chat handler refuses a session that another
    login opened: Bob naming Ann's session id gets an error, never her conversation."""
    handler = ChatHandler(db, settings, coach=None)
    ann_page = gr.Request(username="ann", session_hash="s-ann")
    handler.sessions.check(ann_page, people.ann)  # the page load, as ui/web.py does
    anns = [{"role": "user", "content": "my secret long run"}]
    bob_forged = gr.Request(username="bob", session_hash="s-ann")
    with pytest.raises(gr.Error, match="another login"):
        next(handler.respond({"text": ""}, anns, None, bob_forged))
    empty = next(handler.respond({"text": ""}, anns, None, ann_page))
    assert empty[0] == anns  # Ann's own session goes on as before
