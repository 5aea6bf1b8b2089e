"""``coachg users``: add athletes and coaches, link a coach to an athlete, set a password."""

from __future__ import annotations

import argparse
import getpass
import sys

from storage.account_policy import account_problem
from storage.db import database
from storage.settings import Settings
from storage.users import athletes_of, create_user, get_user, link_coach, set_password
from ui.commands.common import print_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="add users and link coaches to athletes")
    sub = parser.add_subparsers(dest="users_command", required=True)
    add = sub.add_parser("add", help="add a user (asks for a password)")
    add.add_argument("name")
    add.add_argument("--role", choices=("athlete", "coach"), default="athlete")
    add.add_argument("--password", help="password (default: asked for, not echoed)")
    add.set_defaults(func=_add)
    link = sub.add_parser("link", help="let COACH see ATHLETE's data")
    link.add_argument("coach")
    link.add_argument("athlete")
    link.set_defaults(func=_link)
    listing = sub.add_parser("athletes", help="list a coach's athletes")
    listing.add_argument("coach")
    listing.set_defaults(func=_athletes)
    passwd = sub.add_parser(
        "passwd", help="set NAME's password (the machine's owner resets a forgotten one)"
    )
    passwd.add_argument("name")
    passwd.add_argument("--password", help="new password (default: asked for twice, not echoed)")
    passwd.set_defaults(func=_passwd)


def _add(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass(f"Password for {args.name}: ")
    problem = account_problem(args.name, password)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    with database(Settings.from_env().database_url).session() as session:
        user = create_user(session, args.name, role=args.role, password=password)
        print(f"Added {user.role} {user.name}.")
    return 0


def _link(args: argparse.Namespace) -> int:
    with database(Settings.from_env().database_url).session() as session:
        coach, athlete = get_user(session, args.coach), get_user(session, args.athlete)
        if coach is None or athlete is None:
            print("Both users must exist first: coachg users add NAME --role coach|athlete")
            return 2
        link_coach(session, coach, athlete)
        print(f"{coach.name} now coaches {athlete.name}.")
    return 0


def _athletes(args: argparse.Namespace) -> int:
    with database(Settings.from_env().database_url).session() as session:
        coach = get_user(session, args.coach)
        if coach is None:
            print(f"No user called {args.coach!r}.")
            return 2
        print_table(
            ["athlete", "name"], [(a.name, a.display_name) for a in athletes_of(session, coach)]
        )
    return 0


def _passwd(args: argparse.Namespace) -> int:
    password = args.password
    if not password:
        password = getpass.getpass(f"New password for {args.name}: ")
        if getpass.getpass("The same password again: ") != password:
            print("The two passwords differ; nothing was changed.", file=sys.stderr)
            return 2
    with database(Settings.from_env().database_url).session() as session:
        user = get_user(session, args.name)
        if user is None:
            print(f"No user called {args.name!r}.", file=sys.stderr)
            return 2
        try:
            set_password(session, user, password)
        except ValueError as error:
            print(error, file=sys.stderr)
            return 2
        print(f"{user.name}'s password is changed; the old one no longer works.")
    return 0
