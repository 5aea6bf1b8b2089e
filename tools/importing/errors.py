"""What can go wrong with one input, in words a user can act on."""

from __future__ import annotations


class ActivityFileError(Exception):
    """A file that should hold an activity but cannot be read; the message says why and what to
    do next."""


class NotAnActivity(Exception):
    """A readable file that holds no activity (a FIT settings file, a GPX route without times):
    skipped without fuss."""
