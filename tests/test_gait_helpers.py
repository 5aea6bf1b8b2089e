"""Shared helpers for the gait tests: where the real data is, and skipping without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def shared_data() -> Path:
    """``../shared/data`` beside the repository, or ``$COACHG_SHARED_DATA``."""
    env = os.environ.get("COACHG_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "data"


def require(path: Path) -> Path:
    """Skip the test with a clear message when a shared data file is missing."""
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set COACHG_SHARED_DATA to shared/data)")
    return path


VIDEO = shared_data() / "video" / "male_side_treadmill_30fps.mp4"
TRUTH = VIDEO.with_suffix(".truth.json")
