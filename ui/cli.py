"""``coachg``: the command line, thin over the library. Each subcommand lives in ui/commands/."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from storage.logging_setup import configure_logging
from storage.private_files import private_dir, private_process
from storage.settings import Settings

# Each module has register(subparsers); its parser sets ``func(args) -> int``.
COMMANDS = (
    "serve",
    "users",
    "importing",
    "activities",
    "trends",
    "strength",
    "strava",
    "analyze",
    "ask",
    "worker",
    "plan",
    "token",
)
#: Each command word, the module above that registers it, and its one-line help: what
#: ``coachg --help`` lists without importing any command module (importing them all took 4 s).
#: tests/test_startup.py checks every line against what its module registers; a module of
#: ``COMMANDS`` missing here is still imported for the list, only slower.
LISTED: dict[str, tuple[str, str]] = {
    "serve": ("serve", "start the chat app on localhost"),
    "users": ("users", "add users and link coaches to athletes"),
    "import": (
        "importing",
        "import activity files (FIT, GPX, TCX, .gz, folders, zips, Strava export)",
    ),
    "activities": ("activities", "list activities, newest first"),
    "load": ("trends", "training load: fitness, fatigue, form, weekly volume and long-run spikes"),
    "changes": ("trends", "where a metric (cadence, stride, heart rate, pace, ...) changed level"),
    "profile": ("trends", "show or set the heart rates, threshold pace and sex training load uses"),
    "strength": (
        "strength",
        "log and look back at strength sessions, routines, the exercise library",
    ),
    "strava": ("strava", "connect Strava and sync activities from it"),
    "analyze": ("analyze", "analyse a running video (side or rear view)"),
    "ask": ("ask", "ask Coach G one question"),
    "worker": ("worker", "run job workers against the shared queue (COACHG_QUEUE_URL)"),
    "plan": ("plan", "your next weeks of running: show the plan or export it as a calendar"),
    "token": ("token", "personal access tokens for the REST API (/api/v1) and /metrics"),
}


def _command_word(argv: list[str]) -> str | None:
    """The first word of ``argv`` that is neither an option nor ``--user``'s value."""
    words = iter(argv)
    for word in words:
        if word == "--user":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The command line. Given ``argv`` that names a subcommand, only that subcommand's module is
    imported (``coachg analyze`` need not load the agent, Chroma or Strava); given one that names
    none (``coachg --help``, a typo), the commands are listed from :data:`LISTED` with no module
    imported; with no ``argv`` at all, every module registers its full parser."""
    parser = argparse.ArgumentParser(
        prog="coachg", description="Coach G: a running coach that works on your own data."
    )
    parser.add_argument(
        "--user",
        default=None,
        help="who you are (default: $COACHG_USER, else 'me'); created as an athlete if new",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    word = _command_word(argv) if argv is not None else None
    module = LISTED[word][0] if word in LISTED else word
    if module in COMMANDS:
        importlib.import_module(f"ui.commands.{module}").register(subparsers)
    if word not in subparsers.choices:  # help, a typo, or a command of a module not listed
        listed = {owner for owner, _ in LISTED.values()}
        for name in COMMANDS:
            if name != module and (argv is None or name not in listed):
                importlib.import_module(f"ui.commands.{name}").register(subparsers)
        if argv is not None:
            for name, (owner, summary) in LISTED.items():
                if owner in COMMANDS and name not in subparsers.choices:
                    subparsers.add_parser(name, help=summary)
    for command in subparsers.choices.values():
        _accept_user_anywhere(command)
    return parser


def _accept_user_anywhere(parser: argparse.ArgumentParser) -> None:
    """Let ``--user`` also follow a subcommand (``coachg ask "..." --user ann``)."""
    parser.add_argument("--user", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _accept_user_anywhere(child)


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Python's cyclic garbage collector paused while a command's modules are imported, and what
    they built then frozen out of its later passes (:func:`gc.freeze`).

    Importing the agent allocates a few hundred thousand objects (classes, functions, SQLAlchemy
    tables, compiled patterns) that live as long as the process and hold no garbage; the
    collector walked them again and again as they piled up: a tenth of a second of every
    ``coachg ask``. Only for a process started as ``coachg`` (``pause``): a test calling
    :func:`main` keeps its collector as it was.
    """
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    started = argv is None  # this process's own command line: `coachg ...`, `python -m ui.cli`
    argv = sys.argv[1:] if argv is None else argv
    with _collector_paused(started):
        parser = build_parser(argv)
    args = parser.parse_args(argv)
    # The command has the process to itself and ends with it: what it loads serves it once.
    args.own_process = started
    settings = Settings.from_env()
    private_process()  # what Coach G writes is its user's alone (umask 077)
    private_dir(settings.home)
    configure_logging("DEBUG" if args.verbose else settings.log_level)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
    finally:
        # Loaded by the commands that queue jobs (importing it for every command would cost
        # `coachg --help` half a second).
        if (common := sys.modules.get("ui.commands.common")) is not None:
            common.stop_command_jobs()


if __name__ == "__main__":
    sys.exit(main())
