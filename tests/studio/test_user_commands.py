"""``python -m studio users add|disable|enable|reset-password|list``, run as an admin runs
it (a real process), against a studio's data dir; logins checked by the real login route."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from studio.accounts.store import AccountStore
from studio.startup import ensure_admin
from tests.cli_runner import run_studio_cli as users_cli
from tests.fixtures.studio import SAME_SITE, USERS, login_cookie, web_app, web_config


def users(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return users_cli(["users", *args], stdin=stdin)


def can_log_in(data: Path, username: str, password: str) -> bool:
    return login_cookie(data, username, password) is not None


def logged_in(config, username: str) -> TestClient:  # type: ignore[no-untyped-def]
    """A browser of ``username``'s, logged in by the form."""
    browser = TestClient(web_app(config), follow_redirects=False)
    data = {"username": username, "password": USERS[username]}
    assert browser.post("/auth/login", data=data, headers=SAME_SITE).status_code == 303
    return browser


def test_add_with_a_password_from_stdin_and_log_in(studio_data: Path):
    made = users("add", "carl", "--password-stdin", stdin="carl-password-1\n")
    assert made.returncode == 0, made.stderr
    assert made.stdout == "" and "Added carl (user)" in made.stderr  # no password echoed
    assert can_log_in(studio_data, "carl", "carl-password-1")
    account = AccountStore(studio_data / "catalog.sqlite3").get("carl")
    assert account is not None and account.role == "user" and not account.disabled


def test_add_an_admin_with_no_password_prints_a_random_one_that_works(studio_data: Path):
    made = users("add", "dora", "--admin")
    assert made.returncode == 0, made.stderr
    password = made.stdout.strip()
    assert len(password) >= 20 and "\n" not in password
    assert can_log_in(studio_data, "dora", password)
    assert AccountStore(studio_data / "catalog.sqlite3").get("dora").is_admin  # type: ignore[union-attr]
    other = users("add", "erin")
    assert other.stdout.strip() != password


def test_add_with_password_flag(studio_data: Path):
    assert users("add", "fred", "--password", "fred-password-1").returncode == 0
    assert can_log_in(studio_data, "fred", "fred-password-1")


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["add", "ana", "--password", "whatever-1234"], None, "'ana' is taken"),
        (["add", "gus", "--password", "short"], None, "at least 8 characters"),
        (["add", "gus", "--password-stdin"], "\n", "No password came on stdin"),
        (["add", "gus", "--password-stdin"], "", "No password came on stdin"),
        (["add", "Not A Name", "--password", "whatever-1234"], None, "is not one"),
        (["disable", "nobody"], None, "no account 'nobody'"),
        (["enable", "nobody"], None, "no account 'nobody'"),
        (["reset-password", "nobody"], None, "no account 'nobody'"),
        (["disable", "boss"], None, "last active admin"),
    ],
)
def test_refusals_say_why_and_exit_2(
    studio_data: Path, args: list[str], stdin: str | None, says: str
):
    ensure_admin(AccountStore(studio_data / "catalog.sqlite3"))  # the admin `make run` makes
    refused = users(*args, stdin=stdin)
    assert refused.returncode == 2, refused
    assert says in refused.stderr and refused.stdout == ""
    assert AccountStore(studio_data / "catalog.sqlite3").get("gus") is None


def test_usage_errors_exit_2_with_the_usage():
    wrong = users("add", "x", "--password", "a", "--password-stdin")
    assert wrong.returncode == 2 and "not allowed with argument" in wrong.stderr
    assert users().returncode == 2


def test_disable_ends_logins_and_tokens_for_good_and_enable_revives_none(studio_data: Path):
    config = web_config(studio_data)
    laptop = TestClient(web_app(config), follow_redirects=False)
    laptop.post(
        "/auth/login", data={"username": "ana", "password": USERS["ana"]}, headers=SAME_SITE
    )
    token = config.tokens.create("ana", "farm")
    api = TestClient(web_app(config))
    auth = {"Authorization": f"Bearer {token}"}

    disabled = users("disable", "ana")
    assert disabled.returncode == 0 and "Disabled ana" in disabled.stderr
    assert not can_log_in(studio_data, "ana", USERS["ana"])
    assert "ana\tana\tuser\tdisabled\t" in users("list").stdout

    enabled = users("enable", "ana")
    assert enabled.returncode == 0 and "Enabled ana" in enabled.stderr
    assert can_log_in(studio_data, "ana", USERS["ana"])
    assert laptop.get("/library").status_code == 403  # her old login stays ended
    assert api.get("/api/v1/jobs", headers=auth).status_code == 401  # and her old token


def test_reset_password_prints_a_new_one_and_ends_every_login_and_token(studio_data: Path):
    config = web_config(studio_data)
    laptop = TestClient(web_app(config), follow_redirects=False)
    laptop.post(
        "/auth/login", data={"username": "ben", "password": USERS["ben"]}, headers=SAME_SITE
    )
    token = config.tokens.create("ben", "farm")

    reset = users("reset-password", "ben")
    assert reset.returncode == 0, reset.stderr
    password = reset.stdout.strip()
    assert can_log_in(studio_data, "ben", password)
    assert not can_log_in(studio_data, "ben", USERS["ben"])
    assert laptop.get("/library").status_code == 403
    api = TestClient(web_app(config))
    assert api.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"}).status_code == 401

    chosen = users("reset-password", "ben", "--password-stdin", stdin="ben-chosen-pass\n")
    assert chosen.returncode == 0 and chosen.stdout == ""
    assert can_log_in(studio_data, "ben", "ben-chosen-pass")


def test_list_shows_every_account_and_no_hash(studio_data: Path):
    listed = users("list")
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [r[0] for r in rows] == sorted(USERS)
    assert all(r[2] == "user" and r[3] == "active" and r[4].endswith("UTC") for r in rows)
    assert "$2b$" not in listed.stdout
