"""The "My account" page under AppTest: make a token (shown once), see it listed with its
times, use it over HTTP, revoke it."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from tests.fixtures.studio import USERS, log_in, open_app, web_app, web_config

PAGE = "app_pages/account.py"


def account_page(username: str) -> AppTest:
    app = log_in(open_app(), username, USERS[username])
    return app.switch_page(PAGE).run()


def test_a_user_makes_lists_uses_and_revokes_a_token(studio_data: Path):
    app = account_page("ana")
    assert [t.value for t in app.title] == ["My account"]
    assert "no tokens yet" in app.info[0].value
    app.text_input(key="account_token_name").input("render farm")
    app.button[0].click().run()  # the form's submit
    assert not app.exception
    (secret,) = [c.value for c in app.code]
    assert secret.startswith("studio_")
    assert "shown only until you dismiss it" in app.success[0].value
    assert any("last used never" in c.value and "active" in c.value for c in app.caption)

    client = TestClient(web_app(web_config(studio_data)))
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/jobs", headers=auth).status_code == 200

    app.run()
    assert [c.value for c in app.code] == [secret]  # still there: never shown again once gone
    app.button[0].click().run()  # Create token again, its name field now empty
    assert [c.value for c in app.code] == [secret]  # the refusal does not wipe it
    app.button(key="account_token_dismiss").click().run()
    assert not app.code  # gone once the user says it is copied
    assert not any("last used never" in c.value for c in app.caption)  # the call was noted
    app.button(key="account_revoke_render farm").click().run()
    assert any("revoked" in c.value for c in app.caption)
    assert client.get("/api/v1/jobs", headers=auth).status_code == 401


def test_a_taken_name_is_refused_with_a_message(studio_data: Path):
    app = account_page("ben")
    for _ in range(2):
        app.text_input(key="account_token_name").input("laptop")
        app.button[0].click().run()
    assert "already have a token named 'laptop'" in app.error[0].value
    other = account_page("ana")
    assert "no tokens yet" in other.info[0].value  # ben's tokens are his
