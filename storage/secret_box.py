"""Secrets at rest (Strava tokens): encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag,
from ``cryptography``) under one key per machine.

The key is ``COACHG_SECRET_KEY`` when set (a Fernet key: 32 url-safe base64 bytes, e.g. from
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``),
else the file ``COACHG_HOME/secret.key``, created with mode 0600 on first use. An encrypted value
is stored as ``fernet:<token>``; a value without that prefix is an old clear-text one, still read
as it is and encrypted when it is next written.
"""

from __future__ import annotations

import logging
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from storage.private_files import private_dir
from storage.settings import Settings

log = logging.getLogger(__name__)

PREFIX = "fernet:"
KEY_FILE = "secret.key"
ENV_KEY = "COACHG_SECRET_KEY"


class SecretKeyError(RuntimeError):
    """The secret key is unusable; the message says how to fix it."""


def key_path(home: Path) -> Path:
    """Where the machine's key lives when ``COACHG_SECRET_KEY`` is not set."""
    return home / KEY_FILE


def _key_from_file(path: Path) -> bytes:
    """The key in ``path``, written first (0600, atomically) if there is none yet."""
    if not path.exists():
        private_dir(path.parent)
        fresh = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(descriptor, Fernet.generate_key() + b"\n")
        finally:
            os.close(descriptor)
        try:
            os.link(fresh, path)  # fails if another process wrote the key first: theirs wins
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
        log.info("created the secret key %s", path)
    return path.read_bytes().strip()


@lru_cache(maxsize=8)
def _fernet(env_key: str, home: Path) -> Fernet:
    raw = env_key.encode() if env_key else _key_from_file(key_path(home))
    try:
        return Fernet(raw)
    except ValueError:
        where = ENV_KEY if env_key else str(key_path(home))
        raise SecretKeyError(
            f"{where} does not hold a valid key (32 url-safe base64-encoded bytes); "
            "set a valid one, or remove the file to have a new one made (then connect "
            "Strava again)."
        ) from None


def box() -> Fernet:
    """The machine's Fernet key (from ``COACHG_SECRET_KEY`` or ``COACHG_HOME/secret.key``)."""
    return _fernet(os.environ.get(ENV_KEY, "").strip(), Settings.from_env().home)


def seal(value: str) -> str:
    """``value`` encrypted for storage (``fernet:...``); an empty value stays empty."""
    return PREFIX + box().encrypt(value.encode()).decode() if value else ""


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


def unseal(stored: str) -> str:
    """The clear value of ``stored``: decrypted, or as it is for an old clear-text value.

    A value this machine's key cannot open (the key was changed) reads as empty, with a
    warning in the log; Strava then refuses it and the user is asked to connect again.
    """
    if not is_sealed(stored):
        return stored
    try:
        return box().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        log.warning("a stored secret cannot be opened with this machine's key; it reads as empty")
        return ""
