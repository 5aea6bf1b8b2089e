"""Finding and safely reading the activity files named by the user.

Inputs may be files (``.fit``, ``.gpx``, ``.tcx``, each optionally ``.gz``), folders (walked
recursively), zip archives, or a Strava bulk export (folder or zip with ``activities.csv``).
Nothing is extracted to disk: zip members and gzip streams are read in memory, each capped at
:data:`MAX_FILE_BYTES` so a zip or gzip bomb cannot exhaust memory, and member names are never
used as paths.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from storage.activities import NewActivity
from tools.importing.errors import ActivityFileError
from tools.importing.fit import parse_fit
from tools.importing.gpx import parse_gpx
from tools.importing.tcx import parse_tcx

# One activity file, after decompression: a 24-hour run recorded every second is about 30 MB as
# GPX. Parsing takes several times the file in memory, and workers parse a few files at once.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ZIP_MEMBERS = 200_000
MB = 1024 * 1024

Parser = Callable[[bytes, str], list[NewActivity]]
PARSERS: dict[str, Parser] = {"fit": parse_fit, "gpx": parse_gpx, "tcx": parse_tcx}
#: The files an import takes: activity files, gzipped ones, zips of them (a Strava export), and
#: the CSV workout logs of strength apps (Strong, Hevy; see :mod:`tools.strength.importing`).
FILE_TYPES = frozenset({*(f".{suffix}" for suffix in PARSERS), ".gz", ".zip", ".csv"})

# Files a user's folder often holds besides activities: skipped without a word.
QUIET_SKIP = {".ds_store", "thumbs.db", "desktop.ini"}
QUIET_SUFFIXES = {".md", ".txt", ".csv", ".json", ".pdf", ".jpg", ".jpeg", ".png", ".html"}


def activity_format(name: str) -> tuple[str, bool] | None:
    """``(format, gzipped)`` for a file name such as ``run.fit.gz``; None if not an activity
    file name."""
    lower = name.lower()
    gzipped = lower.endswith(".gz")
    if gzipped:
        lower = lower[:-3]
    suffix = lower.rsplit(".", 1)[-1] if "." in lower else ""
    return (suffix, gzipped) if suffix in PARSERS else None


def too_big(size: int, name: str) -> ActivityFileError:
    return ActivityFileError(
        f"{name} is {size / MB:.0f} MB, over the {MAX_FILE_BYTES // MB} MB limit for one "
        "activity file; if it really is one activity, split it or export it again as FIT"
    )


def gunzip(data: bytes, name: str) -> bytes:
    """The decompressed bytes of a gzip stream, refusing more than :data:`MAX_FILE_BYTES`."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise ActivityFileError(
            f"{name} is not a readable gzip file ({error}); download it again"
        ) from error
    if len(out) > MAX_FILE_BYTES:
        raise ActivityFileError(
            f"{name} decompresses to more than {MAX_FILE_BYTES // MB} MB, too big for one "
            "activity (a damaged or hostile archive?); unpack and check it yourself"
        )
    return out


def parse_bytes(data: bytes, name: str) -> list[NewActivity]:
    """The activities in one file's bytes, chosen by its name (``.gz`` unpacked first)."""
    kind = activity_format(name)
    if kind is None:
        raise ActivityFileError(f"{name}: not a FIT, GPX or TCX file")
    fmt, gzipped = kind
    if gzipped:
        data = gunzip(data, name)
    return PARSERS[fmt](data, PurePosixPath(name).name)


def read_file(path: Path) -> bytes:
    """A file's bytes, refusing files over :data:`MAX_FILE_BYTES`."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise too_big(size, path.name)
    return path.read_bytes()


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A zip member's bytes, in memory only, refusing members over :data:`MAX_FILE_BYTES`.

    ``zipfile`` stops reading at the size the archive declares, so a member cannot grow past
    the declared size while it is decompressed.
    """
    if info.file_size > MAX_FILE_BYTES:
        raise too_big(info.file_size, info.filename)
    try:
        with archive.open(info) as stream:
            return stream.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as error:
        raise ActivityFileError(
            f"{info.filename} cannot be read from the zip ({error}); unpack the zip and "
            "import the folder instead"
        ) from error


def safe_member_name(name: str) -> str | None:
    """A zip member name as a clean relative POSIX path, or None for an unsafe or odd one
    (absolute, with ``..``, or with a drive letter). Names are only ever used as labels."""
    clean = name.replace("\\", "/")
    parts = [p for p in PurePosixPath(clean).parts if p not in ("", ".")]
    if not parts or clean.startswith("/") or ".." in parts or ":" in parts[0]:
        return None
    return "/".join(parts)


@dataclass
class Skip:
    """An input that holds no activity to import, and why."""

    name: str
    reason: str
    quiet: bool = False


def describe_unknown(name: str) -> Skip:
    """Why a file of an unknown kind is skipped (quietly for everyday non-activity files)."""
    lower = PurePosixPath(name).name.lower()
    quiet = (
        lower in QUIET_SKIP
        or lower.startswith(".")
        or PurePosixPath(lower).suffix in (QUIET_SUFFIXES)
    )
    reason = "not an activity file (Coach G reads .fit, .gpx and .tcx, also gzipped)"
    return Skip(name, reason, quiet)
