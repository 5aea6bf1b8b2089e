"""Coach G's files are its user's alone: ``COACHG_HOME`` is 0700 and what is written under it is
0600 (folders 0700), as with a umask of 077, whatever the umask of the shell that started it.

:func:`private_process` is called by ``coachg`` and ``coachg serve`` before anything is written;
:func:`private_dir` makes (or tightens) a folder; :func:`private_file` tightens a file another
library created (the SQLite database and its journals).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

#: Nobody but the owner reads, writes or enters anything Coach G creates.
UMASK = 0o077


def private_process() -> None:
    """Give this process the umask 077, so every file and folder it creates is the owner's."""
    os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """``path`` created if missing (with its parents), and made 0700 if it is ours."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # someone else's folder: leave it
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    return path


def private_file(path: Path) -> None:
    """Make ``path`` 0600 if it exists and is ours (an existing install is tightened too)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
