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
