"""``coachg import`` and ``coachg activities`` as a user runs them: a real subprocess, a real
SQLite database under a temporary ``COACHG_HOME``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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


def test_import_then_list_as_json(shared_data: Path, tmp_path: Path) -> None:
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

    listed = _coachg(tmp_path, "--user", "ann", "activities", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert sorted(row["name"] for row in rows) == names
    assert {row["sport"] for row in rows} == {"ride"}

    again = _coachg(tmp_path, "--user", "ann", "import", str(gpx))
    assert again.returncode == 0 and "Imported 0 activities" in again.stdout
    assert len(json.loads(_coachg(tmp_path, "--user", "ann", "activities", "--json").stdout)) == 2

    bob = _coachg(tmp_path, "--user", "bob", "activities", "--json")
    assert bob.returncode == 0 and json.loads(bob.stdout) == []
    bob_after = _coachg(tmp_path, "activities", "--json", "--user", "bob")  # --user after too
    assert bob_after.returncode == 0 and json.loads(bob_after.stdout) == []
    asked = _coachg(tmp_path, "ask", "show my rides", "--user", "ann", "--json")
    assert asked.returncode == 0, asked.stderr
    turn = json.loads(asked.stdout)
    assert [call["name"] for call in turn["tool_calls"]] == ["list_activities"]
    assert {"name": "count", "value": 2} in [
        {"name": f["name"], "value": f["value"]} for f in turn["facts"]
    ]

    rides = _coachg(tmp_path, "--user", "ann", "activities", "--sport", "run", "--json")
    assert json.loads(rides.stdout) == []
    table = _coachg(tmp_path, "--user", "ann", "activities", "--limit", "1")
    assert table.returncode == 0 and "1 activity," in table.stdout
    bad = _coachg(tmp_path, "--user", "ann", "activities", "--since", "yesterday")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stdout
