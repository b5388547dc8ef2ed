"""Revocation for good: a login cookie or an API token issued before a disable or an
admin's password reset never works again (enabling the account again revives none of
them); a user's own password change ends their other logins and keeps the one it was
made from. In the pages (AppTest), in front of every route, and on the API (TestClient)."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from starlette.testclient import TestClient

from jobs.catalog.database import connect
from studio.accounts.login_cookie import COOKIE_NAME
from studio.accounts.store import AccountStore
from studio.services import WebConfig
from studio.ui.session import LOGIN_KEY
from tests.fixtures.studio import (
    COOKIE_KEY,
    SAME_SITE,
    USERS,
    BrowserConnection,
    log_in,
    open_app,
    web_app,
    web_config,
)
from tests.reliability.test_login_tokens import copied_cookie, logged_in, shows_login_form


@pytest.fixture
def config(studio_data: Path) -> WebConfig:
    return web_config(studio_data)


def browser_of(config: WebConfig, username: str, password: str) -> TestClient:
    """A browser logged in by the form: its cookie jar holds the login."""
    browser = TestClient(web_app(config), follow_redirects=False)
    answer = browser.post(
        "/auth/login", data={"username": username, "password": password}, headers=SAME_SITE
    )
    assert answer.status_code == 303, answer.text
    return browser


def works(browser: TestClient) -> bool:
    return browser.get("/library").text == "streamlit: /library"


def api_works(config: WebConfig, token: str) -> bool:
    client = TestClient(web_app(config))
    answer = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def test_disable_then_enable_revives_no_cookie_and_no_token(config: WebConfig):
    laptop = browser_of(config, "ana", USERS["ana"])
    token = config.tokens.create("ana", "render farm")
    assert works(laptop) and api_works(config, token)

    config.store.set_disabled("ana", True)
    assert not works(laptop) and not api_works(config, token)
    config.store.set_disabled("ana", False)
    assert not works(laptop), "enabling the account again revived an old login"
    assert not api_works(config, token), "enabling the account again revived an old token"
    assert [t.active for t in config.tokens.list("ana")] == [False]  # listed, as revoked

    again = browser_of(config, "ana", USERS["ana"])  # a fresh login and token do work
    assert works(again) and api_works(config, config.tokens.create("ana", "render farm"))


def test_an_admins_reset_ends_every_cookie_and_token(config: WebConfig):
    laptop = browser_of(config, "ana", USERS["ana"])
    token = config.tokens.create("ana", "render farm")
    config.store.set_password("ana", "reset-by-the-admin")
    assert not works(laptop) and not api_works(config, token)
    assert works(browser_of(config, "ana", "reset-by-the-admin"))


def test_a_cookie_from_before_generations_works_until_the_first_disable(config: WebConfig):
    """Cookies signed before this change carry no generation: they are of generation 0."""
    old = jwt.encode(
        {"username": "ana", "exp_date": time.time() + 3600}, COOKIE_KEY, algorithm="HS256"
    )
    browser = TestClient(web_app(config), cookies={COOKIE_NAME: old})
    assert works(browser)
    config.store.set_disabled("ana", True)
    config.store.set_disabled("ana", False)
    assert not works(browser)


def test_a_login_racing_a_disable_is_void_after_the_enable(config: WebConfig):
    """The generation is read before the password check: a disable in between wins."""
    before = config.store.generation("ana")
    config.store.set_disabled("ana", True)
    config.store.set_disabled("ana", False)
    assert config.store.generation("ana") == before + 1
    stale = jwt.encode(
        {"username": "ana", "exp_date": time.time() + 3600, "gen": before},
        COOKIE_KEY,
        algorithm="HS256",
    )
    assert not works(TestClient(web_app(config), cookies={COOKIE_NAME: stale}))


def test_an_open_page_ends_at_its_next_run_though_no_run_saw_the_disable(
    studio_data: Path, browser: BrowserConnection
):
    ana = log_in(open_app(), "ana", USERS["ana"])
    browser.with_cookies(copied_cookie(ana))
    accounts = AccountStore(studio_data / "catalog.sqlite3")
    accounts.set_disabled("ana", True)
    accounts.set_disabled("ana", False)  # no run of the page in between
    assert shows_login_form(ana.run())
    assert shows_login_form(open_app()), "the copied cookie logged in after the enable"


def test_my_own_password_change_ends_my_other_logins_and_keeps_this_one(
    config: WebConfig, studio_data: Path, browser: BrowserConnection
):
    here = log_in(open_app(), "ana", USERS["ana"])
    elsewhere = browser_of(config, "ana", USERS["ana"])  # her other laptop
    token = config.tokens.create("ana", "render farm")
    _, expires_at, _ = here.session_state[LOGIN_KEY]

    config.store.change_own_password("ana", "ana-new-password", keep_login=expires_at)
    browser.with_cookies(copied_cookie(here))
    assert logged_in(here.run()), "the page she changed it on logged her out"
    assert logged_in(open_app()), "her own cookie (a reload, a new tab) stopped working"
    assert not works(elsewhere), "her other laptop is still logged in"
    assert api_works(config, token)  # scripts go on; she revokes tokens on My account
    assert works(browser_of(config, "ana", "ana-new-password"))


def test_an_old_catalogs_accounts_get_the_generation_column(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    with connect(path) as db:  # the accounts table as it was before this change
        db.execute(
            "CREATE TABLE accounts (username TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT "
            "NOT NULL, password_hash TEXT NOT NULL, disabled INTEGER NOT NULL DEFAULT 0, "
            "created_at REAL NOT NULL, tokens_valid_after REAL NOT NULL DEFAULT 0)"
        )
        db.execute("INSERT INTO accounts VALUES ('old', 'Old', 'user', 'x', 0, 1.0, 0)")
    store = AccountStore(path)
    assert store.generation("old") == 0
    store.add("new", "new-password-1")
    store.set_disabled("old", True)
    assert store.generation("old") == 1 and store.generation("new") == 0
