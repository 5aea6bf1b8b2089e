"""The database: engine, sessions, and Alembic migrations applied on start."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.private_files import private_file
from storage.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL with NORMAL sync cannot corrupt the database; a power cut may lose the last commit.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite ``url`` (None for other databases and ``:memory:``)."""
    path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else ""
    return Path(path) if path and path != ":memory:" else None


#: Connections a process keeps open to a database server, and how many more it may open when
#: busy: at most 40 each, so give PostgreSQL a ``max_connections`` (default 100) of 40 per web
#: server and worker process when they are all busy at once.
POOL_SIZE = 5
POOL_OVERFLOW = 35


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, its folder is created (0700) and foreign keys are
    enforced. Errors never show the values of a statement (tokens, password hashes)."""
    if url.startswith("sqlite:///"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Up to POOL_SIZE + POOL_OVERFLOW connections per process: a web server's 40 request
    # threads (16 of them in chat turns) each hold one while they read, so the overflow
    # covers them instead of a request failing after waiting 30 s for a connection.
    return create_engine(
        url,
        pool_pre_ping=True,
        hide_parameters=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )


#: ``revision = "0008"`` and ``down_revision = "0007"`` in a migration file.
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.M)


def head_revision(folder: Path = MIGRATIONS / "versions") -> str | None:
    """The newest migration's revision, read from the files without importing Alembic; None
    when that cannot be told for sure (a file without a plain revision, several heads)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        try:
            revision = ast.literal_eval(found.get("revision", "").strip())
            parent = ast.literal_eval(found.get("down_revision", "").strip())
        except (ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update([parent] if isinstance(parent, str) else parent or ())
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def schema_revisions(engine: Engine) -> list[str]:
    """The revisions the database says it is at (none for a new database)."""
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return [str(row[0]) for row in rows]
    except SQLAlchemyError:
        return []


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest Alembic revision (safe to run on every start). A
    database already there is left alone without importing Alembic (a third of a second of
    every ``coachg`` command)."""
    head = head_revision()
    if head is not None and schema_revisions(engine) == [head]:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    """One database: an engine with its schema migrated, and a session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        migrate(self.engine)
        if (path := sqlite_path(url)) is not None:  # the owner's alone, also on an old install
            for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
                private_file(path.with_name(name))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends cleanly and rolls back when it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


@lru_cache(maxsize=8)
def database(url: str | None = None) -> Database:
    """The process's database for ``url`` (default: ``COACHG_DATABASE_URL``), migrated once."""
    return Database(url or Settings.from_env().database_url)
