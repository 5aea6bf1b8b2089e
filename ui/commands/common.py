"""What the subcommands share: the database, the acting user, and printing tables."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from storage.account_policy import CLI_DEFAULT_USER, name_problem
from storage.db import Database, database
from storage.settings import Settings
from storage.users import create_user, get_user
from tools.context import Progress, ToolContext

if TYPE_CHECKING:
    from tqdm import tqdm

    from tools.jobs.runner import JobRunner


def acting_user_source(args: argparse.Namespace) -> tuple[str, str]:
    """Who the command acts as (``--user``, else ``$COACHG_USER``, else ``me``) and where that
    came from, for saying so."""
    if getattr(args, "user", None):
        return args.user.lower(), "from --user"
    if os.environ.get("COACHG_USER"):
        return os.environ["COACHG_USER"].lower(), "from COACHG_USER"
    return CLI_DEFAULT_USER, "the default user; choose another with --user NAME or COACHG_USER"


def open_context(args: argparse.Namespace, athlete: str | None = None) -> ToolContext:
    """A tool context for the user named by ``--user`` (created if new), about ``athlete``.

    Says on stderr whom it acts as, and where that came from, so the default is never silent.
    """
    settings = Settings.from_env()
    db: Database = database(settings.database_url)
    name, source = acting_user_source(args)
    with db.session() as session:
        actor = get_user(session, name)
        created = actor is None
        if actor is None:
            if problem := name_problem(name):
                raise SystemExit(f"Cannot act as {name!r}: {problem}")
            actor = create_user(session, name)
        new = ", a new athlete" if created else ""
        print(f"coachg: acting as {actor.name}{new} ({source})", file=sys.stderr)
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


#: The job queues the running command opened, stopped when it ends (:func:`stop_command_jobs`).
_opened: list[JobRunner] = []


def command_jobs(ctx: ToolContext) -> JobRunner:
    """The job queue a command submits to. With the default in-memory queue the command works
    its jobs itself; with a shared one (Redis, a queue file) ``coachg serve`` or ``coachg
    worker`` processes do, and the command waits for them."""
    from tools.jobs.broker import is_shared  # huey, redis: only for a command that queues
    from tools.jobs.runner import JobRunner

    shared = is_shared(ctx.settings.queue_url)
    workers = 0 if shared else max(1, ctx.settings.queue_workers)
    runner = JobRunner(ctx.db, ctx.settings, workers=workers).start()
    _opened.append(runner)
    return runner


def stop_command_jobs() -> None:
    """Stop the worker threads of the job queues the command opened (``ui.cli.main`` does when
    a command ends). In a process that goes on after the command (a test, a script calling
    ``ui.cli.main``) they would otherwise poll the queue, and log each poll at debug level, for
    as long as it runs: after a test, into its closed capture stream."""
    while _opened:
        _opened.pop().stop()


def job_progress_bar(desc: str, quiet: bool = False) -> tuple[tqdm, Progress]:
    """A progress bar on stderr (only on a terminal) and the callback that moves it; a job
    waiting in the queue says so in the bar."""
    from tqdm import tqdm  # only for the commands that wait on a job

    bar = tqdm(total=100, unit="%", desc=desc, leave=False, file=sys.stderr, disable=quiet or None)

    def progress(fraction: float, message: str) -> None:
        bar.set_description(message[:40])
        bar.update(max(0, round(fraction * 100) - bar.n))

    return bar, progress


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))
