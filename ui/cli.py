"""``coachg``: the command line, thin over the library. Each subcommand lives in ui/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys

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
)


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
    """The whole command line; given ``argv`` that names a subcommand, only that subcommand's
    module is imported (``coachg analyze`` need not load the agent, Chroma or Strava)."""
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
    if word in COMMANDS:  # a module that registers a command of its own name
        importlib.import_module(f"ui.commands.{word}").register(subparsers)
    if word not in subparsers.choices:  # help, a typo, or a command another module registers
        for name in COMMANDS:
            if name != word:
                importlib.import_module(f"ui.commands.{name}").register(subparsers)
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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    private_process()  # what Coach G writes is its user's alone (umask 077)
    private_dir(settings.home)
    configure_logging("DEBUG" if args.verbose else settings.log_level)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
