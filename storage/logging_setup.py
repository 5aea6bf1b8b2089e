"""Logging that never prints secrets.

A filter masks anything that looks like an OAuth token, a client secret or a password in every
record, whatever the logger, so a careless ``log.debug(response.json())`` cannot leak a token;
the formatter masks tracebacks too. SQL parameters are never put into error messages at all
(``hide_parameters`` in ``storage.db``).
"""

from __future__ import annotations

import logging
import re
import sys

_SECRET = re.compile(
    r"(?i)(access_token|refresh_token|client_secret|password|authorization|code)"
    r"([\"']?\s*[:=]\s*[\"']?(?:Bearer\s+)?)([^\s\"'&,}]+)"
)

#: Coach G's own personal access tokens (storage.api_tokens), wherever they appear.
_PERSONAL_TOKEN = re.compile(r"\bcg_[A-Za-z0-9_-]{16,}")


def redact(text: str) -> str:
    """``text`` with the values of token-, secret- and password-like fields, and personal
    access tokens, replaced by ``***``."""
    text = _PERSONAL_TOKEN.sub("cg_***", text)
    return _SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with :func:`redact`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        return True


class RedactingFormatter(logging.Formatter):
    """Formats a record, tracebacks and stacks included, then masks secrets in all of it."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class StderrHandler(logging.StreamHandler):
    """Writes each record to ``sys.stderr`` as it is when the record comes, not as it was when
    logging was set up (as Python's own last-resort handler does). A test that called
    ``coachg`` under pytest's ``capsys`` left the root handler on a capture that pytest closed
    after that test: a record logged later (by a thread, or at exit) failed with "Logging error
    ... I/O operation on closed file" instead of being written."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> object:
        return sys.stderr


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr at ``level``, with secrets masked on every handler (the web server's too:
    it logs through these handlers)."""
    handler = StderrHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    if level.upper() != "DEBUG":
        for chatty in ("alembic", "sentence_transformers", "httpx", "urllib3", "stravalib"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
