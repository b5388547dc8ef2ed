"""Uploads the browser is still sending, and those the server refused, as the pages see them.

Streamlit's uploader hands the script a file only once all of it has arrived, and a file
refused for its size never: a click on Generate meanwhile saw no file and queued the job
without it. This middleware notes each upload to Streamlit's upload route
(``PUT /_stcore/upload_file/<session>/<file>``) while it streams, and each one refused
(413 and the like); the pages ask ``UPLOADS`` (by their session id) before they submit.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config

UPLOAD_PATH = re.compile(r"^/_stcore/upload_file/([^/]+)/([^/]+)$")
FILE_NAME = re.compile(rb'filename="([^"\r\n]{0,300})"')
MAX_REFUSALS = 8  # per session: the newest are the ones a person is looking at
MAX_SESSIONS = 1000  # sessions with refusals kept at once; the oldest go first


@dataclass(frozen=True)
class Refusal:
    name: str  # the file's name as the browser sent it (user text: shown literally)
    reason: str


class UploadLedger:
    """Uploads in flight and refused, by Streamlit session id; safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, dict[str, str]] = {}  # session -> file id -> name
        self._refused: dict[str, list[Refusal]] = {}

    def started(self, session: str, file_id: str, name: str) -> None:
        with self._lock:
            self._active.setdefault(session, {})[file_id] = name

    def finished(self, session: str, file_id: str, refusal: Refusal | None) -> None:
        with self._lock:
            active = self._active.get(session, {})
            active.pop(file_id, None)
            if not active:
                self._active.pop(session, None)
            if refusal is not None:
                self._refuse(session, refusal)

    def refuse(self, session: str, refusal: Refusal) -> None:
        with self._lock:
            self._refuse(session, refusal)

    def _refuse(self, session: str, refusal: Refusal) -> None:
        kept = self._refused.pop(session, [])  # re-added last: the newest session last
        self._refused[session] = [*kept, refusal][-MAX_REFUSALS:]
        while len(self._refused) > MAX_SESSIONS:
            self._refused.pop(next(iter(self._refused)))

    def in_flight(self, session: str) -> list[str]:
        """The names of the files this session's browser is still sending."""
        with self._lock:
            return list(self._active.get(session, {}).values())

    def refusals(self, session: str) -> list[Refusal]:
        with self._lock:
            return list(self._refused.get(session, []))

    def dismiss(self, session: str) -> None:
        """The person has read the refusals and goes on without those files."""
        with self._lock:
            self._refused.pop(session, None)


UPLOADS = UploadLedger()


def refusal_for(status: int, name: str, length: int | None) -> Refusal | None:
    """What a refused upload's answer means, in words; None when it arrived."""
    if status < 400:
        return None
    if status == 413:
        size = f" is {length / 1024**2:.1f} MB, which" if length else ""
        limit = config.get_option("server.maxUploadSize")  # what Streamlit's route enforces
        return Refusal(name, f"'{name}'{size} is larger than this studio accepts ({limit} MB).")
    return Refusal(name, f"'{name}' did not arrive (the server answered {status}); try again.")


class UploadWatch:
    """ASGI middleware: tells ``UPLOADS`` about each upload to Streamlit, start and end."""

    def __init__(self, app: ASGIApp, ledger: UploadLedger = UPLOADS) -> None:
        self.app = app
        self.ledger = ledger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = UPLOAD_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None or scope.get("method") != "PUT":
            await self.app(scope, receive, send)
            return
        session, file_id = found.groups()
        # The file's name is in the first part's headers, at the start of the body.
        first = await receive()
        named = FILE_NAME.search(first.get("body", b"")[:4096])
        name = named.group(1).decode("utf-8", "replace") if named else "A file"
        length = _content_length(scope)
        status = 500
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return first
            return await receive()

        async def noting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.ledger.started(session, file_id, name)
        try:
            await self.app(scope, replay, noting)
        finally:
            self.ledger.finished(session, file_id, refusal_for(status, name, length))


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length" and value.isdigit():
            return int(value)
    return None
