"""The Settings tab's "API tokens": make a personal access token for the REST API or the
metrics (shown once, in a box to copy; only its hash is kept), see one's tokens by their first
characters, and revoke one. Everything acts on the logged-in user's own tokens
(:mod:`storage.api_tokens`); the same as ``coachg token``.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from storage.api_tokens import TokenProblem, create_token, revoke_token, tokens_of
from storage.db import Database
from storage.models import TOKEN_SCOPES, ApiToken
from tools.markdown import escape
from ui.web_session import acting_user

log = logging.getLogger(__name__)

HELP = (
    "A personal access token lets a script or an app use Coach G's REST API (`/api/v1`) as "
    "you: send it as the header `Authorization: Bearer <token>`. **read** reads your data, "
    "**write** also sends chat messages, videos and strength sessions, **metrics** reads "
    "`/metrics`. The token is shown once; revoke it here when you no longer use it."
)
NO_TOKENS = "You have no tokens yet."
#: A token list and the choices of the revoke dropdown: (label, token id).
Choices = list[tuple[str, int]]


def token_table(tokens: list[ApiToken]) -> str:
    """A user's tokens as a Markdown table (names escaped), newest first."""
    if not tokens:
        return NO_TOKENS
    lines = ["| token | name | scopes | created | last used | state |", "|---|---|---|---|---|---|"]
    for token in tokens:
        used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never"
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        lines.append(
            f"| `{token.prefix}…` | {escape(token.name) or '-'} | {token.scopes} | "
            f"{token.created_at:%Y-%m-%d %H:%M} | {used} | {state} |"
        )
    return "\n".join(lines)


def revoke_choices(tokens: list[ApiToken]) -> Choices:
    """The active tokens, as the revoke dropdown lists them."""
    return [
        (f"{token.prefix}… {token.name}".strip(), token.id)
        for token in tokens
        if token.revoked_at is None
    ]


class TokensHandler:
    """The handlers of the tokens section; each acts on the logged-in user's own tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def listing(self, request: gr.Request) -> tuple[str, Any]:
        """The user's tokens and the revoke dropdown's choices."""
        actor = acting_user(self.db, request)
        with self.db.session() as session:
            tokens = tokens_of(session, actor)
            table, choices = token_table(tokens), revoke_choices(tokens)
        return table, gr.Dropdown(choices=choices, value=None)

    def create(self, name: str, scopes: list[str], request: gr.Request) -> tuple[Any, ...]:
        """Make a token: the box shows it (this once), then the list again."""
        actor = acting_user(self.db, request)
        try:
            with self.db.session() as session:
                made = create_token(session, actor, scopes or [], name=name or "")
                secret, scope_words = made.secret, made.row.scopes
        except TokenProblem as error:
            return (
                gr.Textbox(value="", visible=False),
                escape(str(error)),
                *self.listing(request),
            )
        log.info("%s made an API token (%s)", actor.name, scope_words)
        status = (
            f"Token made ({scope_words}). Copy it now: it is shown this once and not kept. "
            "Reloading the page hides it."
        )
        box = gr.Textbox(value=secret, visible=True)
        return (box, status, *self.listing(request))

    def revoke(self, token_id: int | None, request: gr.Request) -> tuple[Any, ...]:
        """Revoke the token picked (one of the user's own)."""
        actor = acting_user(self.db, request)
        if token_id is None:
            return ("Pick a token to revoke first.", *self.listing(request))
        with self.db.session() as session:
            token = revoke_token(session, actor, int(token_id))
            words = (
                f"Token `{token.prefix}…` is revoked; it no longer works."
                if token is not None
                else "That token is not one of yours."
            )
        return (words, *self.listing(request))

    def build(self) -> None:
        """The section's components and events (inside the Settings tab); :meth:`land` fills
        the list once the page has loaded."""
        gr.Markdown("### API tokens")
        gr.Markdown(HELP, elem_id="token-help")
        with gr.Row():
            name = gr.Textbox(label="What it is for", placeholder="phone", elem_id="token-name")
            scopes = gr.CheckboxGroup(
                choices=list(TOKEN_SCOPES), value=["read"], label="Scopes", elem_id="token-scopes"
            )
        create = gr.Button("Create token", elem_id="token-create")
        shown = gr.Textbox(
            label="Your new token (shown once: copy it now)",
            interactive=False,
            visible=False,
            buttons=["copy"],
            elem_id="token-shown",
        )
        status = gr.Markdown(elem_id="token-status")
        table = gr.Markdown(elem_id="token-list")
        with gr.Row():
            pick = gr.Dropdown(label="Token to revoke", choices=[], elem_id="token-pick")
            revoke = gr.Button("Revoke", variant="stop", elem_id="token-revoke")
        private: dict[str, Any] = {"api_visibility": "private"}
        create.click(self.create, [name, scopes], [shown, status, table, pick], **private)
        revoke.click(self.revoke, [pick], [status, table, pick], **private)
        self._list_outputs = [table, pick]

    def land(self, loaded: Any) -> None:
        """After the page has loaded: the user's tokens."""
        loaded.then(self.listing, None, self._list_outputs, api_visibility="private")
