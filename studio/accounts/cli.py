"""``python -m studio tokens create USER NAME`` and ``... tokens revoke USER NAME``.

For provisioning a script's token without the browser: ``create`` prints the new token
(its only showing) on stdout, so ``TOKEN=$(python -m studio tokens create ana farm)``
works; ``revoke`` stops it at once.
"""

from __future__ import annotations

import argparse
import sys

from engines.settings import Settings
from jobs.catalog.database import catalog_path
from studio.accounts.store import AccountStore
from studio.accounts.tokens import ApiTokens, TokenError


def parser() -> argparse.ArgumentParser:
    commands = argparse.ArgumentParser(
        prog="python -m studio tokens", description="Personal access tokens for the HTTP API."
    )
    actions = commands.add_subparsers(dest="action", required=True)
    for action, what in (("create", "print a new token"), ("revoke", "revoke a token")):
        command = actions.add_parser(action, help=what)
        command.add_argument("user", help="the account's login name")
        command.add_argument("name", help="the token's name, e.g. 'render farm'")
    return commands


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    path = catalog_path(Settings.from_env().data_dir)
    account = AccountStore(path).get(args.user)
    if account is None or account.disabled:
        print(f"There is no active account {args.user!r}.", file=sys.stderr)
        return 2
    tokens = ApiTokens(path)
    if args.action == "create":
        try:
            print(tokens.create(args.user, args.name))
        except TokenError as refusal:
            print(refusal, file=sys.stderr)
            return 2
        return 0
    if not tokens.revoke(args.user, args.name):
        print(f"{args.user} has no live token named {args.name!r}.", file=sys.stderr)
        return 1
    print(f"Revoked {args.user}'s token {args.name!r}.")
    return 0
