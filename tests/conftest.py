"""Shared fixtures: the real recordings in ../shared/data, and real databases.

Set ``COACHG_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``)
and every test that uses ``db`` runs on SQLite *and* on a fresh PostgreSQL database. Set
``COACHG_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/0``) and the job queue's tests run on a
real Redis too (``.ci/run`` starts one).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent.coach import Coach
from storage.activities import NewActivity, add_activity
from storage.conversation import clear_state, states_of
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, hash_password, link_coach
from tests.browser import Server, keep_router_embeddings, running_server
from tests.worlds import World, build_world
from tools.context import ToolContext
from tools.importing.sources import parse_bytes

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("COACHG_SHARED_DATA", REPO.parent / "shared" / "data"))
POSTGRES_URL = os.environ.get("COACHG_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("COACHG_TEST_REDIS_URL", "")
# Strava tokens are encrypted under a machine key: the tests bring their own (also to the
# servers and commands they start), so none is ever written into the runner's home folder.
os.environ.setdefault("COACHG_SECRET_KEY", Fernet.generate_key().decode())


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real recordings; tests skip with a clear message when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder not found at {SHARED_DATA} (set COACHG_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A real Redis server's URL; tests skip when ``COACHG_TEST_REDIS_URL`` is not set."""
    if not REDIS_URL:
        pytest.skip("no Redis server: set COACHG_TEST_REDIS_URL (as .ci/run does)")
    return REDIS_URL


def _backends() -> list[str]:
    return ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite file: each test's database starts as a copy of it, so the
    migrations run once per session (the migration tests still run them on their copy)."""
    path = tmp_path_factory.mktemp("template") / "coachg.db"
    Database(f"sqlite:///{path}").dispose()  # closing the last connection empties the WAL
    return path


class FreshPostgres:
    """New PostgreSQL databases, each a copy of one migrated per session (``CREATE DATABASE ...
    TEMPLATE``, so the migrations run once). A thread keeps :data:`AHEAD` copies made in
    advance and drops used ones, so the server copies while the tests run."""

    AHEAD = 2

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.template = f"coachg_template_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{self.template}"')
        Database(self.url_of(self.template)).dispose()  # none may stay connected to a template
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coachg-test-pg")
        self._ready = deque(self._thread.submit(self._create) for _ in range(self.AHEAD))
        self._dropped: list[Future[None]] = []

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _sql(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def _create(self) -> str:
        name = f"coachg_test_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def take(self) -> str:
        """The name of a new, migrated, empty database (made ahead, or waited for)."""
        name = self._ready.popleft().result()
        self._ready.append(self._thread.submit(self._create))
        return name

    def drop(self, name: str) -> None:
        self._dropped.append(
            self._thread.submit(self._sql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )

    def close(self) -> None:
        """Drop every database this made (the template last); a failed drop is raised."""
        for made in self._ready:
            self.drop(made.result())
        self._thread.shutdown(wait=True)
        try:
            for dropped in self._dropped:
                dropped.result()
        finally:
            self._sql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
            self.admin.dispose()


@pytest.fixture(scope="session")
def fresh_postgres() -> Iterator[FreshPostgres]:
    made = FreshPostgres(POSTGRES_URL)
    yield made
    made.close()


@pytest.fixture(params=_backends())
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: SQLite in a temp folder, or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "coachg.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        database = Database(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    postgres: FreshPostgres = request.getfixturevalue("fresh_postgres")
    name = postgres.take()
    database = Database(postgres.url_of(name))
    try:
        yield database
    finally:
        database.dispose()
        postgres.drop(name)


@dataclass
class People:
    """Ann and Bob are athletes; Cora coaches Ann only."""

    ann: User
    bob: User
    cora: User


@pytest.fixture(scope="session")
def history_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Real training histories (see :mod:`tests.worlds`), built once for the whole session."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder not found at {SHARED_DATA} (set COACHG_SHARED_DATA)")
    world = build_world(SHARED_DATA, tmp_path_factory.mktemp("histories"))
    yield world
    world.db.dispose()


#: The day the questions about the shared histories are asked (their data ends 19 Oct 2025).
HISTORY_TODAY = date(2026, 12, 7)


@pytest.fixture
def history_coach(history_world: World) -> Coach:
    """Coach G on the shared histories, every conversation of Ann and Cora forgotten first."""
    for user in (history_world.ann, history_world.cora):
        with history_world.db.session() as session:
            for state in states_of(session, user):
                clear_state(session, user, state.subject_id, state.kind)
    return Coach(history_world.db, history_world.settings, today=HISTORY_TODAY)


@cache
def password_hash(password: str) -> str:
    """A real salted hash of ``password`` (``storage.users.hash_password``), made once per
    session: scrypt is slow on purpose, and hundreds of tests start with the same people."""
    return hash_password(password)


@pytest.fixture
def people(db: Database) -> People:
    with db.session() as session:
        ann = create_user(session, "ann")
        bob = create_user(session, "bob")
        cora = create_user(session, "cora", role="coach")
        for user in (ann, bob, cora):
            user.password_hash = password_hash(f"{user.name}-pass-1")
        link_coach(session, cora, ann)
    return People(ann=ann, bob=bob, cora=cora)


@pytest.fixture
def settings(tmp_path: Path, db: Database) -> Settings:
    return Settings(home=tmp_path / "home", database_url=db.url)


@pytest.fixture
def ann_ctx(db: Database, people: People, settings: Settings) -> ToolContext:
    """A tool context for Ann acting on her own data."""
    return ToolContext(db=db, actor=people.ann, settings=settings)


@pytest.fixture(scope="session")
def fit_runs(shared_data: Path) -> list[NewActivity]:
    """The activities of the real FIT files in ``activity_files/fit`` (the damaged ones in
    ``invalid/`` left out), in the order an import of the folder reads them, parsed once per
    session by the importer's own parser (``tools.importing.sources.parse_bytes``)."""
    folder = shared_data / "activity_files" / "fit"
    return [
        new
        for path in sorted(folder.glob("*.fit"))
        for new in parse_bytes(path.read_bytes(), path.name)
    ]


@pytest.fixture
def ann_runs(ann_ctx: ToolContext, fit_runs: list[NewActivity]) -> None:
    """Ann's real FIT runs, stored as an import of the folder stores them (one
    ``add_activity`` per activity, repeats not added twice): the parsing is shared, the
    storing is every test's own."""
    created = 0
    for new in fit_runs:
        with ann_ctx.session() as session:
            created += add_activity(session, ann_ctx.actor, ann_ctx.athlete_id, new)[1]
    assert created > 5


@pytest.fixture(scope="session")
def real_clip_pose() -> tuple:
    """``(VideoInfo, PoseTrack)`` of the real side-view clip: pose runs once per session, and
    every gait test that needs the real clip analyses this track (``analyze_track``)."""
    from tests.test_gait_helpers import VIDEO, require
    from tools.gait.tracking import track_pose
    from tools.gait.video_io import probe_video

    info = probe_video(require(VIDEO))
    return info, track_pose(info)


@dataclass
class SharedServer:
    """The session's one server for the tests that drive it over HTTP: its people, their
    passwords, its database and ``COACHG_HOME``."""

    server: Server
    db: Database
    home: Path
    users: dict[str, User]
    passwords: dict[str, str]


def add_logins(db: Database, passwords: dict[str, str]) -> dict[str, User]:
    """The web tests' logins in ``db``: Cora is a coach of Ann, everyone else an athlete."""
    with db.session() as session:
        users = {
            name: create_user(
                session, name, password=password, role="coach" if name == "cora" else "athlete"
            )
            for name, password in passwords.items()
        }
        link_coach(session, users["cora"], users["ann"])
    return users


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServer]:
    """A real server (``ui.web.serve`` in a subprocess, real SQLite, the rules backend, the
    default in-process job queue) shared by test_web_hardening and test_jobs_web, which start
    one the same way and never need each other's people: Ann, Bob and Tess are athletes, Cora
    coaches Ann. Its router starts from this process's training embeddings."""
    passwords = {"ann": "ann-pass-1", "bob": "bob-pass-1", "cora": "cora-pass-1"}
    passwords["tess"] = "tess-pass-1"
    home = tmp_path_factory.mktemp("shared-server") / "home"
    url = f"sqlite:///{home / 'coachg.db'}"
    db = Database(url)
    users = add_logins(db, passwords)
    keep_router_embeddings(home)
    # Tests speak as clients behind a proxy on loopback (X-Forwarded-For names each client).
    env = {"COACHG_LLM": "rules", "COACHG_TRUSTED_PROXIES": "127.0.0.1"}
    with running_server(home, url, env=env) as server:
        yield SharedServer(server, db, home, users, passwords)
        # A chat turn may still be composing its reply: nothing is left to check.
        server.process.kill()
        server.process.wait(10)
    db.dispose()
