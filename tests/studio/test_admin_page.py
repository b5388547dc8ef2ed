"""The Admin page as a newcomer meets it (issue 19, item 10): a refused "Add user" keeps
every field, and the workers are a table with times as "12 s ago"."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from studio.ui.components.workers_table import ago
from tests.fixtures.studio import ADMIN, ADMIN_PASSWORD, log_in, open_app, rerun_until

FIELDS = ("admin_new_username", "admin_new_display", "admin_new_password")


def admin_page() -> AppTest:
    return log_in(open_app(), ADMIN, ADMIN_PASSWORD).switch_page("app_pages/admin.py").run()


def fill(admin: AppTest, login: str, display: str, password: str, role: str) -> None:
    for key, value in zip(FIELDS, (login, display, password), strict=True):
        admin.text_input(key=key).input(value)
    admin.selectbox(key="admin_new_role").set_value(role)
    next(b for b in admin.button if b.label == "Add user").click().run()


def typed(admin: AppTest) -> tuple[str, ...]:
    return (
        *(admin.text_input(key=k).value for k in FIELDS),
        admin.selectbox(key="admin_new_role").value,
    )


def test_a_refused_new_user_keeps_every_field_and_a_made_one_clears_them(studio_data: Path):
    admin = admin_page()
    fill(admin, "dora", "Dora Explorer", "short", "admin")  # too short a password
    assert "at least 8 characters" in admin.error[0].value
    assert typed(admin) == ("dora", "Dora Explorer", "short", "admin")

    fill(admin, "ana", "Another Ana", "a-good-password-1", "user")  # a taken name
    assert "is taken" in admin.error[0].value
    assert typed(admin) == ("ana", "Another Ana", "a-good-password-1", "user")

    fill(admin, "dora", "Dora Explorer", "dora-password-1", "admin")
    assert not admin.error and "Added dora" in admin.success[0].value
    assert typed(admin) == ("", "", "", "user")  # ready for the next one
    assert "dora" in list(admin.dataframe[0].value["login"])


def test_times_read_as_how_long_ago():
    assert [ago(s) for s in (0.4, 12.2, 89, 150, 7200, 200_000)] == [
        "0 s ago", "12 s ago", "89 s ago", "2 min ago", "2 h ago", "2 days ago",
    ]  # fmt: skip
    assert ago(None) == ""


@pytest.mark.slow  # a live worker reports itself
def test_the_workers_tab_is_a_table_with_relative_times(studio_data: Path, live_jobs):
    def listed(app: AppTest) -> bool:
        return any("worker" in list(d.value["role"]) for d in app.dataframe if "role" in d.value)

    admin = rerun_until(admin_page(), listed)
    (table,) = [d.value for d in admin.dataframe if "last report" in d.value]
    worker = table[table["role"] == "worker"].iloc[0]
    assert worker["last report"].endswith(" s ago") and worker["started"].endswith(" ago")
    assert not admin.get("json")  # no raw JSON, no epoch times
    assert not any(str(v).startswith("17") for v in worker.to_dict().values())
