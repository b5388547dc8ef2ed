"""How many body bytes a request may send, counted while they stream in.

Every route takes at most ``MAX_BODY_BYTES`` (1 MB: JSON, forms); the two upload routes
take their own limit, the file's plus the multipart framing. A declared
``Content-Length`` over the limit is refused before a byte is read; a body without one
(chunked) is cut off once it passes the limit, so nothing bigger is ever buffered.
"""

from __future__ import annotations

from starlette.types import Message, Receive
from streamlit import config as streamlit_config

from engines.media.info import DEFAULT_LIMITS

MAX_BODY_BYTES = 1024**2
FORM_OVERHEAD = 64 * 1024  # the multipart framing around an uploaded file
API_UPLOADS = "/api/v1/uploads"
STREAMLIT_UPLOADS = "/_stcore/upload_file/"


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is over {describe(limit)}.")
        self.limit = limit


def describe(limit: int) -> str:
    return f"{limit / 1024**2:.0f} MB" if limit >= 1024**2 else f"{limit} bytes"


def body_limit(path: str) -> int:
    """The most body bytes a request to ``path`` may send."""
    if path == API_UPLOADS:
        return DEFAULT_LIMITS.max_bytes + FORM_OVERHEAD
    if path.startswith(STREAMLIT_UPLOADS):  # Streamlit checks its own size too, as it reads
        megabytes = int(streamlit_config.get_option("server.maxUploadSize"))
        return megabytes * 1024**2 + FORM_OVERHEAD
    return MAX_BODY_BYTES


def declared_too_large(content_length: str | None, limit: int) -> bool:
    return content_length is not None and content_length.isdigit() and int(content_length) > limit


def counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises BodyTooLarge once the body passes ``limit`` bytes."""
    seen = 0

    async def receive_counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return receive_counted
