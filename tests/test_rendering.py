"""The rendering boundary: names that came from data (a Strava export's file names, activity
names, a user's display name, a reply stored long ago) never reach the page as an image, a link
or a tag, in any reply or view of the web app.

What the page would make live is read with a real Markdown parser (markdown-it, CommonMark,
with raw HTML on as in Gradio), plus GitHub's automatic links (a bare web or e-mail address),
which Gradio's ``marked`` also makes. The browser half (a real Chromium) is in
``tests/test_web_browser.py``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from markdown_it import MarkdownIt

from agent.coach import Coach
from agent.composer import compose
from storage.activities import NewActivity, add_activity
from storage.chat import add_message
from storage.db import Database
from storage.models import User
from storage.settings import Settings
from storage.users import create_user, link_coach
from tests.test_web import gradio_cache  # noqa: F401 - the fixture
from tools.activities import list_activities
from tools.context import ToolContext
from tools.markdown import escape, literal, safe_markdown
from ui.web_chat import ChatHandler, stored_history
from ui.web_import import ImportHandler
from ui.web_session import header_text
from ui.web_settings import SettingsHandler

EVIL = "evil.example"
#: The hostile names of issue 12, and variants.
HOSTILE_FILES = [
    f"activities/![x](http://{EVIL}/p.png) x.fit",
    f"activities/<img src=http://{EVIL}/q.png> y.fit",
]
HOSTILE_NAMES = [
    f"Tempo http://{EVIL}/x",
    f"![n](http://{EVIL}/n.png) www.{EVIL} long run",
    f"<a href=http://{EVIL}/a>club</a> run by ann@{EVIL}",
]
HOSTILE_DISPLAY = f"![me](http://{EVIL}/me.png) [Ann](http://{EVIL}/a) **A**"
#: GitHub Markdown's automatic links: a web address, ``www.``, an e-mail address.
_AUTOLINK = re.compile(r"(?i)\b(?:https?|ftp)://|\bwww\.|[\w.+-]@[\w-]+\.\w")
_PARSER = MarkdownIt("commonmark").disable("text_join")  # keeps escaped characters apart


def live_markup(markdown: str) -> list[str]:
    """Everything in ``markdown`` that a Markdown renderer would make live: images, links,
    raw HTML, and bare addresses that GitHub Markdown links by itself."""
    found: list[str] = []
    for block in _PARSER.parse(markdown):
        for token in [block, *(block.children or [])]:
            if token.type in ("image", "link_open", "html_inline", "html_block"):
                found.append(f"{token.type}: {token.content or token.attrs}")
            elif token.type == "text" and _AUTOLINK.search(token.content):
                found.append(f"autolink: {token.content}")
    return found


def markdown_in(messages: list[dict[str, Any]]) -> list[str]:
    """The Markdown texts of chat messages (a message is text, or a list of text and files)."""
    texts: list[str] = []
    for message in messages:
        content = message["content"]
        parts = content if isinstance(content, list) else [content]
        texts += [part for part in parts if isinstance(part, str)]
    return texts


def test_the_checker_sees_what_the_issue_saw() -> None:
    """The raw hostile names are live markup (so the assertions below mean something)."""
    for name in [*HOSTILE_FILES, *HOSTILE_NAMES, HOSTILE_DISPLAY]:
        assert live_markup(name), name


@pytest.mark.parametrize("text", [*HOSTILE_FILES, *HOSTILE_NAMES, HOSTILE_DISPLAY])
def test_escape_and_boundary_leave_nothing_live(text: str) -> None:
    assert live_markup(escape(text)) == []
    assert live_markup(literal(f"{text}\n{text}")) == []
    assert live_markup(safe_markdown(f"**Note:** {text} - *kept*")) == []
    assert safe_markdown(safe_markdown(text)) == safe_markdown(text)  # applied twice: the same
    assert "<strong>" in MarkdownIt("commonmark").render(safe_markdown(f"**{text}**"))


def hostile_export(shared_data: Path, folder: Path) -> Path:
    """The real Strava export, its rows renamed: hostile file names (files absent, so the
    import warns naming them) and hostile activity names."""
    source = shared_data / "activity_files" / "strava_export" / "activities.csv"
    with source.open(newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    template = rows[0]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for day, name in enumerate(HOSTILE_NAMES):
        row = list(template)
        row[header.index("Activity ID")] = str(900000 + day)
        row[header.index("Activity Date")] = f"May {10 + day}, 2022, 3:53:35 PM"
        row[header.index("Activity Name")] = name
        row[header.index("Filename")] = HOSTILE_FILES[day % len(HOSTILE_FILES)]
        writer.writerow(row)
    path = folder / "export_hostile.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("activities.csv", out.getvalue())
        archive.writestr("activities/readme.txt", "the files are missing on purpose")
    return path


def upload(cache: Path, path: Path) -> str:
    """``path`` as the browser would have uploaded it (into Gradio's upload folder)."""
    target = cache / "upload1" / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())
    return str(target)


def last(updates: Any) -> list[dict[str, Any]]:
    *_, final = updates
    return final[1]


@pytest.fixture
def hostile(db: Database) -> dict[str, User]:
    with db.session() as session:
        ann = create_user(session, "ann", password="ann-pass-1", display_name=HOSTILE_DISPLAY)
        ben = create_user(session, "ben", password="ben-pass-1", display_name=HOSTILE_NAMES[0])
        cora = create_user(session, "cora", role="coach", password="cora-pass-1")
        link_coach(session, cora, ann)
        link_coach(session, cora, ben)
    return {"ann": ann, "ben": ben, "cora": cora}


def test_no_reply_or_view_renders_a_hostile_name(
    db: Database,
    settings: Settings,
    hostile: dict[str, User],
    shared_data: Path,
    gradio_cache: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    ann = hostile["ann"]
    with db.session() as session:  # a reply stored before the boundary existed
        add_message(session, ann, "assistant", f"Note: {HOSTILE_FILES[0]}: file missing")
    coach = Coach(db, settings)
    chat = ChatHandler(db, settings, coach)
    as_ann, as_cora = gr.Request(username="ann"), gr.Request(username="cora")
    zipped = upload(gradio_cache, hostile_export(shared_data, tmp_path))

    shown: dict[str, str] = {}
    asked = last(chat.respond({"text": "import this", "files": [zipped]}, [], None, as_ann))
    if asked[-1]["content"] and "yes" in str(asked[-1]["content"]).lower():
        asked = last(chat.answer_yes(asked, None, as_ann))
    runs = last(chat.respond({"text": "my last 5 runs"}, asked, None, as_ann))
    shown |= {f"ann chat {i}": text for i, text in enumerate(markdown_in(runs))}
    about = last(chat.respond({"text": "last 5 runs of ann and ben"}, [], "", as_cora))
    shown |= {f"cora chat {i}": text for i, text in enumerate(markdown_in(about))}
    shown |= {f"history {i}": text for i, text in enumerate(markdown_in(stored_history(db, ann)))}
    shown["header"] = header_text(ann)
    shown["settings"] = SettingsHandler(db, settings).account(as_ann)
    report, *_ = list(ImportHandler(db, settings).run_import([zipped], None, as_ann))[-1]
    shown["import report"] = report

    everything = "\n".join(shown.values())
    assert "missing" in everything and "Tempo" in everything and EVIL in everything
    assert "import_activities" in str(runs) or "imported" in everything.lower()
    for where, markdown in shown.items():
        assert live_markup(markdown) == [], (where, markdown)


def test_activity_names_reach_the_reply_as_text(
    db: Database, settings: Settings, hostile: dict[str, User]
) -> None:
    """The list of runs names each activity literally (shown, not dropped)."""
    ann = hostile["ann"]
    with db.session() as session:
        for day, name in enumerate(HOSTILE_NAMES):
            new = NewActivity("file", f"x{day}", "run", datetime(2025, 5, 1 + day, tzinfo=UTC))
            new.name, new.distance_m = name, 5000.0
            add_activity(session, ann, ann.id, new)
    ctx = ToolContext(db=db, actor=ann, settings=settings)
    text = safe_markdown(compose(list_activities(ctx, limit=5)))
    assert live_markup(text) == []
    rendered = MarkdownIt("commonmark").render(text)
    assert f"Tempo http://{EVIL}/x" in rendered
    assert f"![n](http://{EVIL}/n.png) www.{EVIL} long run" in rendered
    assert f"&lt;a href=http://{EVIL}/a&gt;club&lt;/a&gt; run by ann@{EVIL}" in rendered
