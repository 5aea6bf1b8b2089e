"""Keeping data and model output from turning into live Markdown in the chat.

The chat renders Markdown, so an activity named ``![x](https://tracker/p.png)`` would load an
image from someone else's server in the reader's browser, and a link could phish. Text that
comes from data (activity and file names, remembered history) is escaped; text a language model
wrote keeps its emphasis and lists but loses images, raw HTML and links.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]()!<>#|~])")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]*>")
_BARE_URL = re.compile(r"\b(?:https?|ftp|javascript|data):[^\s)]*", re.I)


def escape(text: str) -> str:
    """``text`` shown literally in Markdown, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def safe_reply(text: str) -> str:
    """A model's reply without images, HTML, links or web addresses (link text is kept)."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub("", text)
    return _BARE_URL.sub("", text).strip()
