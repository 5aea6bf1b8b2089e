"""The one error the gait library raises: a message that tells the runner what to film instead."""

from __future__ import annotations


class GaitAnalysisError(Exception):
    """The video could not be analysed; ``str(error)`` says why and what to do next."""

    def __init__(self, message: str, *, code: str = "bad_input") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
