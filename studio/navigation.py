"""The studio's pages, and which of them a user may see.

Each URL path differs from its file's name on purpose: with a ``pages/`` folder beside
the entry script, Streamlit's legacy mode runs ``pages/<name>.py`` directly when a URL
hashes like its file name, skipping the router and its login. Distinct paths never
match a file, so every request runs through ``app.py`` first.
"""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from studio.auth import CurrentUser

# name -> (file, URL path, title, icon); the first is the default page.
PAGES: dict[str, tuple[str, str, str, str]] = {
    "video": ("pages/video.py", "text-to-video", "Text to video", ":material/movie:"),
    "music": ("pages/music.py", "make-music", "Music", ":material/music_note:"),
    "combine": ("pages/combine.py", "combine-media", "Combine", ":material/video_library:"),
    "library": ("pages/library.py", "my-library", "Library", ":material/folder_open:"),
    "admin": ("pages/admin.py", "admin-panel", "Admin", ":material/admin_panel_settings:"),
}
SECTIONS = {"Create": ["video", "music", "combine"], "Your work": ["library"], "Admin": ["admin"]}


def page(name: str) -> StreamlitPage:
    file, url_path, title, icon = PAGES[name]
    return st.Page(file, title=title, icon=icon, url_path=url_path)


def pages_for(user: CurrentUser) -> dict[str, list[StreamlitPage]]:
    """Only the pages this user may see: the admin section for admins alone."""
    return {
        section: [page(name) for name in names]
        for section, names in SECTIONS.items()
        if section != "Admin" or user.is_admin
    }


def _login_form_only() -> None:
    """The router has drawn the login form; a logged-out page adds nothing to it."""


def login_pages() -> list[StreamlitPage]:
    """Every page URL answers with the login form while logged out, so a deep link
    lands on the form (not on "page not found") and opens its page after login."""
    pages = [st.Page(_login_form_only, title="Log in", url_path="login", default=True)]
    pages += [
        st.Page(_login_form_only, title=title, url_path=url_path)
        for _, url_path, title, _ in PAGES.values()
    ]
    return pages
