"""Files in the web app: uploads kept in the athlete's media folder, artifacts published privately.

Gradio serves a file only from its cache folder (``GRADIO_TEMP_DIR``) or from ``allowed_paths``,
and only to a logged-in user. The media folder is *not* an allowed path (any logged-in user could
then fetch ``media/<athlete id>/...`` by guessing): each artifact shown in the chat is copied into
its own folder in the cache with a random 192-bit name, beside a note of the athlete it belongs
to, and noted as theirs in the database (:mod:`storage.uploads`) when the caller gives it; the web
app's guard (:mod:`ui.web_guard`) serves it only to that athlete and their coaches.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from pathlib import Path

from gradio.utils import get_upload_folder

from storage.db import Database
from storage.uploads import note_artifact
from tools.registry import available_tools

#: Files the chat accepts: every type a built tool takes, from the tool specs.
CHAT_FILE_TYPES = sorted({suffix for spec in available_tools() for suffix in spec.file_types})


def file_name_problem(name: str) -> str | None:
    """Words for a file whose name does not say what it is (``..x``, ``notes``, ``run.exe``):
    no ending Coach G reads, or a name of dots; None when the name is fine."""
    base = Path(name).name
    if not base.startswith("..") and Path(base).suffix.lower() in CHAT_FILE_TYPES:
        return None
    return (
        f"Coach G cannot tell what kind of file {base[:80]!r} is: its name should end in one of "
        f"{', '.join(CHAT_FILE_TYPES)} (for example run.gpx or run.mp4). Rename it and send "
        "it again."
    )


def safe_name(name: str) -> str:
    """A file name without folders or odd characters, keeping the suffix."""
    base = Path(name).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return cleaned[-120:] or "upload"


def keep_upload(source: str | Path, media_dir: Path, kind: str = "uploads") -> Path:
    """Copy an uploaded file from Gradio's cache into ``media_dir/kind/<time>-<random>/``.

    The copy belongs to the athlete (their media folder) and outlives Gradio's cache.
    """
    src = Path(source)
    folder = media_dir / kind / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(src.name)
    shutil.copyfile(src, target)
    return target


def cache_folder() -> Path:
    """The folder Gradio serves files from (``GRADIO_TEMP_DIR``)."""
    return Path(get_upload_folder()).resolve()


def is_upload(path: str | Path) -> bool:
    """Whether ``path`` lies in Gradio's upload folder, i.e. the browser really uploaded it.

    A forged request could name any file on the server (another athlete's video); only files
    the browser uploaded are accepted as attachments.
    """
    try:
        Path(path).resolve().relative_to(cache_folder())
    except (ValueError, OSError):
        return False
    return Path(path).is_file()


#: The note, in a published folder, of whose artifact it holds (an athlete's user id).
OWNER_NOTE = ".owner"


def publish(path: str | Path, owner_id: int, db: Database | None = None) -> str:
    """A copy of ``path`` that Gradio may serve, under an unguessable folder of its cache,
    for athlete ``owner_id`` and their coaches only (the folder notes the owner, and so does
    ``db`` when given; the address does not show it).

    A hard link when the cache is on the same disk (no extra space), else a copy.
    """
    src = Path(path)
    folder = cache_folder() / f"coachg-{secrets.token_urlsafe(24)}"
    folder.mkdir(parents=True, exist_ok=False)
    os.chmod(folder, 0o700)
    (folder / OWNER_NOTE).write_text(str(int(owner_id)))
    target = folder / safe_name(src.name)
    try:
        os.link(src, target)
    except OSError:
        shutil.copyfile(src, target)
    if db is not None:
        with db.session() as session:
            note_artifact(session, target, owner_id)
    return str(target)


def published_owner(folder: Path) -> int | None:
    """The athlete a published folder belongs to (None when it does not say)."""
    try:
        return int((folder / OWNER_NOTE).read_text().strip())
    except (OSError, ValueError):
        return None


def owner_of(path: str | Path, media_root: Path, default: int) -> int:
    """The athlete whose media folder holds ``path`` (``media/<id>/...``); ``default`` when it
    lies elsewhere."""
    try:
        first = Path(path).resolve().relative_to(media_root.resolve()).parts[0]
        return int(first)
    except (ValueError, IndexError):
        return default
