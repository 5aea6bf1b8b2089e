"""Issue 20, item 4 and the smaller items: files owned in the database, names that pass for others.

- **Upload ownership survives a restart**: Ann uploads the real side-view run video and a real
  GPX to a real server; the server is stopped and started again on the same database and
  ``COACHG_HOME``; Ann still downloads her video and may still name her GPX as a call's input,
  while Bob (and Ann's coach: an upload is its uploader's alone) gets 403 for both.
- **Lookalike names** (``bob.``, ``b0b``, ``te55``, a Cyrillic ``о``) and names with a
  right-to-left override or other invisible characters are refused by the one name policy, by
  :func:`storage.users.create_user` and by the real web sign-up.
- **An upload named ``..x``** gets words that say what to do, not a bare "Error".
- **A coach asking for an unlinked athlete's squat PR** is refused, not answered with their own
  empty history.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from storage.access import DENIED
from storage.account_policy import HIDDEN_CHARACTERS, account_problem, name_problem, skeleton
from storage.db import Database
from storage.settings import Settings
from storage.users import create_user, get_user
from tests.browser import Server, keep_router_embeddings, running_server
from tests.conftest import People, SharedServer, add_logins
from tests.test_web_attacks import Site, read

VIDEO = "video/male_side_treadmill_30fps.mp4"
GPX = "activity_files/gpx/sweatpy__activity_5039744860.gpx"
PASSWORDS = {"ann": "ann-pass-1", "bob": "bob-pass-1", "cora": "cora-pass-1"}
META = {"_type": "gradio.FileData"}


# -- item 4: who owns an upload is kept in the database ------------------------------------------


@dataclass
class Restartable:
    """A server of its own (it is restarted) on one database and one ``COACHG_HOME``."""

    home: Path
    url: str
    running: AbstractContextManager[Server] | None = None
    server: Server | None = None

    def start(self) -> Site:
        self.running = running_server(self.home, self.url, env={"COACHG_LLM": "rules"})
        self.server = self.running.__enter__()
        return Site(self.server.url, PASSWORDS)

    def stop(self, *, crash: bool = False) -> None:
        """Stop the server; ``crash``: killed (a crash, an out-of-memory kill, a power cut),
        so Gradio has no time to delete its cache as it does on a clean stop."""
        if self.server is not None and crash:
            self.server.process.kill()
            self.server.process.wait(10)
        if self.running is not None:
            self.running.__exit__(None, None, None)
        self.running = self.server = None


@pytest.fixture
def restartable(tmp_path: Path) -> Iterator[Restartable]:
    home = tmp_path / "home"
    url = f"sqlite:///{home / 'coachg.db'}"
    db = Database(url)
    add_logins(db, PASSWORDS)
    db.dispose()
    keep_router_embeddings(home)
    made = Restartable(home, url)
    yield made
    made.stop()


def upload(site: Site, client: requests.Session, path: Path) -> str:
    answer = client.post(
        f"{site.url}/gradio_api/upload", files={"files": (path.name, path.read_bytes())}
    )
    assert answer.status_code == 200, answer.text
    (stored,) = answer.json()
    return stored


def test_an_upload_stays_its_uploaders_alone_after_a_restart(
    restartable: Restartable, shared_data: Path
) -> None:
    """Issue 20, item 4: after a restart, Ann's upload is still hers (she downloads it and may
    import it) and still nobody else's (Bob and her coach get 403 for both). The server is
    killed, as in the report: a clean stop has Gradio delete its cache, uploads included."""
    video, gpx = shared_data / VIDEO, shared_data / GPX
    site = restartable.start()
    ann = site.login("ann")
    her_video, her_gpx = upload(site, ann, video), upload(site, ann, gpx)
    fetched = ann.get(f"{site.url}/gradio_api/file={her_video}")
    assert fetched.status_code == 200 and fetched.content == video.read_bytes()
    assert site.login("bob").get(f"{site.url}/gradio_api/file={her_video}").status_code == 403

    restartable.stop(crash=True)
    assert Path(her_video).is_file()  # still on disk: only the guard stands in the way
    site = restartable.start()
    ann, bob, cora = site.login("ann"), site.login("bob"), site.login("cora")
    fetched = ann.get(f"{site.url}/gradio_api/file={her_video}")
    assert fetched.status_code == 200, fetched.text[:300]
    assert len(fetched.content) == 1_869_047 and fetched.content == video.read_bytes()
    for other in (bob, cora):
        stolen = other.get(f"{site.url}/gradio_api/file={her_video}")
        assert stolen.status_code == 403 and len(stolen.content) < 1000, stolen.status_code
        files = [{"path": her_gpx, "orig_name": gpx.name, "meta": META}]
        taken = other.post(f"{site.url}/gradio_api/call/import", json={"data": [files, None]})
        assert taken.status_code == 403, taken.text
    files = [{"path": her_gpx, "orig_name": gpx.name, "meta": META}]
    mine = ann.post(f"{site.url}/gradio_api/call/import", json={"data": [files, None]})
    assert mine.status_code == 200, mine.text
    done = read(ann, f"{site.url}/gradio_api/call/import/{mine.json()['event_id']}")
    assert done.status == 200 and "complete" in done.text, done.text[-500:]


def test_the_table_says_whose_each_file_is(db: Database, people: People, tmp_path: Path) -> None:
    """An upload is its uploader's alone (two people who upload the same file each own it); an
    artifact is its athlete's and their coaches'; a file noted for nobody is nobody's."""
    from storage.uploads import forget_missing, may_fetch, note_artifact, note_upload, uploaded_by

    upload_path, plot, stray = tmp_path / "run.gpx", tmp_path / "plot.png", tmp_path / "x.txt"
    for path in (upload_path, plot, stray):
        path.write_bytes(b"x")
    with db.session() as session:
        note_upload(session, upload_path, people.ann)
        note_upload(session, upload_path, people.ann)  # noted twice: one row
        note_artifact(session, plot, people.ann.id)
    with db.session() as session:
        ann, bob, cora = (get_user(session, n) for n in ("ann", "bob", "cora"))
        assert may_fetch(session, upload_path, ann) is True
        assert may_fetch(session, tmp_path / "." / "run.gpx", ann) is True  # one key per file
        assert may_fetch(session, upload_path, bob) is False
        assert may_fetch(session, upload_path, cora) is False  # an upload is not an artifact
        assert uploaded_by(session, upload_path, ann) and not uploaded_by(session, plot, ann)
        assert may_fetch(session, plot, ann) and may_fetch(session, plot, cora)
        assert may_fetch(session, plot, bob) is False
        assert may_fetch(session, stray, ann) is None
        note_upload(session, upload_path, bob)  # Bob uploads the same bytes: his too
        assert may_fetch(session, upload_path, bob) and may_fetch(session, upload_path, ann)
    plot.unlink()  # Gradio deleted it (a clean stop, or its age)
    with db.session() as session:
        assert forget_missing(session) == 1
        assert may_fetch(session, plot, get_user(session, "ann")) is None


def test_a_published_artifact_is_noted_in_the_database(
    db: Database, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.uploads import may_fetch
    from ui.web_files import publish

    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "cache"))
    plot = tmp_path / "plot.png"
    plot.write_bytes(b"png")
    published = publish(plot, people.ann.id, db=db)
    with db.session() as session:
        cora, bob = get_user(session, "cora"), get_user(session, "bob")
        assert may_fetch(session, published, cora) is True
        assert may_fetch(session, published, bob) is False


# -- smaller: names that pass for others -------------------------------------------------------

LOOKALIKES = [("bob.", "bob"), ("b0b", "bob"), ("b-o-b", "bob"), ("te55", "tess"), ("c0ra", "cora")]
CYRILLIC_BOB = "b\u043eb"  # a Cyrillic о between two Latin b
HIDDEN = ["\u202ebob", "an\u202en", "bob\u200b", "b\u2066ob", "ann\u200f"]


@pytest.mark.parametrize(("name", "existing"), LOOKALIKES)
def test_a_name_that_reads_like_an_existing_one_is_refused(name: str, existing: str) -> None:
    good = "x" * 12
    assert skeleton(name) == skeleton(existing)
    problem = account_problem(name, good, signing_up=True, taken=["ann", existing])
    assert f"existing name {existing!r}" in problem, problem
    assert account_problem("bobby", good, signing_up=True, taken=["ann", existing]) == ""


def test_letters_of_other_alphabets_and_hidden_characters_get_their_own_words() -> None:
    for name in (CYRILLIC_BOB, "\uff42\uff4f\uff42", "\u0430nn"):  # full-width; Cyrillic а
        problem = name_problem(name, signing_up=True)
        assert "pass for plain ones" in problem, (name, problem)
    for name in HIDDEN:
        assert name_problem(name, signing_up=True) == HIDDEN_CHARACTERS, repr(name)
    assert "reserved" in name_problem("adm1n", signing_up=True)
    assert "reserved" in name_problem("r00t", signing_up=True)


def test_create_user_refuses_lookalikes_and_hidden_characters(db: Database, people: People) -> None:
    """Whoever creates the account (``coachg users add``, the web sign-up), the store refuses
    a name that reads like an existing one."""
    for name in ("bob.", "B0B", "c0ra", "ann_", "\u202eann"):
        with db.session() as session, pytest.raises(ValueError):
            create_user(session, name, password="long-enough-1")
        with db.session() as session:
            assert get_user(session, name) is None
    with db.session() as session:
        assert create_user(session, "bobby").name == "bobby"


def test_the_web_sign_up_refuses_lookalikes(web_server: SharedServer) -> None:
    """The real ``/signup`` of the shared server (Ann, Bob, Cora and Tess exist): each
    lookalike is refused and no account is made; a name with a Cyrillic letter or a
    right-to-left override is refused with words that say why."""
    url = web_server.server.url
    password = "a-good-password-1"

    def sign_up(name: str) -> requests.Response:
        form = {"name": name, "password": password, "confirm": password, "role": "athlete"}
        return requests.post(f"{url}/signup", data=form, timeout=30)

    for name, _ in LOOKALIKES:
        answer = sign_up(name)  # 429: this address's sign-ups are spent; still none made
        assert answer.status_code in (400, 409, 429), (name, answer.status_code)
        with web_server.db.session() as session:
            assert get_user(session, name) is None, name
        login = requests.post(f"{url}/login", data={"username": name, "password": password})
        assert login.status_code != 200, name
    answer = sign_up(CYRILLIC_BOB)
    assert answer.status_code == 400 and "pass for plain ones" in answer.text, answer.text[-600:]
    answer = sign_up("\u202ebob")
    assert answer.status_code == 400 and "text-direction" in answer.text, answer.text[-600:]


# -- smaller: an upload named "..x" ----------------------------------------------------------


def test_an_upload_named_dot_dot_x_gets_words(web_server: SharedServer) -> None:
    """Issue 20: a file named ``..x`` sent to the chat (or the import) got a bare "Error"
    (Gradio's "Invalid file type: None"); now the answer names the file and says what to do.
    A real run sent the same way is still taken."""
    site = Site(web_server.server.url, web_server.passwords)
    ann = site.login("ann")
    for name in ("..x", "notes", "..gpx"):
        stored = upload(site, ann, _named(web_server.home, name, b"not a run"))
        files = [{"path": stored, "orig_name": name, "meta": META}]
        for api, data in (
            ("chat", [{"text": "analyse this", "files": files}, None]),
            ("import", [files, None]),
        ):
            answer = ann.post(f"{site.url}/gradio_api/call/{api}", json={"data": data})
            assert answer.status_code == 400, (name, api, answer.status_code, answer.text)
            detail = answer.json()["detail"]
            assert repr(name) in detail and "Rename it" in detail and ".gpx" in detail, detail


def _named(home: Path, name: str, content: bytes) -> Path:
    folder = home / f"named-{secrets.token_hex(4)}"
    folder.mkdir()
    path = folder / name
    path.write_bytes(content)
    return path


# -- smaller: a coach asking for an unlinked athlete's squat PR ----------------------------------


def test_a_coach_asking_for_an_unlinked_athletes_squat_pr_is_refused(
    db: Database, people: People, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cora coaches Ann, not Bob: asking for Bob's squat PR, however it is typed, gets the
    refusal that names no one, never her own (empty) strength history."""
    from agent.coach import Coach

    monkeypatch.setenv("COACHG_LLM", "rules")
    coach = Coach(db, settings)
    for question in (
        "What's Bob's squat PR?",
        "what is bob's squat pr",
        "what's bob's best deadlift",
        "bob's heaviest bench?",
    ):
        reply = coach.turn(people.cora, question)
        assert reply.text.startswith(DENIED), (question, reply.text[:200])
        assert "no strength sessions" not in reply.text, question
