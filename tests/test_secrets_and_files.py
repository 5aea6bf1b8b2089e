"""Secrets and files at rest: Strava tokens encrypted in the database (old clear-text ones still
read, and encrypted on the next write), the key's own file 0600, and everything ``coachg``
writes under ``COACHG_HOME`` readable by its user alone, whatever the shell's umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text, update

from storage import secret_box
from storage.db import Database
from storage.models import StravaToken
from storage.secret_box import SecretKeyError, seal, unseal
from storage.strava_tokens import get_token, save_token
from tests.conftest import People

REPO = Path(__file__).resolve().parents[1]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored_columns(db: Database, user_id: int) -> tuple[str, str]:
    with db.engine.connect() as connection:
        row = connection.execute(
            text("SELECT access_token, refresh_token FROM strava_tokens WHERE user_id = :u"),
            {"u": user_id},
        ).one()
    return row[0], row[1]


@pytest.fixture
def key_in_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No ``COACHG_SECRET_KEY``: the key lives in a file under a fresh ``COACHG_HOME``."""
    home = tmp_path / "keyhome"
    monkeypatch.delenv("COACHG_SECRET_KEY", raising=False)
    monkeypatch.setenv("COACHG_HOME", str(home))
    secret_box._fernet.cache_clear()
    yield home
    secret_box._fernet.cache_clear()


def test_tokens_are_encrypted_at_rest(db: Database, people: People) -> None:
    with db.session() as session:
        save_token(
            session, people.ann, access_token="acc-123456", refresh_token="ref-654321", expires_at=9
        )
    access, refresh = stored_columns(db, people.ann.id)
    assert access.startswith("fernet:") and refresh.startswith("fernet:")
    assert "acc-123456" not in access + refresh and "ref-654321" not in access + refresh
    with db.session() as session:
        tokens = get_token(session, people.ann, people.ann.id)
    assert tokens is not None
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_at) == (
        "acc-123456",
        "ref-654321",
        9,
    )
    assert "acc-123456" not in repr(tokens) and "ref-654321" not in repr(tokens)


def test_clear_text_tokens_are_read_and_encrypted_on_the_next_write(
    db: Database, people: People
) -> None:
    """A database written before encryption: its tokens still work, and the next write (a
    refresh, a reconnect) stores them encrypted, in the same columns."""
    with db.session() as session:
        save_token(session, people.ann, access_token="x", refresh_token="y", expires_at=1)
        session.execute(
            update(StravaToken)
            .where(StravaToken.user_id == people.ann.id)
            .values(access_token="old-clear-access", refresh_token="old-clear-refresh")
        )
    with db.session() as session:
        tokens = get_token(session, people.ann, people.ann.id)
        assert tokens is not None
        assert (tokens.access_token, tokens.refresh_token) == (
            "old-clear-access",
            "old-clear-refresh",
        )
        save_token(
            session,
            people.ann,
            access_token="new-access",
            refresh_token=tokens.refresh_token,
            expires_at=2,
        )
    access, refresh = stored_columns(db, people.ann.id)
    assert access.startswith("fernet:") and refresh.startswith("fernet:")
    assert "old-clear-refresh" not in refresh
    with db.session() as session:
        tokens = get_token(session, people.ann, people.ann.id)
    assert tokens is not None and tokens.refresh_token == "old-clear-refresh"


def test_the_key_file_is_made_once_0600_in_a_0700_home(key_in_home: Path) -> None:
    sealed = seal("a token")
    key = key_in_home / "secret.key"
    assert mode(key) == 0o600 and mode(key_in_home) == 0o700
    first = key.read_bytes()
    secret_box._fernet.cache_clear()  # as a new process would
    assert unseal(sealed) == "a token"
    assert key.read_bytes() == first
    assert [p.name for p in key_in_home.iterdir()] == ["secret.key"]  # no temp file left


def test_the_key_from_the_environment_writes_no_file(
    key_in_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACHG_SECRET_KEY", Fernet.generate_key().decode())
    assert unseal(seal("a token")) == "a token"
    assert not (key_in_home / "secret.key").exists()
    monkeypatch.setenv("COACHG_SECRET_KEY", "not a key")
    with pytest.raises(SecretKeyError, match="COACHG_SECRET_KEY"):
        seal("a token")


def test_a_token_sealed_under_another_key_reads_as_empty(
    key_in_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COACHG_SECRET_KEY", Fernet.generate_key().decode())
    sealed = seal("a token")
    monkeypatch.setenv("COACHG_SECRET_KEY", Fernet.generate_key().decode())
    assert unseal(sealed) == ""  # Strava will refuse it, and the user is asked to reconnect


def test_coachg_writes_only_owner_readable_files(shared_data: Path, tmp_path: Path) -> None:
    """``coachg import`` started from a shell with umask 022: the home folder is 0700, and the
    database and everything else written under it are the owner's alone. (The web server's
    media folder and uploads are checked in tests/test_web_browser.py.)"""
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACHG_")}
    env["COACHG_HOME"] = str(home)
    fit = next((shared_data / "activity_files" / "fit").glob("*.fit"))
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "--user", "ann", "import", str(fit)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert done.returncode == 0, done.stderr
    assert mode(home) == 0o700
    made = [p for p in home.rglob("*") if not p.is_symlink()]
    assert home / "coachg.db" in made
    loose = [(str(p.relative_to(home)), oct(mode(p))) for p in made if mode(p) & 0o077]
    assert loose == []
