"""Accounts: one name and password policy for ``coachg users add`` and the web sign-up, reserved
names (``me``, the command line's default user, above all), and a command line that says whom
it acts as. (Sign-up over HTTP and login throttling: tests/test_web_hardening.py.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.account_policy import (
    CLI_DEFAULT_USER,
    MIN_PASSWORD,
    RESERVED_NAMES,
    account_problem,
)
from storage.db import database
from storage.users import get_user
from ui import cli
from ui.web_login import (
    FORGET_AFTER_S,
    FREE_PER_ADDRESS,
    FREE_PER_NAME,
    MAX_WAIT_PER_NAME_S,
    LoginThrottle,
)
from ui.web_signup import problem_with


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh ``COACHG_HOME`` for commands run in this process (their umask is put back)."""
    home = tmp_path / "home"
    monkeypatch.setenv("COACHG_HOME", str(home))
    monkeypatch.setenv("COACHG_DATABASE_URL", f"sqlite:///{home / 'coachg.db'}")
    monkeypatch.delenv("COACHG_USER", raising=False)
    umask = os.umask(0o022)
    os.umask(umask)
    yield home
    os.umask(umask)


@pytest.mark.parametrize("name", ["me", "Admin", " ROOT ", "coach", "coachg"])
def test_reserved_names_cannot_be_signed_up(name: str) -> None:
    good = "x" * MIN_PASSWORD
    assert "reserved" in problem_with(name.strip().lower(), good, good, "athlete")
    assert account_problem(name, good) == ""  # the machine's owner may still use them


def test_the_cli_default_user_is_reserved() -> None:
    assert CLI_DEFAULT_USER in RESERVED_NAMES


@pytest.mark.parametrize(
    ("name", "password", "wanted"),
    [
        ("x", "long-enough", "user name"),
        ("ann", "a", "at least 8"),
        ("ann", "short", "at least 8"),
        ("![x](http://h/p.png)", "long-enough", "user name"),
        ("ann smith", "long-enough", "user name"),
        ("ann", "y" * 300, "at most"),
    ],
)
def test_cli_and_web_share_one_policy(name: str, password: str, wanted: str) -> None:
    assert wanted in account_problem(name, password)
    assert wanted in problem_with(name, password, password, "athlete")


def test_users_add_refuses_what_signup_refuses(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["users", "add", "x", "--password", "a"]) == 2
    assert "user name" in capsys.readouterr().err
    assert cli.main(["users", "add", "ann", "--password", "a"]) == 2
    assert f"at least {MIN_PASSWORD}" in capsys.readouterr().err
    assert cli.main(["users", "add", "ann", "--password", "ann-pass-1"]) == 0
    with database(os.environ["COACHG_DATABASE_URL"]).session() as session:
        assert get_user(session, "x") is None
        assert get_user(session, "ann") is not None


def test_the_cli_says_whom_it_acts_as(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli.main(["activities", "--json"]) == 0
    said = capsys.readouterr()
    assert "acting as me, a new athlete (the default user" in said.err
    assert "--user NAME" in said.err and "acting as" not in said.out
    assert cli.main(["--user", "Ann", "activities", "--json"]) == 0
    assert "acting as ann, a new athlete (from --user)" in capsys.readouterr().err
    monkeypatch.setenv("COACHG_USER", "ann")
    assert cli.main(["activities", "--json"]) == 0
    assert "acting as ann (from COACHG_USER)" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="user name"):
        cli.main(["--user", "![x](http://h/p.png)", "activities"])


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_waits_double_per_name_and_forget_in_time() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for attempt in range(FREE_PER_NAME):
        assert throttle.attempt("walt", f"10.0.0.{attempt}") is None
    refusal = throttle.attempt("Walt", "10.0.1.1")
    assert refusal is not None and refusal.by == "name" and refusal.wait_s == 1
    assert "wait 1 s" in refusal.message
    waits = []
    for _ in range(12):
        clock.now += waits[-1] if waits else 1
        assert throttle.attempt("walt", "10.0.1.1") is None
        refusal = throttle.attempt("walt", "10.0.1.1")
        assert refusal is not None
        waits.append(refusal.wait_s)
    assert waits[:4] == [2, 4, 8, 16] and max(waits) == MAX_WAIT_PER_NAME_S
    clock.now += FORGET_AFTER_S + 1
    assert throttle.attempt("walt", "10.0.1.1") is None  # forgotten after a quiet while


def test_throttle_per_address_and_a_right_password_clears_the_name() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for attempt in range(FREE_PER_ADDRESS):
        assert throttle.attempt(f"name{attempt}", "10.9.9.9") is None
    refusal = throttle.attempt("bob", "10.9.9.9")
    assert refusal is not None and refusal.by == "address"
    assert "from your address" in refusal.message
    for _ in range(FREE_PER_NAME - 1):
        assert throttle.attempt("ann", "10.1.1.1") is None
    assert throttle.attempt("ann", "10.1.1.2") is None
    throttle.succeeded("ann", "10.1.1.2")  # that last one was right
    assert throttle.attempt("ann", "10.1.1.3") is None  # the name's count was cleared
