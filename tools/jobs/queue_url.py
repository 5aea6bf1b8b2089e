"""What a queue URL says, without importing the queue library (``coachg analyze`` asks before
it has loaded anything else)."""

from __future__ import annotations


def is_shared(url: str) -> bool:
    """Whether other processes can take jobs from the queue at ``url``."""
    return bool(url) and url != "memory://"
