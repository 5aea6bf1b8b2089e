"""Fair capacity (issue 20, finding 7), attacked as the review did: real servers
(``ui.web.serve`` in a subprocess) driven over HTTP, and the real job queue with real imports.

- One address cannot create accounts by the dozen: the fourth sign-up in the window gets 429
  with ``Retry-After``.
- A forged ``X-Forwarded-For`` does not dodge the per-address login limit; behind a proxy named
  in ``COACHG_TRUSTED_PROXIES`` the forwarded address is the one counted.
- Big jobs never fill every worker: another person's small import runs while two people's big
  imports are queued.
- An upload over the storage quota (or over a file's size limit) is refused in words and left
  nowhere on disk.
- A password can be changed, on the web only with the current one; the old one then fails.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from storage.db import Database
from storage.settings import Settings
from storage.users import create_user, get_user
from tests.browser import keep_router_embeddings, running_server
from tests.conftest import password_hash
from tests.test_jobs_web import call, upload
from tools.context import ToolContext
from tools.jobs.runner import JobRunner

PASSWORDS = {"ann": "ann-pass-1", "pat": "pat-pass-1"}
SMALL_FIT = "fitparse__activity-small-fenix2-run.fit"  # 121,839 bytes
OTHER_FIT = "fitparse__developer-types-sample.fit"  # 147,940 bytes
BIG_GPX = "sweatpy__4801048867_strava.gpx"  # 1,487,790 bytes


@dataclass
class Running:
    url: str
    home: Path
    db: Database
    ids: dict[str, int]


def _server(home: Path, env: dict[str, str]) -> Iterator[Running]:
    url = f"sqlite:///{home / 'coachg.db'}"
    home.mkdir(parents=True)
    db = Database(url)
    ids = {}
    with db.session() as session:
        for name, password in PASSWORDS.items():
            ids[name] = create_user(session, name, password=password).id
    keep_router_embeddings(home)
    with running_server(home, url, env={"COACHG_LLM": "rules", **env}) as server:
        yield Running(server.url, home, db, ids)
    db.dispose()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server as installed: no proxy trusted, default limits."""
    yield from _server(tmp_path_factory.mktemp("plain") / "home", {})


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server behind a proxy on loopback (``COACHG_TRUSTED_PROXIES``), with a tiny storage
    quota (0.15 MB: one of the small real FIT files fits, two do not) and a 1 MB GPX limit.
    Each test speaks from its own forwarded address, so their throttles stay apart."""
    env = {
        "COACHG_TRUSTED_PROXIES": "127.0.0.1",
        "COACHG_MEDIA_QUOTA_MB": "0.15",
        "COACHG_IMPORT_MAX_XML_MB": "1",
    }
    yield from _server(tmp_path_factory.mktemp("proxied") / "home", env)


def signup(url: str, name: str, headers: dict[str, str] | None = None) -> requests.Response:
    form = {"name": name, "password": "long-pass-1", "confirm": "long-pass-1", "role": "athlete"}
    return requests.post(f"{url}/signup", data=form, headers=headers or {}, timeout=30)


def login(url: str, name: str, password: str, address: str = "") -> requests.Response:
    headers = {"X-Forwarded-For": address} if address else {}
    form = {"username": name, "password": password}
    return requests.post(f"{url}/login", data=form, headers=headers, timeout=30)


def session_for(url: str, name: str, address: str) -> requests.Session:
    client = requests.Session()
    client.headers["X-Forwarded-For"] = address
    answer = client.post(f"{url}/login", data={"username": name, "password": PASSWORDS[name]})
    assert answer.status_code == 200, answer.text
    return client


def final_text(client: requests.Session, url: str, api: str, data: list) -> str:
    events = call(client, url, api, data)
    assert events.done.wait(120), events.text()[-2000:]
    return events.text()


# -- sign-up and login throttles ------------------------------------------------------------


def test_one_address_cannot_create_accounts_by_the_dozen(plain: Running) -> None:
    answers = [signup(plain.url, f"fcsignup{letter}") for letter in "abcd"]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    refused = answers[3]
    assert refused.status_code == 429, refused.text[-500:]
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert "Too many accounts were created from your address" in refused.text
    with plain.db.session() as session:
        assert get_user(session, "fcsignupd") is None  # the fourth account was not made


def test_a_forged_forwarded_for_does_not_dodge_the_login_limit(plain: Running) -> None:
    """21 wrong passwords for 21 names, each claiming another address: the socket's address
    is the one counted, so the 21st is refused."""
    answers = [
        login(plain.url, f"nobody{n}", "wrong-pass-1", address=f"198.51.100.{n}") for n in range(21)
    ]
    assert [a.status_code for a in answers[:20]] == [400] * 20
    assert answers[20].status_code == 429, answers[20].text
    assert "from your address" in answers[20].json()["detail"]
    assert int(answers[20].headers["Retry-After"]) >= 1


def test_a_trusted_proxys_forwarded_address_is_the_one_throttled(proxied: Running) -> None:
    forwarded = {"X-Forwarded-For": "203.0.113.5"}
    made = [signup(proxied.url, f"fcproxied{letter}", forwarded) for letter in "abc"]
    assert [a.status_code for a in made] == [200, 200, 200]
    assert signup(proxied.url, "fcproxiedd", forwarded).status_code == 429
    # Another client behind the same proxy is another address.
    other = signup(proxied.url, "fcproxiede", {"X-Forwarded-For": "203.0.113.6"})
    assert other.status_code == 200, other.text[-500:]

    answers = [
        login(proxied.url, f"nobody{n}", "wrong-pass-1", address="203.0.113.7") for n in range(21)
    ]
    assert answers[20].status_code == 429
    assert login(proxied.url, "nobody99", "wrong-pass-1", "203.0.113.8").status_code == 400


# -- the job workers ------------------------------------------------------------------------


def test_another_users_small_import_runs_while_big_imports_wait(
    db: Database, shared_data: Path, tmp_path: Path
) -> None:
    """Two workers; Ann queues two big imports (4 copies of a real 1.4 MB GPX: 5.7 MB, over
    ``COACHG_QUEUE_HEAVY_MB``, here 4), Bob one, then Dee a small real FIT file. Dee's import is
    done
    before either big import that was running when she asked: big jobs leave a worker free."""
    gpx = shared_data / "activity_files" / "gpx" / BIG_GPX
    fit = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-run.fit"

    def big(name: str) -> list[str]:
        folder = tmp_path / name
        folder.mkdir()
        copies = [folder / f"copy{n}.gpx" for n in range(4)]
        for copy in copies:
            shutil.copyfile(gpx, copy)
        return [str(copy) for copy in copies]

    with db.session() as session:
        ann, bob, dee = (create_user(session, name) for name in ("ann", "bob", "dee"))
        for user in (ann, bob, dee):
            user.password_hash = password_hash(f"{user.name}-pass-1")
    settings = Settings(home=tmp_path / "home", database_url=db.url, queue_heavy_mb=4)
    runner = JobRunner(db, settings, workers=2).start()
    done: dict[str, float] = {}

    def submit(user, paths: list[str], label: str) -> threading.Thread:
        ctx = ToolContext(db=db, actor=user, settings=settings)
        job = runner.submit("import_paths", ctx, paths=paths)

        def wait() -> None:
            job.wait()  # raises the job's error, if any
            done[label] = time.monotonic()

        thread = threading.Thread(target=wait, daemon=True)
        thread.start()
        return thread

    try:
        started = time.monotonic()
        waits = [submit(ann, big("ann1"), "ann1"), submit(bob, big("bob1"), "bob1")]
        waits.append(submit(ann, big("ann2"), "ann2"))
        time.sleep(0.5)  # the big ones have taken the workers they may take
        asked = time.monotonic()
        waits.append(submit(dee, [str(fit)], "dee"))
        for thread in waits:
            thread.join(60)
        assert set(done) == {"ann1", "bob1", "ann2"} | {"dee"}, done
        first_big = min(done["ann1"], done["bob1"])
        assert done["dee"] < first_big, (
            f"Dee's small import waited {done['dee'] - asked:.1f} s, until a big import "
            f"finished ({first_big - started:.1f} s after they started)"
        )
        assert done["dee"] - asked < 5
        assert time.monotonic() - started < 40
    finally:
        runner.stop()


# -- storage quota --------------------------------------------------------------------------


def _cached(client: requests.Session, url: str, path: Path) -> dict:
    sent = upload(client, url, path)
    assert Path(sent["path"]).is_file()
    return sent


def test_an_upload_over_the_quota_or_a_size_limit_is_refused_and_deleted(
    proxied: Running, shared_data: Path
) -> None:
    ann = session_for(proxied.url, "ann", "203.0.113.20")
    imports = proxied.home / "media" / str(proxied.ids["ann"]) / "imports"
    folder = shared_data / "activity_files"

    first = _cached(ann, proxied.url, folder / "fit" / SMALL_FIT)
    text = final_text(ann, proxied.url, "import", [[first], None])
    assert "Imported" in text or "imported" in text, text[-1500:]
    kept = sorted(p.name for p in imports.rglob("*") if p.is_file())
    assert kept == [SMALL_FIT]

    second = _cached(ann, proxied.url, folder / "fit" / OTHER_FIT)
    text = final_text(ann, proxied.url, "import", [[second], None])
    assert "Storage quota: this account keeps 119 KB" in text, text[-1500:]
    assert "would pass the 154 KB each account may keep; nothing was kept" in text
    assert not Path(second["path"]).exists()  # not left in the upload cache
    assert sorted(p.name for p in imports.rglob("*") if p.is_file()) == [SMALL_FIT]

    # the same file attached to a chat message: refused in the same words, and deleted
    again = _cached(ann, proxied.url, folder / "fit" / OTHER_FIT)
    message = {"text": "import this", "files": [again]}
    text = final_text(ann, proxied.url, "chat", [message, None])
    assert "Storage quota: this account keeps 119 KB" in text, text[-1500:]
    assert not Path(again["path"]).exists()
    assert sorted(p.name for p in imports.rglob("*") if p.is_file()) == [SMALL_FIT]

    too_big = _cached(ann, proxied.url, folder / "gpx" / BIG_GPX)
    text = final_text(ann, proxied.url, "import", [[too_big], None])
    assert "over the 1.0 MB limit for one file" in text, text[-1500:]
    assert not Path(too_big["path"]).exists()
    assert sorted(p.name for p in imports.rglob("*") if p.is_file()) == [SMALL_FIT]
    ann.close()


# -- password change ------------------------------------------------------------------------


def test_a_password_change_needs_the_old_one_and_the_old_one_then_fails(
    proxied: Running,
) -> None:
    address = "203.0.113.30"
    pat = session_for(proxied.url, "pat", address)
    text = final_text(
        pat, proxied.url, "change_password", ["not-my-pass", "pat-new-pass-2", "pat-new-pass-2"]
    )
    assert "current password is wrong" in text, text[-1000:]
    assert login(proxied.url, "pat", "pat-pass-1", address).status_code == 200

    text = final_text(
        pat, proxied.url, "change_password", ["pat-pass-1", "pat-new-pass-2", "pat-new-pass-2"]
    )
    assert "password is **changed**" in text, text[-1000:]
    assert login(proxied.url, "pat", "pat-pass-1", address).status_code == 400
    assert login(proxied.url, "pat", "pat-new-pass-2", address).status_code == 200
    pat.close()


def test_the_owner_sets_a_password_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storage.users import authenticate
    from ui import cli

    home = tmp_path / "home"
    url = f"sqlite:///{home / 'coachg.db'}"
    monkeypatch.setenv("COACHG_HOME", str(home))
    monkeypatch.setenv("COACHG_DATABASE_URL", url)
    assert cli.main(["users", "add", "kim", "--password", "kim-pass-1"]) == 0
    assert cli.main(["users", "passwd", "kim", "--password", "short"]) == 2
    assert cli.main(["users", "passwd", "kim", "--password", "kim-pass-2"]) == 0
    db = Database(url)
    with db.session() as session:
        assert authenticate(session, "kim", "kim-pass-1") is None
        assert authenticate(session, "kim", "kim-pass-2") is not None
    db.dispose()
