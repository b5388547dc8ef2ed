"""The uploads each Streamlit session's browser is still sending, and those the server
refused: written by the web layer (``studio.web.upload_watch``), read by the pages
(``studio.ui.components.file_input``) before Generate. One process holds both.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from streamlit import config

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
    if status < 400 or (status != 413 and status < 500):
        return None  # arrived; or refused for who sent it (no login, no session), not the file
    if status == 413:
        size = f" is {length / 1024**2:.1f} MB, which" if length else ""
        limit = config.get_option("server.maxUploadSize")  # what Streamlit's route enforces
        return Refusal(name, f"'{name}'{size} is larger than this studio accepts ({limit} MB).")
    return Refusal(name, f"'{name}' did not arrive (the server answered {status}); try again.")
