"""The "made with" drop zone: a file from this studio fills a page's form with the
settings it carries inside (``engines.media.settings_tag``), as "use these settings
again" does from the Library. A file without them gets a message that says so.

Pages call ``made_with_drop(page)`` above their form, before its widgets exist, so the
settings can still be written into the widgets' state on this run. A drop on a page whose
form the file does not fill (a track on Text to video; anything on the Library) fills the
right form and opens its page, the note going along.
"""

from __future__ import annotations

import tempfile
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import DeletedFile

from engines.errors import MediaError
from engines.media.info import DEFAULT_LIMITS
from engines.media.probe import probe_media
from engines.media.settings_tag import settings_in
from engines.settings_check import check_settings
from engines.settings_check import shown as checked_shown
from studio import services
from studio.ui import backend
from studio.ui.components.file_input import release
from studio.ui.components.model_form import reuse_settings
from studio.ui.navigation import PAGES, page_file
from studio.ui.text import as_markdown_text

DROP_TYPES = ["mp4", "wav"]  # what the studio writes, and carries settings in
PAGE_OF_JOB_KIND = {"video": "video", "music": "music"}  # whose form a file's settings fill


def settings_of_file(name: str, data: bytes) -> dict[str, Any] | None:
    """The studio settings inside an uploaded file; None when it carries none of ours."""
    if len(data) > DEFAULT_LIMITS.max_bytes:
        raise MediaError(f"{name} is too large to read; at most 200 MB is accepted.")
    scratch = backend.job_service().config.scratch_dir
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=scratch, suffix=".made-with") as tmp:
        tmp.write(data)
        tmp.flush()
        return settings_in(probe_media(tmp.name, name=name).tags)


Note = tuple[str, str]  # (st function: "success", "warning", ...; message)


def fill_from_settings(
    page: str, name: str, settings: dict[str, Any] | None
) -> tuple[Note, str | None]:
    """Fill the form the settings belong to; the note to show, and that form's page."""
    name = as_markdown_text(name)  # the notes are markdown; a file's name is not
    if settings is None:
        return ("warning", (
            f"{name} carries no settings from this studio, so there is nothing to fill in. "
            "Files made here (downloaded from the Library or the API) carry them."
        )), None  # fmt: skip
    kind = settings.get("job_kind")
    target = PAGE_OF_JOB_KIND.get(kind) if isinstance(kind, str) else None
    if target is None:
        # Tags say anything: a short name as written, else shortened and quoted.
        plain = kind if isinstance(kind, str) and len(kind) <= 40 else None
        shown = as_markdown_text(plain if plain is not None else checked_shown(kind))
        return ("info", (
            f"{name} was made by a {shown} job; only clips from Text to video and tracks "
            "from Music fill a form."
        )), None  # fmt: skip
    checked = check_settings(settings, target)
    left_out = as_markdown_text("; ".join(checked.problems))  # a file's tag may say anything
    if checked.model is None:
        return ("warning", f"{name} cannot fill the form: {left_out}. Nothing was filled."), None
    reuse_settings(target, checked.params, checked.seed, services.settings())
    where = "" if target == page else f" on the {PAGES[target][0]} page"
    message = f"Filled the form{where} with the settings of {name}: " + as_markdown_text(
        f"{checked.model}, "
        + (f"seed {checked.seed}." if checked.seed is not None else "a random seed.")
    )
    if checked.problems:
        return ("warning", f"{message} Left out: {left_out}."), target
    return ("success", message), target


def made_with_drop(page: str) -> None:
    """A drop zone above ``page``'s form; each dropped file fills the form once."""
    key = f"{page}_made_with"
    note: Note | None = st.session_state.pop(f"{key}_note", None)  # a drop on another page
    upload = st.file_uploader(
        "Made with: drop a file from this studio to fill the form with its settings",
        type=DROP_TYPES,
        key=key,
    )
    done = st.session_state.get(f"{key}_done")
    fresh = upload is not None and not isinstance(upload, DeletedFile)
    if upload is not None and fresh and (done is None or done[0] != upload.file_id):
        try:
            found = settings_of_file(upload.name, upload.getvalue())
            note, target = fill_from_settings(page, upload.name, found)
        except MediaError as problem:
            note, target = ("error", as_markdown_text(str(problem))), None  # names the file
        finally:
            release(upload, key)  # read once: its bytes go back to Streamlit's store now
        st.session_state[f"{key}_done"] = (upload.file_id, note)
        if target is not None and target != page:
            st.session_state[f"{target}_made_with_note"] = note
            st.switch_page(page_file(target))
    elif upload is not None and done is not None:
        note = done[1]  # the same file still in the drop zone: its note stays
    if note:
        getattr(st, note[0])(note[1])
