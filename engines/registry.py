"""EngineRegistry: at most one model on the accelerator, loaded on demand.

The registry holds the only reference to each engine, so unloading one really frees
its memory. Loading, switching and generating on the device share one lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.base import Engine
from engines.device import Placement, choose_placement, free_device_memory
from engines.progress import CancelCheck, ProgressFn
from engines.settings import Settings

EngineFactory = Callable[[Settings], Engine]
GIB = 1024**3


def default_factories() -> dict[str, EngineFactory]:
    """The studio's engines; imported here so importing the registry stays cheap."""
    from engines.music import MusicEngine
    from engines.video import TextToVideoEngine

    return {
        "video": TextToVideoEngine,
        "music": lambda settings: MusicEngine(settings, melody=False),
        "melody": lambda settings: MusicEngine(settings, melody=True),
    }


@dataclass(frozen=True)
class RegistryStatus:
    resident: str | None  # kind of the model on the device, if any
    resident_model: str | None
    device: str
    dtype: str
    resident_bytes: int
    parked: dict[str, int] = field(default_factory=dict)  # kind -> bytes in CPU RAM


class EngineRegistry:
    def __init__(
        self,
        settings: Settings,
        factories: Mapping[str, EngineFactory] | None = None,
        placement: Placement | None = None,
    ) -> None:
        self.settings = settings
        self._factories = dict(factories) if factories is not None else default_factories()
        self._placement = placement
        self._lock = threading.RLock()
        self._resident_kind: str | None = None
        self._resident: Engine | None = None
        self._parked: OrderedDict[str, Engine] = OrderedDict()  # oldest first

    @property
    def placement(self) -> Placement:
        if self._placement is None:
            self._placement = choose_placement(self.settings.device)
        return self._placement

    @property
    def kinds(self) -> list[str]:
        return list(self._factories)

    def get(self, kind: str) -> Engine:
        """The loaded engine of ``kind``, evicting whichever other model is resident.

        Only safe to use while holding the registry's lock: use ``use()`` or
        ``generate()`` from threads.
        """
        if kind not in self._factories:
            raise KeyError(f"Unknown engine {kind!r}; known: {', '.join(self._factories)}.")
        with self._lock:
            if self._resident_kind == kind and self._resident is not None:
                return self._resident
            self._evict_resident()
            parked = self._parked.pop(kind, None)
            if parked is not None:
                parked.unpark()
                engine = parked
            else:
                engine = self._factories[kind](self.settings)
                engine.load(self.placement)
            self._resident_kind, self._resident = kind, engine
            return engine

    @contextmanager
    def use(self, kind: str) -> Iterator[Engine]:
        """Hold the device for the duration of the block, with ``kind`` resident."""
        with self._lock:
            yield self.get(kind)

    def generate(
        self,
        kind: str,
        params: Any,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Any:
        """Run one generation; calls from several threads run one after another."""
        with self.use(kind) as engine:
            return engine.generate(
                params, out_path, on_progress=on_progress, should_cancel=should_cancel
            )

    def unload_all(self) -> None:
        """Free the device and every parked model (after an out-of-memory error, say)."""
        with self._lock:
            self._drop_resident()
            while self._parked:
                _, engine = self._parked.popitem(last=False)
                engine.unload()
            free_device_memory(self.placement.device)

    def status(self) -> RegistryStatus:
        with self._lock:
            engine = self._resident
            return RegistryStatus(
                resident=self._resident_kind,
                resident_model=engine.model_id if engine is not None else None,
                device=self.placement.device,
                dtype=self.placement.dtype_name,
                resident_bytes=engine.memory_bytes() if engine is not None else 0,
                parked={kind: e.memory_bytes() for kind, e in self._parked.items()},
            )

    def _evict_resident(self) -> None:
        engine, kind = self._resident, self._resident_kind
        if engine is None or kind is None:
            return
        budget = int(self.settings.park_ram_gb * GIB)
        size = engine.memory_bytes()
        if size > budget:
            self._drop_resident()
            return
        # Make room by dropping the oldest parked models first.
        while self._parked and size + self._parked_bytes() > budget:
            _, oldest = self._parked.popitem(last=False)
            oldest.unload()
        engine.park()
        self._parked[kind] = engine
        self._resident, self._resident_kind = None, None
        free_device_memory(self.placement.device)

    def _drop_resident(self) -> None:
        engine = self._resident
        self._resident, self._resident_kind = None, None
        if engine is not None:
            engine.unload()
            del engine  # the registry held the only reference
        free_device_memory(self.placement.device)

    def _parked_bytes(self) -> int:
        return sum(engine.memory_bytes() for engine in self._parked.values())
