"""The contract every model engine fulfils, so the registry can manage any of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from engines.device import Placement
from engines.progress import CancelCheck, ProgressFn


class Engine(Protocol):
    """One model family. Heavy imports and weights load in ``load()``, never at import."""

    kind: str  # registry key: "video", "music" or "melody"
    model_id: str  # hub id or folder it loads from

    def load(self, placement: Placement) -> None:
        """Load weights onto ``placement``; raises ModelUnavailableError when missing."""

    def unload(self) -> None:
        """Drop every reference to model objects so their memory can be freed."""

    def park(self) -> None:
        """Move weights to CPU RAM, keeping them for a fast return to the device."""

    def unpark(self) -> None:
        """Move parked weights back to the device chosen at ``load()``."""

    def memory_bytes(self) -> int:
        """Bytes held by the loaded weights (0 when unloaded)."""

    def generate(
        self,
        params: Any,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Any:
        """Run one generation and write its file atomically to ``out_path``."""
