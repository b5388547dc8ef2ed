"""The widget of a declared file param (``param(kind="file", media=...)``): an uploader
of its media, a recorder beside it for audio, and "pick from my library".

Each upload is checked by its content the run it arrives, once: a good file becomes the
user's asset (the form hands back its id, what a job's file field holds), a wrong one a
``RefusedUpload`` whose reason the page shows and Generate repeats; it is never stored.
Either way its bytes are handed back to Streamlit at once (``release``): its store keeps
every upload in memory for the session's life, a closed tab's for minutes more.

``stored_file_inputs`` is what Generate calls: it refuses while the browser is still
sending a file or after the server refused one (``studio.web.upload_watch``), and turns
any upload still in the values into an asset id.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import streamlit as st
from streamlit import config
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import DeletedFile

from engines.errors import MediaError
from engines.params import ParamSpec, media_words, specs
from studio.ui import backend
from studio.ui.session import session_user
from studio.ui.text import message
from studio.upload_ledger import UPLOADS

# What the help names; any type reaches the server, and a wrong one is refused in words.
TYPES = {
    "audio": "WAV, MP3, FLAC, OGG or M4A",
    "video": "MP4, MOV, MKV, AVI or WebM",
    "image": "PNG, JPEG or WebP (a still, at most 40 megapixels)",
}
LIBRARY_LIMIT = 100  # the newest of the user's files of that media
# What the browser sends before the server has its say: a larger file is refused by the
# server in words Generate repeats (studio.web.upload_watch), not dropped unseen by the page.
BROWSER_LIMIT_MB = 4096
LIBC = ctypes.CDLL(ctypes.util.find_library("c")) if ctypes.util.find_library("c") else None


def server_limit() -> str:
    """The largest upload Streamlit's route takes, in words (``server.maxUploadSize``)."""
    return f"at most {config.get_option('server.maxUploadSize')} MB"


# The drop zone would print the browser's limit (BROWSER_LIMIT_MB); the caption says the real one.
HIDE_BROWSER_LIMIT = (
    '<style>div[class*="-real-limit"] [data-testid="stFileUploaderDropzoneInstructions"]'
    "{display:none}</style>"
)


def upload_box(where: Any, key: str, media: str) -> Any:
    """Where an uploader with the browser's limit goes: under it, the server's real limit."""
    where.html(HIDE_BROWSER_LIMIT)
    box = where.container(key=f"{key}-real-limit")
    slot = box.container()  # drawn first, so the caption sits under the uploader
    box.caption(f"{TYPES[media]}; {server_limit()} per file.")
    return slot


@dataclass(frozen=True)
class RefusedUpload:
    """What a file input holds once its upload was refused: Generate says why, and waits."""

    name: str
    reason: str


def session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def release(upload: Any, key: str | None = None) -> None:
    """Hand an upload's bytes back: Streamlit keeps each one in memory until its session
    ends (a closed tab's minutes later), and a page done with it needs it no more.

    ``key`` is its widget's: the session keeps its own copy of the value (another
    ``UploadedFile`` on the same bytes), which a closed tab's session holds for minutes.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and isinstance(ctx.uploaded_file_mgr, MemoryUploadedFileManager):
        store = ctx.uploaded_file_mgr
        # Emptied, not removed: with its record gone, the uploader's value is None on the next
        # run in a browser, and the page forgets the asset (or refusal) the file became.
        for record in store.get_files(ctx.session_id, [upload.file_id]):
            store.add_file(ctx.session_id, record._replace(data=b""))
    upload.close()  # the value handed to the page; closed, it holds no bytes
    held = st.session_state.get(key) if key is not None else None
    if held is not None and held is not upload and hasattr(held, "truncate"):
        # Emptied, not closed: the session's copy stays readable (as b""), its bytes go.
        held.truncate(0)
    # A refusal's traceback (frame <-> exception) can hold the bytes in a reference cycle
    # until the collector's next full pass; and glibc keeps freed heap unless asked.
    gc.collect()
    if LIBC is not None and hasattr(LIBC, "malloc_trim"):  # glibc's; musl has none
        LIBC.malloc_trim(0)


def checked_upload(user: Any, upload: Any, media: str, key: str) -> str | RefusedUpload | None:
    """The asset id ``upload`` became, or its refusal; each file is checked once.

    ``upload`` is the uploader's (or recorder's) value: a new file, a file already checked
    (Streamlit then hands back a ``DeletedFile`` of the same id) or None.
    """
    if upload is None:
        return None
    checked: dict[str, str | RefusedUpload] = st.session_state.setdefault(f"{key}_checked", {})
    if isinstance(upload, DeletedFile) or upload.file_id in checked:
        return checked.get(upload.file_id)
    try:
        checked[upload.file_id] = backend.store_upload(user, upload, media)
    except MediaError as problem:
        checked[upload.file_id] = RefusedUpload(upload.name, str(problem))
    finally:
        release(upload, key)
    return checked[upload.file_id]


def unsettled_uploads() -> str:
    """Why Generate must wait: files still on their way, files the server refused."""
    session = session_id()
    sending = UPLOADS.in_flight(session)
    refused = UPLOADS.refusals(session)
    if sending:
        names = ", ".join(f"'{n}'" for n in sending)
        return f"{names} is still uploading; press Generate again once it has arrived."
    if refused:
        reasons = " ".join(r.reason for r in refused)
        return (
            f"{reasons} Upload another file or pick one from your library, or choose "
            '"Go on without it".'
        )
    return ""


def show_server_refusals(where: Any, key: str) -> None:
    """The uploads the server refused in this session, with a way to go on without them."""
    refused = UPLOADS.refusals(session_id())
    if not refused:
        return
    for refusal in refused:
        where.error(message(refusal.reason))  # a file's name is user text
    where.button(
        "Go on without it", key=f"{key}_dismiss", on_click=UPLOADS.dismiss, args=(session_id(),)
    )


def pick_key(key: str) -> str:
    """The library picker's key beside a file param's uploader (``key``): reuse sets it."""
    return f"{key}_pick"


def file_input(spec: ParamSpec, key: str, where: Any, sample_rate: int) -> Any:
    """Draw ``spec``'s uploader (and recorder, for audio) and library picker; returns the
    asset id an upload or recording became (stored the run it arrived), its
    ``RefusedUpload``, else the picked asset id, else None.

    A recording is made at ``sample_rate``, the model's own (the browser's is 16 kHz).
    """
    user = session_user()
    if user is None:  # the page asked first (page_user); a login that ended meanwhile
        st.stop()
    what = media_words(spec.media)
    # Here, not at the top: asset_card imports the form, which imports this module.
    from studio.ui.components.asset_card import asset_label

    upload_at, record_at = where.columns(2) if spec.media == "audio" else (where, None)
    uploaded = upload_box(upload_at, key, spec.media).file_uploader(
        f"{spec.label}: {what} to upload",
        help=f"{spec.help} {TYPES[spec.media]}, {server_limit()}.",
        key=key,
        max_upload_size=BROWSER_LIMIT_MB,
    )
    recorded = None
    if record_at is not None:  # a tune is quicker hummed than found in a file
        recorded = record_at.audio_input(
            "Or hum, whistle or play it here",
            sample_rate=sample_rate,
            key=f"{key}_recording",
        )
    fresh = checked_upload(user, uploaded, spec.media, key)
    if fresh is None:
        fresh = checked_upload(user, recorded, spec.media, f"{key}_recording")
    if isinstance(fresh, RefusedUpload):
        upload_at.error(message(fresh.reason))  # names the file: user text
    show_server_refusals(upload_at, key)
    owned = {a.id: a for a in backend.list_assets(user, spec.media, limit=LIBRARY_LIMIT)}
    picked_key = pick_key(key)
    chosen = st.session_state.get(picked_key)
    if chosen is not None and chosen not in owned:  # reused settings: an older file, or gone
        asset = backend.get_asset(user, str(chosen))
        if asset is not None and asset.owner == user.username and asset.output_type == spec.media:
            owned[asset.id] = asset
        else:
            st.session_state.pop(picked_key)
    picked = where.selectbox(
        f"Or pick {what} from your library",
        [None, *owned],
        key=picked_key,
        format_func=lambda i: "None" if i is None else asset_label(owned[i]),
        disabled=fresh is not None,
        help="Your uploads and results of this kind, newest first.",
    )
    if spec.media == "image":  # a still can also be a frame of one of the user's clips
        from studio.ui.components.image_input import frame_of_clip

        frame_of_clip(user, picked_key, where, disabled=fresh is not None)
    return fresh if fresh is not None else picked


def stored_file_inputs(user: Any, params_class: type, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` with each upload of a file param stored (checked by its content) as the
    user's asset and named by its id; MediaError says what is wrong with a bad file, and
    that a file is still uploading or was refused: no job goes without a file it was given.
    """
    waiting = unsettled_uploads()
    if waiting:
        raise MediaError(waiting)
    out = dict(values)
    for spec in specs(params_class):
        value = out.get(spec.name)
        if isinstance(value, RefusedUpload):
            raise MediaError(
                f"{value.reason} Upload another file or pick one from your library; "
                "to go on without one, remove it from the uploader."
            )
        if spec.kind == "file" and hasattr(value, "getvalue"):
            # Stored once, however often it is used: the same bytes are one asset.
            out[spec.name] = backend.store_upload(user, cast(backend.Upload, value), spec.media)
    return out
