"""My account's "Change password" under AppTest: the current password is asked for, the
new one twice; the change ends the user's other logins and keeps this one."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from studio.accounts.store import AccountStore, password_matches
from tests.fixtures.studio import SAME_SITE, USERS, log_in, open_app, web_app, web_config

PAGE = "app_pages/account.py"


def change(app: AppTest, now: str, new: str, again: str) -> AppTest:
    app.text_input(key="account_password_now").input(now)
    app.text_input(key="account_password_new").input(new)
    app.text_input(key="account_password_again").input(again)
    return app.button(key="FormSubmitter:account_password_form-Change password").click().run()


def other_browser(studio_data: Path) -> TestClient:
    browser = TestClient(web_app(web_config(studio_data)), follow_redirects=False)
    answer = browser.post(
        "/auth/login", data={"username": "ana", "password": USERS["ana"]}, headers=SAME_SITE
    )
    assert answer.status_code == 303
    return browser


def test_changing_my_password_ends_my_other_logins_and_keeps_this_page(studio_data: Path):
    laptop = other_browser(studio_data)
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page(PAGE).run()
    change(app, USERS["ana"], "ana-new-password", "ana-new-password")
    assert not app.exception and "other logins have ended" in app.success[0].value
    assert laptop.get("/library").status_code == 403  # the other laptop is logged out
    assert [t.value for t in app.run().title] == ["My account"]  # this page goes on
    stored = AccountStore(studio_data / "catalog.sqlite3").password_hash("ana")
    assert password_matches(stored, "ana-new-password")


def test_a_wrong_current_password_or_a_mismatch_changes_nothing(studio_data: Path):
    laptop = other_browser(studio_data)
    app = log_in(open_app(), "ana", USERS["ana"]).switch_page(PAGE).run()
    change(app, "not-my-password", "ana-new-password", "ana-new-password")
    assert "current password is wrong" in app.error[0].value
    change(app, USERS["ana"], "ana-new-password", "ana-new-passwerd")
    assert "differ" in app.error[0].value
    change(app, USERS["ana"], "short", "short")
    assert "at least 8 characters" in app.error[0].value
    assert laptop.get("/library").text == "streamlit: /library"  # still logged in
    stored = AccountStore(studio_data / "catalog.sqlite3").password_hash("ana")
    assert password_matches(stored, USERS["ana"])
