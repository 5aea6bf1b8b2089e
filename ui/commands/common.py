"""What the subcommands share: the database, the acting user, and printing tables."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from storage.db import Database, database
from storage.settings import Settings
from storage.users import get_or_create_user, get_user
from tools.context import ToolContext


def acting_user_name(args: argparse.Namespace) -> str:
    return (getattr(args, "user", None) or os.environ.get("COACHG_USER") or "me").lower()


def open_context(args: argparse.Namespace, athlete: str | None = None) -> ToolContext:
    """A tool context for the user named by ``--user`` (created if new), about ``athlete``."""
    settings = Settings.from_env()
    db: Database = database(settings.database_url)
    with db.session() as session:
        actor = get_or_create_user(session, acting_user_name(args))
        athlete_id = actor.id
        if athlete:
            target = get_user(session, athlete)
            if target is None:
                raise SystemExit(f"No athlete called {athlete!r}.")
            athlete_id = target.id
    try:
        return ToolContext(db=db, actor=actor, settings=settings, athlete_id=athlete_id)
    except PermissionError as error:
        raise SystemExit(str(error)) from error


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
