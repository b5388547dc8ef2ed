"""Uploads the browser is still sending, and those the server refused, as the pages see them.

Streamlit's uploader hands the script a file only once all of it has arrived, and a file
refused for its size never: a click on Generate meanwhile saw no file and queued the job
without it. This middleware notes each upload to Streamlit's upload route
(``PUT /_stcore/upload_file/<session>/<file>``) while it streams, and each one refused
(413 and the like) in ``studio.upload_ledger.UPLOADS``, which the pages ask (by their
session id) before they submit.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.upload_ledger import UPLOADS, UploadLedger, refusal_for

UPLOAD_PATH = re.compile(r"^/_stcore/upload_file/([^/]+)/([^/]+)$")
FILE_NAME = re.compile(rb'filename="([^"\r\n]{0,300})"')


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
