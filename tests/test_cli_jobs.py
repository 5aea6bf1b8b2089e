"""A command's job worker threads end with the command (``ui.cli.main`` stops them), so a process
that goes on after it, such as a test, has no threads left polling the queue and logging each
poll, at debug level, into a stream that may be closed by then."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from ui import cli


def _job_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("coachg-job-")]


def test_a_commands_job_threads_end_with_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shared_data: Path,
) -> None:
    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    monkeypatch.delenv("COACHG_DATABASE_URL", raising=False)
    monkeypatch.delenv("COACHG_QUEUE_URL", raising=False)
    fit = shared_data / "activity_files" / "fit" / "fitparse__garmin-fenix-5-run.fit"
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    umask = os.umask(0o022)
    os.umask(umask)
    before = _job_threads()
    try:
        assert cli.main(["-v", "--user", "ann", "import", str(fit)]) == 0
    finally:
        os.umask(umask)
        root.handlers[:], root.level = handlers, level
    said = capsys.readouterr()
    assert "Imported 1 activity" in said.out
    assert " DEBUG " in said.err, "-v logs at debug level while the command runs"
    assert _job_threads() == before, "the import's job threads outlived the command"
