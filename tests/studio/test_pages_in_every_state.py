"""Every page after every state a job can be in, for a user and for an admin: no
exception, no error box, and the state in the words a person reads on the page that
made the job (tests/studio/job_states.py makes the states through the catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from jobs.catalog.database import catalog_path
from jobs.service import JobService
from studio.accounts.login_cookie import COOKIE_NAME, cookie_expiry_hours, issue_login_token
from studio.accounts.store import AccountStore
from tests.fixtures import studio as fixtures
from tests.fixtures.studio import APP, COOKIE_KEY
from tests.studio.job_states import STATES, JobStates, Media

PAGES = {
    "video": ("app_pages/video.py", "Text to video"),
    "music": ("app_pages/music.py", "Music"),
    "combine": ("app_pages/combine.py", "Combine"),
    "storyboard": ("app_pages/storyboard.py", "Storyboard"),
    "library": ("app_pages/library.py", "Library"),
    "account": ("app_pages/account.py", "My account"),
    "admin": ("app_pages/admin.py", "Admin"),
}
ROLES = ("user", "admin")
CLICKS = "clicks"  # a third owner of each state, whose jobs the buttons below may change
ACTIONS = (
    "Use these settings again",
    "Send to Combine",
    "Score this video",
    "Combine",  # the Combine page's own submit, and its "Score this video" above
    "Cancel",
    "Keep this one",
    "Delete",
)
LANDS = {  # the page a button leads to, where it leads away
    "Use these settings again": ("Text to video", "Music"),
    "Send to Combine": ("Combine",),
    "Score this video": ("Combine",),
}
NOTHING_TO_CLICK = {"cancelling", "failed", "cancelled", "file-deleted"}


def owner(state: str, role: str) -> str:
    return f"{state}-{role}"


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, tiny_models_dir: Path
) -> Iterator[dict[str, list[str]]]:
    """One studio data dir for the module: two users and an admin for each state, each
    with the jobs of that state only. Returns each owner's job ids."""
    data = tmp_path_factory.mktemp("every-state") / "data"
    data.mkdir()
    (data / "tiny-models").symlink_to(tiny_models_dir, target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "STUDIO_DATA_DIR": str(data),
            "STUDIO_MODELS": "tiny",
            "STUDIO_DEVICE": "cpu",
            "STUDIO_COOKIE_KEY": COOKIE_KEY,
            "STUDIO_ADMIN_USER": fixtures.ADMIN,
            "STUDIO_ADMIN_PASSWORD": fixtures.ADMIN_PASSWORD,
        }.items():
            patch.setenv(name, value)
        patch.delenv("STUDIO_REDIS_URL", raising=False)
        patch.setattr("studio.accounts.store.BCRYPT_ROUNDS", 4)  # no login form here: hashes unused
        patch.setattr("streamlit.runtime.context._get_client_context", lambda: fixtures._connection)
        st.cache_resource.clear()
        shown_errors = st.config.get_option("client.showErrorDetails")
        st.config.set_option("client.showErrorDetails", "full")  # a failure says what broke
        accounts = AccountStore(catalog_path(data))
        api = JobService()
        states = JobStates(api, data, Media(data.parent / "media"))
        made = {}
        for state in STATES:
            for role in (*ROLES, CLICKS):
                role_of = "admin" if role == "admin" else "user"
                accounts.add(owner(state, role), "a-password-1", role=role_of)
                made[owner(state, role)] = states.make(owner(state, role), state)
        accounts.add("cancelled-by-admin", "a-password-1")
        made["cancelled-by-admin"] = states.make("cancelled-by-admin", "running")
        yield made
        api.close()
        st.cache_resource.clear()
        st.config.set_option("client.showErrorDetails", shown_errors)


def logged_in_as(username: str) -> AppTest:
    """A session with the cookie the login route would set (no password check to wait on)."""
    lifetime = cookie_expiry_hours() * 3600
    token, _ = issue_login_token(username, COOKIE_KEY, lifetime)
    fixtures._connection.cookies = {COOKIE_NAME: token}
    fixtures._connection.remote_ip, fixtures._connection.header_list = None, []
    return AppTest.from_file(APP, default_timeout=30).run()


def shown_text(app: AppTest) -> str:
    """Everything a person reads on the page, one element a line."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "text", "caption", "info",
                                  "warning", "success") for e in getattr(app, kind)]  # fmt: skip
    parts += [p.proto.text for p in app.get("progress")]
    parts += [b.proto.label for b in app.get("link_button")] + [b.label for b in app.button]
    return "\n".join(str(p) for p in parts)


def problems(app: AppTest) -> list[str]:
    return [str(e.value) for e in app.exception] + [f"error box: {e.value}" for e in app.error]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", list(STATES))
def test_every_page_shows_the_state_without_an_error(
    world: dict[str, list[str]], state: str, role: str
):
    app = logged_in_as(owner(state, role))
    assert not problems(app), problems(app)
    for name, (page, title) in PAGES.items():
        if name == "admin" and role == "user":
            continue  # not on a user's menu (tests/studio/test_pages.py)
        app.switch_page(page).run()
        assert not problems(app), (name, problems(app))
        assert [t.value for t in app.title] == [title], name
        text = shown_text(app)
        if name == STATES[state].page:
            for words in STATES[state].shows:
                assert words in text, f"{name} page lacks {words!r}:\n{text}"
    # The Library shows every file kept (results and uploads) and nothing of other jobs.
    app.switch_page(PAGES["library"][0]).run()
    kept = files_of(world, owner(state, role))
    text = shown_text(app)
    if kept:
        assert f"{kept} file" in text, text
    else:
        assert "Nothing here yet" in text, text


def files_of(world: dict[str, list[str]], username: str) -> int:
    """The owner's done jobs whose file is kept, and the files they uploaded."""
    api = JobService()
    jobs = [job for job_id in world[username] if (job := api.get(job_id)) is not None]
    kept = [j for j in jobs if j.status == "done" and api.catalog.assets.get(str(j.asset_id))]
    return len(kept) + len(api.assets(username, source="uploaded"))


def test_the_admin_queue_lists_every_state(world: dict[str, list[str]]):
    app = logged_in_as(owner("queued", "admin"))
    app.switch_page(PAGES["admin"][0]).run()
    assert not problems(app), problems(app)
    table = app.dataframe[1].value
    shown = dict(zip(table["id"], table["status"], strict=True))
    api = JobService()
    for ids in world.values():
        for job_id in ids:
            job = api.get(job_id)
            assert job is not None and shown[job_id[:8]] == job.status
    assert set(shown.values()) == {"queued", "running", "done", "failed", "cancelled"}


def test_an_admin_cancels_another_users_running_job_from_the_queue(world: dict[str, list[str]]):
    (running,) = world["cancelled-by-admin"]
    app = logged_in_as(owner("done", "admin"))
    app.switch_page(PAGES["admin"][0]).run()
    app.selectbox(key="admin_job").set_value(running).run()
    app.button(key="admin_cancel_job").click().run()
    assert not problems(app), problems(app)
    job = JobService().get(running)
    assert job is not None and job.cancel_requested  # its worker stops it at the next step


@pytest.mark.parametrize("state", list(STATES))
def test_each_action_on_the_page_of_a_state_lands_without_an_error(
    world: dict[str, list[str]], state: str
):
    """Each kind of button a result or a job has, clicked once in a fresh session: the
    page it lands on (the same, a form filled by reuse, Combine) draws without an error."""
    page = PAGES[STATES[state].page][0]
    clicked = []
    for label in ACTIONS:  # those that only move to a page first, then those that change
        app = logged_in_as(owner(state, CLICKS))
        app.switch_page(page).run()
        button = next((b for b in app.button if b.label == label and not b.disabled), None)
        if button is None:
            continue
        button.click().run()
        assert not problems(app), (label, problems(app))
        landed = [t.value for t in app.title]
        assert landed[0] in LANDS.get(label, (PAGES[STATES[state].page][1],)), (label, landed)
        if label == "Cancel":
            assert "Cancelling…" in shown_text(app) or "Cancelled" in shown_text(app)
        for confirm in [b for b in app.button if b.label == "Yes, delete"]:
            confirm.click().run()
            assert not problems(app), (label, problems(app))
        clicked.append(label)
    assert bool(clicked) == (state not in NOTHING_TO_CLICK), clicked


@pytest.mark.parametrize("state", list(STATES))
def test_each_library_card_opens_and_its_buttons_land_without_an_error(
    world: dict[str, list[str]], state: str
):
    """Every card of the state's files opened; in the first one's dialog, the buttons that
    lead elsewhere, and Delete answered "Keep it" (nothing is changed)."""
    app = logged_in_as(owner(state, "user"))
    app.switch_page(PAGES["library"][0]).run()
    cards = [str(b.key) for b in app.button if b.label == "Open"]
    assert len(cards) == files_of(world, owner(state, "user"))
    for key in cards:
        app.button(key=key).click().run()
        assert not problems(app), (key, problems(app))
        assert "Download" in shown_text(app), key  # the dialog: its player and actions
    clicked = []
    for label, lands in [("Use these settings again", LANDS["Use these settings again"]),
                         ("Send to Combine", ("Combine",)), ("Delete", ("Library",))]:  # fmt: skip
        app = logged_in_as(owner(state, "user"))
        app.switch_page(PAGES["library"][0]).run()
        if not cards:
            break
        app.button(key=cards[0]).click().run()
        button = next((b for b in app.button if b.label == label), None)
        if button is None:  # a combined file is not made by a form: no reuse
            continue
        button.click().run()
        assert not problems(app), (label, problems(app))
        assert app.title[0].value in lands, (label, app.title[0].value)
        clicked.append(label)
    assert len(clicked) >= (2 if cards else 0), clicked
    keep = [b for b in app.button if b.label == "Keep it"]
    if cards:
        assert keep, "Delete asks first"
        keep[0].click().run()
        assert not problems(app) and "Delete this file for good?" not in shown_text(app)
