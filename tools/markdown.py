"""The one rendering boundary: what reaches the chat's Markdown never loads, links or tags.

The web app renders Markdown (Gradio's ``marked``, GitHub flavour, which also turns bare web
addresses and e-mail addresses into links). An activity called ``![x](https://tracker/p.png)``
or a file named ``<img src=...>`` would load an image from someone else's server in the
reader's browser, and ``http://evil.example`` in a name would become a link. So:

- :func:`escape` makes a string that came from data (a file, activity or user name, an error)
  literal text on one line, before a template puts it into Markdown;
- :func:`safe_markdown` is applied to *every* Markdown text on its way to the page (replies,
  remembered history, headers, reports): it keeps emphasis and lists, and turns every image,
  link, raw HTML tag and automatic link into plain text - whatever wrote it, a template, a
  language model, or a reply stored before this check existed;
- :func:`safe_reply` removes images, links and web addresses from a language model's draft
  before it is checked, so a draft never smuggles an address in.
"""

from __future__ import annotations

import re

#: Characters that make Markdown or HTML (emphasis, links, images, tags, headings, tables,
#: LaTeX); a backslash before one shows it literally.
_SPECIAL = re.compile(r"([\\`*_\[\]()!<>#|~&$])")
#: What turns text into a link on its own in GitHub Markdown: ``scheme://``, ``www.``, ``a@b``.
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(?=://)|(?<=\bwww)(?=\.)|(?=@)", re.I)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]*>")
_BARE_URL = re.compile(r"\b(?:https?|ftp|javascript|data):[^\s)]*", re.I)
#: In a whole Markdown text: an escaped character (kept as it is) or one that could start an
#: image, a link, a tag or an automatic link (escaped).
_LIVE = re.compile(r"\\[\s\S]|[\[\]<>]|(?<=[A-Za-z]):(?=//)|(?<=\bwww)\.|@", re.I)


def escape(text: object) -> str:
    """``text`` (from data) shown literally in Markdown, on one line."""
    flat = _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    return _AUTOLINK.sub("\\\\", flat)


def literal(text: object) -> str:
    """``text`` shown literally in Markdown, keeping its line breaks (a person's message)."""
    return "  \n".join(escape(line) for line in str(text).splitlines())


def safe_markdown(text: object) -> str:
    """Markdown for the page: emphasis and lists kept; images, links, HTML tags and web or
    e-mail addresses shown as text, never live. Already escaped characters stay as they are,
    so applying it twice changes nothing."""
    return _LIVE.sub(lambda m: m[0] if m[0].startswith("\\") else "\\" + m[0], str(text))


def safe_reply(text: str) -> str:
    """A model's reply without images, HTML, links or web addresses (link text is kept)."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub("", text)
    return _BARE_URL.sub("", text).strip()
