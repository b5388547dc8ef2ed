"""Login cookies: revoked on the server by logout and password changes, expiring after the
configured hours (24 by default), and never trusted when forged, in the pages (AppTest)
and in front of every route (TestClient)."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from streamlit.testing.v1 import AppTest

from studio.accounts.login_cookie import COOKIE_NAME, CookieKeyError, cookie_expiry_hours
from studio.accounts.store import AccountStore
from studio.ui.session import LOGIN_KEY
from tests.fixtures.studio import (
    COOKIE_KEY,
    SAME_SITE,
    USERS,
    BrowserConnection,
    log_in,
    open_app,
    web_client,
    web_config,
)

KEY = COOKIE_KEY  # the studio_data fixture's key


def cookie(
    username: str, exp_date: float, key: str = KEY, algorithm: str = "HS256", gen: int = 0
) -> str:
    """A login cookie as the login route signs it (a JWT)."""
    claims = {"username": username, "exp_date": exp_date, "gen": gen}
    return jwt.encode(claims, key, algorithm=algorithm)


def copied_cookie(app: AppTest) -> dict[str, str]:
    """The login cookie of a logged-in AppTest session, as someone could copy it."""
    username, expires_at, generation = app.session_state[LOGIN_KEY]
    return {COOKIE_NAME: cookie(username, expires_at, gen=generation)}


def log_out(data: Path, cookies: dict[str, str]) -> None:
    """The sidebar's logout form, posted."""
    with web_client(web_config(data), cookies=cookies, follow_redirects=False) as client:
        assert client.post("/auth/logout", headers=SAME_SITE).status_code == 303


def logged_in(app: AppTest) -> bool:
    return bool(app.title) and app.title[0].value != "Studio"


def shows_login_form(app: AppTest) -> bool:
    """Logged out: the notice with its way to the login form, and no page."""
    links = [b.proto.url for b in app.get("link_button")]
    return bool(links) and links[0].startswith("/auth/login") and not logged_in(app)


@pytest.fixture
def accounts(studio_data: Path) -> AccountStore:
    return AccountStore(studio_data / "catalog.sqlite3")


def test_a_copied_cookie_works_until_logout_revokes_it_everywhere(
    studio_data: Path, browser: BrowserConnection
):
    ana = log_in(open_app(), "ana", USERS["ana"])
    browser.with_cookies(copied_cookie(ana))
    elsewhere = open_app()  # another tab, or whoever copied the cookie
    assert logged_in(elsewhere), "a valid cookie logs in without the form"

    log_out(studio_data, copied_cookie(ana))
    assert shows_login_form(ana.run())
    assert shows_login_form(open_app()), "the copied cookie still logged in after logout"
    assert shows_login_form(elsewhere.run()), "an open session outlived the logout"


def test_a_password_change_ends_every_login_made_with_the_old_one(
    studio_data: Path, browser: BrowserConnection, accounts: AccountStore
):
    ana = log_in(open_app(), "ana", USERS["ana"])
    browser.with_cookies(copied_cookie(ana))
    assert logged_in(open_app())

    accounts.set_password("ana", "a-brand-new-password")
    assert shows_login_form(ana.run())
    assert shows_login_form(open_app())
    browser.with_cookies({})
    assert shows_login_form(log_in(open_app(), "ana", USERS["ana"]))
    assert logged_in(log_in(open_app(), "ana", "a-brand-new-password"))


def test_a_disabled_account_is_out_at_once_cookie_or_not(
    studio_data: Path, browser: BrowserConnection, accounts: AccountStore
):
    ana = log_in(open_app(), "ana", USERS["ana"])
    browser.with_cookies(copied_cookie(ana))
    accounts.set_disabled("ana", True)
    assert shows_login_form(ana.run())
    assert shows_login_form(open_app())


def test_logins_last_24_hours_by_default_and_as_long_as_configured(
    studio_data: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("STUDIO_COOKIE_EXPIRY_HOURS", raising=False)
    ana = log_in(open_app(), "ana", USERS["ana"])
    assert ana.session_state[LOGIN_KEY][1] - time.time() == pytest.approx(24 * 3600, abs=60)

    monkeypatch.setenv("STUDIO_COOKIE_EXPIRY_HOURS", "1.5")
    ana = log_in(open_app(), "ana", USERS["ana"])
    assert ana.session_state[LOGIN_KEY][1] - time.time() == pytest.approx(5400, abs=60)

    for bad in ("soon", "0", "-3", "1e9"):
        monkeypatch.setenv("STUDIO_COOKIE_EXPIRY_HOURS", bad)
        with pytest.raises(CookieKeyError, match="STUDIO_COOKIE_EXPIRY_HOURS must be hours"):
            cookie_expiry_hours()
    # The studio refuses to start with it, saying why, rather than failing at a login.
    refused = open_app()
    assert "STUDIO_COOKIE_EXPIRY_HOURS must be hours" in refused.error[0].value


def test_an_open_session_ends_when_its_login_expires(
    studio_data: Path, monkeypatch: pytest.MonkeyPatch
):
    ana = log_in(open_app(), "ana", USERS["ana"])
    username, _, generation = ana.session_state[LOGIN_KEY]
    ana.session_state[LOGIN_KEY] = (username, time.time() - 1, generation)  # 24 hours later
    assert shows_login_form(ana.run())


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda: cookie("ana", time.time() + 3600, key="k" * 48), id="other-key"),
        pytest.param(lambda: cookie("ana", time.time() - 60), id="expired"),
        pytest.param(lambda: cookie("boss", time.time() + 3600, "k" * 64, "HS512"), id="HS512"),
        pytest.param(lambda: cookie("nobody", time.time() + 3600), id="unknown-user"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
        pytest.param(lambda: "x" * 5000, id="huge"),
    ],
)
def test_forged_expired_or_garbage_cookies_show_the_login_form(
    studio_data: Path, browser: BrowserConnection, forged
):
    browser.with_cookies({COOKIE_NAME: forged()})
    app = open_app()
    assert not app.exception, app.exception
    assert shows_login_form(app)


def test_a_submit_after_the_login_ended_makes_no_job(studio_data: Path, accounts: AccountStore):
    from studio.ui import backend

    ana = log_in(open_app(), "ana", USERS["ana"])
    ana.text_area(key="video_prompt").input("a fox in the snow")
    accounts.set_password("ana", "changed-by-the-admin")  # e.g. her laptop was stolen
    ana.button(key="video_generate").click().run()
    assert shows_login_form(ana)
    assert backend.job_service().list("ana") == []


def test_there_is_no_open_registration_or_self_service_reset():
    # Accounts are made by admins only (the admin page); the library's self-service
    # widgets (register, forgot password or name, reset) are never drawn.
    studio_dir = Path(__file__).resolve().parents[2] / "studio"
    sources = "\n".join(p.read_text() for p in studio_dir.rglob("*.py"))
    for widget in ("register_user", "forgot_password", "forgot_username", "reset_password("):
        assert widget not in sources, widget
