"""Turning the paths a user gave into a list of import jobs (one per file or export row)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from storage.activities import NewActivity
from tools.importing.budget import ImportBudget
from tools.importing.errors import ActivityFileError
from tools.importing.sources import (
    MAX_ZIP_MEMBERS,
    Skip,
    activity_format,
    describe_unknown,
    read_file,
    read_member,
    safe_member_name,
)
from tools.importing.strava_export import CSV_NAME, ExportRow, read_activities_csv, row_activity

Warn = Callable[[str], None]


def keep_parsed(
    parsed: list[NewActivity], error: Exception | None, warn: Warn
) -> list[NewActivity]:
    """A plain file's outcome: its activities, or its error."""
    if error is not None:
        raise error
    return parsed


@dataclass
class ImportJob:
    """One unit of work: a file, or one row of a Strava export with its file.

    It runs in three steps so that parsing, the slow part, can happen in another process:
    ``read`` (here) gives the bytes and file name to parse, or None when there is nothing to
    parse; :func:`~tools.importing.sources.parse_bytes` (anywhere) turns them into activities;
    ``finish`` (here) gets what parsing gave, or the error of reading or parsing, and returns the
    activities to store (or raises the error).
    """

    name: str
    read: Callable[[], tuple[bytes, str] | None]
    finish: Callable[[list[NewActivity], Exception | None, Warn], list[NewActivity]] = keep_parsed
    #: ``(source, source_id)`` when the record is known before parsing (a Strava export row),
    #: and whether it has a file with samples, so a record already held can be passed over.
    record: tuple[str, str] | None = None
    has_samples: bool = False
    #: The file's size as stored (a zip member's declared size), known before reading it.
    size: int = 0


@dataclass
class ImportPlan:
    """What an import will do, before it reads any activity."""

    jobs: list[ImportJob] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    archives: list[zipfile.ZipFile] = field(default_factory=list)
    budget: ImportBudget = field(default_factory=ImportBudget)

    def close(self) -> None:
        """Close the zip archives the jobs read from."""
        for archive in self.archives:
            archive.close()
        self.archives.clear()


def _file_job(path: Path, label: str) -> ImportJob:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reading it says what is wrong
    return ImportJob(label, lambda: (read_file(path), path.name), size=size)


def _member_job(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> ImportJob:
    return ImportJob(
        label, lambda: (read_member(archive, info), info.filename), size=info.file_size
    )


def _export_row_job(row: ExportRow, label: str, load: Callable[[str], bytes] | None) -> ImportJob:
    """A job for a CSV row: its file when it has one and it reads, else the CSV summary."""
    has_file = bool(row.file_name and load is not None and activity_format(row.file_name))

    def read() -> tuple[bytes, str] | None:
        if not has_file or load is None:
            return None
        try:
            return load(row.file_name), row.file_name
        except (KeyError, FileNotFoundError) as error:
            raise ActivityFileError("file missing") from error

    def finish(parsed: list[NewActivity], error: Exception | None, warn: Warn) -> list[NewActivity]:
        if isinstance(error, ActivityFileError):
            warn(
                f"{label}: imported from the CSV summary only, without samples "
                f"({row.file_name}: {error})"
            )
        elif error is not None:
            raise error
        return [row_activity(row, parsed or None)]

    return ImportJob(label, read, finish, record=("strava", row.activity_id), has_samples=has_file)


def _is_export_dir(folder: Path) -> bool:
    return (folder / CSV_NAME).is_file() and (folder / "activities").is_dir()


def _plan_export_dir(root: Path, plan: ImportPlan) -> None:
    label = f"{root.name}/{CSV_NAME}"
    try:
        rows, bad_rows = read_activities_csv(read_file(root / CSV_NAME))
    except ActivityFileError as error:
        plan.failed.append((label, str(error)))
        return
    plan.failed.extend((f"{root.name}/{name}", reason) for name, reason in bad_rows)
    base = root.resolve()

    def load(name: str) -> bytes:
        target = (root / name).resolve()
        if base not in target.parents:
            raise ActivityFileError(f"{name} points outside the export folder; left out")
        return read_file(target)

    used: set[Path] = set()
    for row in rows:
        if row.file_name:
            used.add((root / row.file_name).resolve())
        label = f"{root.name}: Strava activity {row.activity_id}"
        plan.jobs.append(_export_row_job(row, label, load))
    # Files in activities/ that no row mentions still import on their own.
    for path in sorted((root / "activities").rglob("*")):
        if path.is_file() and path.resolve() not in used and activity_format(path.name):
            plan.jobs.append(_file_job(path, f"{root.name}/{path.relative_to(root)}"))


def _plan_dir(folder: Path, plan: ImportPlan, label: str) -> None:
    if _is_export_dir(folder):
        _plan_export_dir(folder, plan)
        return
    for entry in sorted(folder.iterdir()):
        name = f"{label}/{entry.name}"
        if entry.name.startswith("."):
            continue
        if entry.is_symlink() and entry.is_dir():
            continue  # never follow folder links (loops)
        if entry.is_dir():
            _plan_dir(entry, plan, name)
        else:
            _plan_file(entry, plan, name)


def _plan_zip(path: Path, plan: ImportPlan, label: str) -> None:
    try:
        archive = zipfile.ZipFile(path)
        members = archive.infolist()
        plan.archives.append(archive)
    except (zipfile.BadZipFile, OSError) as error:
        plan.failed.append((label, f"not a readable zip file ({error}); download it again"))
        return
    if len(members) > MAX_ZIP_MEMBERS:
        plan.failed.append(
            (
                label,
                f"holds over {MAX_ZIP_MEMBERS} files; unpack it and import the folders you need",
            )
        )
        return
    if too_many := plan.budget.too_many_files(
        sum(1 for info in members if activity_format(info.filename))
    ):
        plan.failed.append((label, too_many))
        return
    by_name: dict[str, zipfile.ZipInfo] = {}
    for info in members:
        clean = safe_member_name(info.filename)
        if clean is None:
            if not info.is_dir():
                plan.skipped.append(Skip(f"{label}:{info.filename}", "unsafe name in the zip"))
            continue
        if not info.is_dir():
            by_name[clean] = info
    csvs = sorted(
        (n for n in by_name if PurePosixPath(n).name.lower() == CSV_NAME),
        key=lambda n: n.count("/"),
    )
    if csvs:
        _plan_export_zip(archive, by_name, csvs[0], plan, label)
        return
    for clean, info in sorted(by_name.items()):
        _plan_member(archive, info, clean, plan, f"{label}:{clean}")


def _plan_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, clean: str, plan: ImportPlan, label: str
) -> None:
    if activity_format(clean):
        plan.jobs.append(_member_job(archive, info, label))
    elif not PurePosixPath(clean).name.startswith("."):
        plan.skipped.append(describe_unknown(label))


def _plan_export_zip(
    archive: zipfile.ZipFile,
    by_name: dict[str, zipfile.ZipInfo],
    csv_name: str,
    plan: ImportPlan,
    label: str,
) -> None:
    prefix = csv_name[: -len(CSV_NAME)]
    try:
        rows, bad_rows = read_activities_csv(read_member(archive, by_name[csv_name]))
    except ActivityFileError as error:
        plan.failed.append((f"{label}:{csv_name}", str(error)))
        return
    plan.failed.extend((f"{label}:{name}", reason) for name, reason in bad_rows)

    def load(name: str) -> bytes:
        clean = safe_member_name(prefix + name)
        if clean is None or clean not in by_name:
            raise KeyError(name)
        return read_member(archive, by_name[clean])

    used = set()
    for row in rows:
        if row.file_name:
            used.add(safe_member_name(prefix + row.file_name))
        plan.jobs.append(_export_row_job(row, f"{label}: Strava activity {row.activity_id}", load))
    for clean, info in sorted(by_name.items()):
        inside = clean.startswith(prefix + "activities/")
        if inside and clean not in used and activity_format(clean):
            plan.jobs.append(_member_job(archive, info, f"{label}:{clean}"))


def _plan_file(path: Path, plan: ImportPlan, label: str) -> None:
    lower = path.name.lower()
    if lower.endswith(".zip"):
        _plan_zip(path, plan, label)
    elif lower == CSV_NAME and _is_export_dir(path.parent):
        _plan_export_dir(path.parent, plan)
    elif activity_format(path.name):
        plan.jobs.append(_file_job(path, label))
    else:
        plan.skipped.append(describe_unknown(label))


def plan_import(paths: Iterable[str | Path], budget: ImportBudget | None = None) -> ImportPlan:
    """The jobs for ``paths`` (files, folders, zips, Strava exports), and what is skipped or
    missing. Reads folder listings, zip directories and export CSVs only.

    A zip with more activity files than ``budget`` allows fails as a whole; files of folders
    past that many fail together with one reason."""
    plan = ImportPlan(budget=budget or ImportBudget())
    for raw in paths:
        path = Path(raw).expanduser()
        label = path.name or str(path)
        if not path.exists():
            plan.failed.append((str(raw), "no such file or folder; check the path"))
        elif path.is_dir():
            _plan_dir(path, plan, label)
        else:
            _plan_file(path, plan, label)
    limit = plan.budget.limits.max_files
    if len(plan.jobs) > limit:
        over = plan.jobs[limit:]
        del plan.jobs[limit:]
        more = f" and {len(over) - 1} more files" if len(over) > 1 else ""
        plan.failed.append(
            (
                f"{over[0].name}{more}",
                f"not read: over the limit of {limit} activity files for one import; "
                "import them on their own",
            )
        )
    return plan
