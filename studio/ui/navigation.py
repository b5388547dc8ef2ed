"""The studio's pages, and which of them a user may see.

The page files live in ``studio/app_pages/``: a folder named ``pages/`` beside the
entry script would turn on Streamlit's legacy multipage mode.
"""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from studio.accounts.login_cookie import CurrentUser

# name -> (title, icon); the file is app_pages/<name>.py, the URL /<name>; the first is what
# "/" opens.
PAGES: dict[str, tuple[str, str]] = {
    "video": ("Text to video", ":material/movie:"),
    "music": ("Music", ":material/music_note:"),
    "combine": ("Combine", ":material/video_library:"),
    "storyboard": ("Storyboard", ":material/view_timeline:"),
    "library": ("Library", ":material/folder_open:"),
    "account": ("My account", ":material/key:"),
    "admin": ("Admin", ":material/admin_panel_settings:"),
}
SECTIONS = {
    "Create": ["video", "music", "combine", "storyboard"],
    "Your work": ["library", "account"],
    "Admin": ["admin"],
}


def page_file(name: str) -> str:
    return f"app_pages/{name}.py"


def page(name: str) -> StreamlitPage:
    title, icon = PAGES[name]
    return st.Page(page_file(name), title=title, icon=icon, url_path=name)


def start_page() -> str:
    """The page "/" opens: the first of PAGES."""
    return next(iter(PAGES))


def _open_start_page() -> None:
    st.switch_page(page(start_page()))


def root_page() -> StreamlitPage:
    """What "/" runs. Streamlit serves its default page at "/" alone and ignores its
    url_path, so every listed page is a plain one (Text to video at /video) and this
    hidden default moves "/" on to the start page, at that page's own URL."""
    title = PAGES[start_page()][0]
    return st.Page(
        _open_start_page, title=title, url_path="start", default=True, visibility="hidden"
    )


def pages_for(user: CurrentUser) -> dict[str, list[StreamlitPage]]:
    """Only the pages this user may see: the admin section for admins alone; "/" first."""
    sections = {
        section: [page(name) for name in names]
        for section, names in SECTIONS.items()
        if section != "Admin" or user.is_admin
    }
    first = next(iter(sections))
    sections[first].insert(0, root_page())
    if not user.is_admin:  # /admin says whose page it is, not "Page not found"
        sections[first].append(admins_only_page())
    return sections


def _admins_only() -> None:
    st.title(PAGES["admin"][0])
    st.info("This page is for the studio's admins. Ask one if you need a user or a limit changed.")


def admins_only_page() -> StreamlitPage:
    return st.Page(_admins_only, title=PAGES["admin"][0], url_path="admin", visibility="hidden")


def _logged_out() -> None:
    """The router has said so and offered the login; a logged-out page adds nothing."""


def login_pages() -> list[StreamlitPage]:
    """Every page URL answers with the logged-out notice (not "page not found")."""
    pages = [st.Page(_logged_out, title="Log in", url_path="login", default=True)]
    pages += [
        st.Page(_logged_out, title=title, url_path=name) for name, (title, _) in PAGES.items()
    ]
    return pages
