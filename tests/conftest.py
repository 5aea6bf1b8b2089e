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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, hash_password, link_coach
from tests.worlds import World, build_world
from tools.context import ToolContext

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


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated, empty PostgreSQL database, the template each test's database is created
    from (``CREATE DATABASE ... TEMPLATE``), so the migrations run once per session."""
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"coachg_template_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        Database(_postgres_url(name)).dispose()  # no connection may stay open on a template
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


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
    template = request.getfixturevalue("postgres_template")
    name = f"coachg_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    database = Database(_postgres_url(name))
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
def real_clip_pose() -> tuple:
    """``(VideoInfo, PoseTrack)`` of the real side-view clip: pose runs once per session, and
    every gait test that needs the real clip analyses this track (``analyze_track``)."""
    from tests.test_gait_helpers import VIDEO, require
    from tools.gait.tracking import track_pose
    from tools.gait.video_io import probe_video

    info = probe_video(require(VIDEO))
    return info, track_pose(info)
