"""``coachg import`` and ``coachg activities`` as a user runs them, on a real SQLite database
under a temporary ``COACHG_HOME``: the first import as a real subprocess (``python -m ui.cli``,
for its exit status and output), the rest in-process through the same entry point
(``ui.cli.main``), which spares the seconds each fresh interpreter spends importing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ui.cli import main

REPO = Path(__file__).resolve().parents[1]


def _coachg(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COACHG_")}
    env["COACHG_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_import_then_list_as_json(
    shared_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = shared_data / "activity_files"
    gpx = files / "gpx"
    names = sorted(
        re.search(r"<trk>\s*<name>([^<]+)</name>", p.read_text()).group(1)
        for p in gpx.glob("*.gpx")
    )
    broken = files / "fit" / "invalid"

    done = _coachg(tmp_path, "--user", "ann", "import", str(gpx), str(broken))
    assert done.returncode == 1, done.stderr  # the broken files are failures
    for path in broken.iterdir():
        assert path.name in done.stdout
    assert f"Imported {len(names)} activities" in done.stdout

    # The same home, as the subprocess saw it (no other COACHG_ setting), in this process.
    for name in [n for n in os.environ if n.startswith("COACHG_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COACHG_HOME", str(tmp_path))
    umask = os.umask(0o022)  # main() gives the process 077: the runner's is put back after
    os.umask(umask)

    def coachg(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        try:
            code = main(list(args))
        finally:
            os.umask(umask)
        return code, capsys.readouterr().out

    code, out = coachg("--user", "ann", "activities", "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert sorted(row["name"] for row in rows) == names
    assert {row["sport"] for row in rows} == {"ride"}

    code, out = coachg("--user", "ann", "import", str(gpx))
    assert code == 0 and "Imported 0 activities" in out
    assert len(json.loads(coachg("--user", "ann", "activities", "--json")[1])) == 2

    code, out = coachg("--user", "bob", "activities", "--json")
    assert code == 0 and json.loads(out) == []
    code, out = coachg("activities", "--json", "--user", "bob")  # --user after too
    assert code == 0 and json.loads(out) == []
    code, out = coachg("ask", "show my rides", "--user", "ann", "--json")
    assert code == 0, out
    turn = json.loads(out)
    assert [call["name"] for call in turn["tool_calls"]] == ["list_activities"]
    assert {"name": "count", "value": 2} in [
        {"name": f["name"], "value": f["value"]} for f in turn["facts"]
    ]

    code, out = coachg("--user", "ann", "activities", "--sport", "run", "--json")
    assert json.loads(out) == []
    code, out = coachg("--user", "ann", "activities", "--limit", "1")
    assert code == 0 and "1 activity," in out
    code, out = coachg("--user", "ann", "activities", "--since", "yesterday")
    assert code == 2 and "YYYY-MM-DD" in out
