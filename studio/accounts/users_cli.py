"""``python -m studio users add|disable|enable|reset-password|list``: accounts for an admin
at the shell, for provisioning without the browser.

    python -m studio users add ana --password-stdin < pw.txt   # or --password P, or neither:
    python -m studio users add bob --admin                     # a random one is printed
    python -m studio users disable ana                         # her logins and tokens end
    python -m studio users enable ana                          # none of them come back
    python -m studio users reset-password ana                  # prints a new random password
    python -m studio users list

A printed password is the only thing on stdout, so ``PW=$(python -m studio users
reset-password ana)`` works. Exit status: 0 done, 2 refused (the reason on stderr).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import UTC, datetime

from engines.settings import Settings
from jobs.catalog.database import catalog_path
from studio.accounts.store import AccountError, AccountStore

REFUSED = 2


class Refused(Exception):
    """What the admin asked cannot be done; the message says why."""


def parser() -> argparse.ArgumentParser:
    commands = argparse.ArgumentParser(
        prog="python -m studio users", description="The studio's accounts."
    )
    actions = commands.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make an account (prints a random password unless given)")
    add.add_argument("user", help="the login name: 2-32 of a-z 0-9 . _ -")
    given = add.add_mutually_exclusive_group()
    given.add_argument("--password", help="the password (visible to `ps`: prefer --password-stdin)")
    given.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--admin", action="store_true", help="an admin rather than a user")
    add.add_argument("--name", default="", help="the name shown in the studio (the login name)")
    for action, what in (
        ("disable", "end every login and API token; no more logins"),
        ("enable", "allow logins again (old logins and tokens stay ended)"),
    ):
        actions.add_parser(action, help=what).add_argument("user")
    reset = actions.add_parser(
        "reset-password", help="a new password (printed, random unless read); ends every login"
    )
    reset.add_argument("user")
    reset.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    actions.add_parser("list", help="every account: login, name, role, active, created")
    return commands


def password_from(args: argparse.Namespace) -> tuple[str, bool]:
    """(the password, whether to print it): given, read from stdin, or made up."""
    if getattr(args, "password", None) is not None:
        return args.password, False
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise Refused("No password came on stdin; send one line with the password.")
        return password, False
    return secrets.token_urlsafe(18), True


def known(store: AccountStore, username: str) -> None:
    if store.get(username) is None:
        raise Refused(
            f"There is no account {username!r}; `python -m studio users list` shows them."
        )


def run(store: AccountStore, args: argparse.Namespace) -> None:
    if args.action == "list":
        for a in store.all():
            created = datetime.fromtimestamp(a.created_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
            state = "disabled" if a.disabled else "active"
            print(f"{a.username}\t{a.name}\t{a.role}\t{state}\t{created}")
        return
    if args.action == "add":
        password, show = password_from(args)
        store.add(args.user, password, name=args.name, role="admin" if args.admin else "user")
        if show:
            print(password)
        print(f"Added {args.user} ({'admin' if args.admin else 'user'}).", file=sys.stderr)
        return
    known(store, args.user)
    if args.action == "reset-password":
        password, show = password_from(args)
        store.set_password(args.user, password)  # ends every login and API token
        if show:
            print(password)
        print(f"New password set for {args.user}; their logins and API tokens ended.",
              file=sys.stderr)  # fmt: skip
        return
    disable = args.action == "disable"
    store.set_disabled(args.user, disable)
    if disable:
        print(f"Disabled {args.user}; their logins and API tokens ended.", file=sys.stderr)
    else:
        print(f"Enabled {args.user}; they log in anew (old logins and tokens stay ended).",
              file=sys.stderr)  # fmt: skip


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    store = AccountStore(catalog_path(Settings.from_env().data_dir))
    try:
        run(store, args)
    except (Refused, AccountError) as refusal:
        print(refusal, file=sys.stderr)
        return REFUSED
    return 0
