"""``coachg token``: personal access tokens for the REST API and the metrics.

``create`` prints the token once (only its hash is kept); ``list`` shows a user's tokens by
their first characters; ``revoke`` ends one. The user must exist already (``coachg users add``).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.orm import Session

from storage.api_tokens import TokenProblem, create_token, parse_scopes, revoke_token, tokens_of
from storage.db import database
from storage.models import TOKEN_SCOPES, User
from storage.settings import Settings
from storage.users import get_user
from ui.commands.common import acting_user_source, print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "token", help="personal access tokens for the REST API (/api/v1) and /metrics"
    )
    sub = parser.add_subparsers(dest="token_command", required=True)
    create = sub.add_parser(
        "create", help="make a token for --user and print it (once: it is not kept)"
    )
    create.add_argument(
        "--scope",
        action="append",
        choices=TOKEN_SCOPES,
        help="read (GET), write (POST, reads too) or metrics (/metrics); repeatable "
        "(default: read)",
    )
    create.add_argument("--name", default="", help="a label for the list, e.g. 'phone'")
    create.set_defaults(func=_create)
    listing = sub.add_parser("list", help="list --user's tokens (their first characters)")
    listing.set_defaults(func=_list)
    revoke = sub.add_parser("revoke", help="revoke one of --user's tokens by its id")
    revoke.add_argument("id", type=int, help="the token's id (see coachg token list)")
    revoke.set_defaults(func=_revoke)


def _user(args: argparse.Namespace, session: Session) -> User | None:
    """The user ``--user`` (or the acting user) names, or None, saying so."""
    name, source = acting_user_source(args)
    user = get_user(session, name)
    if user is None:
        print(
            f"No user called {name!r} ({source}); add them with coachg users add.", file=sys.stderr
        )
    return user


def _create(args: argparse.Namespace) -> int:
    try:
        scopes = parse_scopes(args.scope or ["read"])
    except TokenProblem as error:
        print(error, file=sys.stderr)
        return 2
    with database(Settings.from_env().database_url).session() as session:
        user = _user(args, session)
        if user is None:
            return 2
        made = create_token(session, user, scopes, name=args.name)
        print(
            f"Token {made.row.id} for {user.name} ({made.row.scopes}). It is shown this once; "
            "keep it like a password:",
            file=sys.stderr,
        )
        print(made.secret)
        print(
            "Use it as the header 'Authorization: Bearer <token>'; end it with "
            f"coachg token revoke {made.row.id} --user {user.name}.",
            file=sys.stderr,
        )
    return 0


def _list(args: argparse.Namespace) -> int:
    with database(Settings.from_env().database_url).session() as session:
        user = _user(args, session)
        if user is None:
            return 2
        rows = [
            (
                token.id,
                f"{token.prefix}…",
                token.name,
                token.scopes,
                token.created_at.strftime("%Y-%m-%d %H:%M"),
                token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never",
                token.revoked_at.strftime("%Y-%m-%d %H:%M") if token.revoked_at else "",
            )
            for token in tokens_of(session, user)
        ]
    if not rows:
        print(f"{user.name} has no tokens; make one with coachg token create --user {user.name}.")
        return 0
    print_table(["id", "token", "name", "scopes", "created", "last used", "revoked"], rows)
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with database(Settings.from_env().database_url).session() as session:
        user = _user(args, session)
        if user is None:
            return 2
        token = revoke_token(session, user, args.id)
        if token is None:
            print(f"{user.name} has no token {args.id} (coachg token list).", file=sys.stderr)
            return 2
        print(f"Token {token.id} ({token.prefix}…) of {user.name} is revoked; it no longer works.")
    return 0
