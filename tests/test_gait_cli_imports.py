"""``coachg analyze`` loads only what gait analysis needs (start-up is part of its speed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ui.cli import COMMANDS, _command_word

REPO = Path(__file__).resolve().parents[1]
_PROBE = (
    "import sys, ui.cli as cli\n"
    "parser = cli.build_parser(sys.argv[1:])\n"
    "print(sorted(parser._subparsers._group_actions[0].choices))\n"
    "heavy = ('chromadb', 'agent', 'stravalib', 'mediapipe', 'matplotlib', 'ruptures')\n"
    "print([m for m in heavy if m in sys.modules])\n"
)


def _parser_for(*argv: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    choices, loaded = done.stdout.strip().splitlines()[-2:]
    return choices, loaded


def test_analyze_imports_neither_the_agent_nor_chroma_nor_strava() -> None:
    choices, loaded = _parser_for("--user", "ann", "analyze", "clip.mp4")
    assert choices == "['analyze']"
    assert loaded == "[]"


def test_the_command_word_skips_options_and_the_user_name() -> None:
    assert _command_word(["--user", "analyze", "-v", "users", "add"]) == "users"
    assert _command_word(["--user=ann", "analyze"]) == "analyze"
    assert _command_word(["-v"]) is None
    assert "analyze" in COMMANDS


_BEFORE_THE_REPORT = (
    "import sys\n"
    "from tests.test_gait_helpers import VIDEO, require\n"
    "from tools.gait.analyze import analyze_track\n"
    "from tools.gait.tracking import track_pose\n"
    "from tools.gait.video_io import probe_video\n"
    "info = probe_video(require(VIDEO))\n"
    "track = track_pose(info, step=2, workers=1)\n"
    "report = analyze_track(info, track, out_dir=sys.argv[1], later=True)\n"
    "print(len(report.artifacts), 'matplotlib' in sys.modules)\n"
)


def test_the_report_comes_before_the_drawing_code_loads(tmp_path: Path) -> None:
    """Every file is named in the report before Matplotlib (a third of a second of imports)
    is loaded: it loads when the files are drawn, after the report."""
    done = subprocess.run(
        [sys.executable, "-c", _BEFORE_THE_REPORT, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    files, loaded = done.stdout.split()[-2:]
    assert int(files) >= 10 and loaded == "False"
