"""Hostile and odd input: huge files, zip and gzip bombs, path traversal, junk."""

from __future__ import annotations

import gzip
import re
import zipfile
from pathlib import Path

import pytest

from storage.activities import count_activities
from tools.context import ToolContext
from tools.importing import sources
from tools.importing.importer import import_paths

SMALL_CAP = 1024 * 1024  # a 1 MB cap makes bombs cheap to build; the code path is the same


def _count(ctx: ToolContext) -> int:
    with ctx.session() as session:
        return count_activities(session, ctx.actor, ctx.athlete_id)


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(sources, "MAX_FILE_BYTES", SMALL_CAP)
    return SMALL_CAP


def test_huge_file_is_refused_with_a_clear_message(
    ann_ctx: ToolContext, tmp_path: Path, small_cap: int
) -> None:
    huge = tmp_path / "huge.gpx"
    with huge.open("wb") as f:
        f.truncate(small_cap + 1)
    report = import_paths(ann_ctx, [huge])
    ((name, reason),) = report.failed
    assert "huge.gpx" in name and "limit" in reason and "MB" in reason


def test_zip_bomb_and_gzip_bomb_are_refused(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path, small_cap: int
) -> None:
    zeros = bytes(small_cap * 8)
    bomb = tmp_path / "bomb.zip"
    good = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-bike.fit"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.fit", zeros)
        zf.writestr("ok/bike.fit", good.read_bytes())
    (tmp_path / "big.fit.gz").write_bytes(gzip.compress(zeros))
    assert bomb.stat().st_size < small_cap  # small on disk, huge when unpacked

    report = import_paths(ann_ctx, [bomb, tmp_path / "big.fit.gz"])

    assert report.imported == 1  # the real file beside the bomb still imports
    reasons = dict(report.failed)
    assert len(reasons) == 2
    assert any("limit" in r for r in reasons.values())
    assert any("decompresses to more than" in r for r in reasons.values())


def test_zip_paths_are_never_used_as_paths(
    ann_ctx: ToolContext, shared_data: Path, tmp_path: Path
) -> None:
    walk = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-walk.fit"
    archive = tmp_path / "inner" / "evil.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../escaped.fit", walk.read_bytes())
        zf.writestr("/abs/escaped2.fit", walk.read_bytes())
        zf.writestr("runs/walk.fit", walk.read_bytes())
    report = import_paths(ann_ctx, [archive])
    assert report.imported == 1
    assert len(report.skipped) == 2 and all("unsafe" in r for _, r in report.skipped)
    assert not list(tmp_path.rglob("escaped*"))
    assert not Path("/abs").exists()


def test_junk_and_non_activities(ann_ctx: ToolContext, shared_data: Path, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "README.md").write_text("my runs")
    (inbox / "notes.xyz").write_text("?")
    (inbox / "picture.fit").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (inbox / "empty.tcx").write_bytes(b"")
    gpx = (shared_data / "activity_files" / "gpx" / "sweatpy__activity_5039744860.gpx").read_text()
    route = re.sub(r"\s*<time>[^<]*</time>", "", gpx)  # a planned route: points, no times
    (inbox / "route.gpx").write_text(route)

    report = import_paths(ann_ctx, [inbox, inbox / "missing.fit"])

    assert report.imported == 0 and _count(ann_ctx) == 0
    failed = dict(report.failed)
    assert set(map(lambda n: Path(n).name, failed)) == {"picture.fit", "empty.tcx", "missing.fit"}
    assert all(reason for reason in failed.values())
    skipped = {Path(name).name for name, _ in report.skipped}
    assert skipped == {"notes.xyz", "route.gpx"}  # README.md is passed over quietly
    assert report.quiet_skips == 1
