"""EngineRegistry: at most one model on the accelerator, keyed by model name, loaded on demand.

The registry holds the only reference to each engine, so unloading one really frees
its memory. Loading, switching and generating on the device share one lock.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.catalog import ModelEntry, find
from engines.device import Placement, choose_placement, free_device_memory
from engines.families.base import ModelEngine
from engines.progress import RunContext
from engines.settings import Settings

# Builds the engine of one catalog entry; tests wrap the real ones to watch them.
EngineFactory = Callable[[Settings, ModelEntry], ModelEngine]
GIB = 1024**3


def make_engine(settings: Settings, entry: ModelEntry) -> ModelEngine:
    """The family's engine class for ``entry``, imported only now."""
    engine: ModelEngine = entry.engine_class()(settings, entry)
    return engine


@dataclass(frozen=True)
class RegistryStatus:
    resident: str | None  # name of the model on the device, if any
    resident_model: str | None
    device: str
    dtype: str
    resident_bytes: int
    parked: dict[str, int] = field(default_factory=dict)  # model name -> bytes in CPU RAM


class EngineRegistry:
    def __init__(
        self,
        settings: Settings,
        engine_factory: EngineFactory = make_engine,
        placement: Placement | None = None,
    ) -> None:
        self.settings = settings
        self._make_engine = engine_factory
        self._placement = placement
        self._lock = threading.RLock()
        self._resident_name: str | None = None
        self._resident: ModelEngine | None = None
        self._parked: OrderedDict[str, ModelEngine] = OrderedDict()  # oldest first

    @property
    def placement(self) -> Placement:
        if self._placement is None:
            self._placement = choose_placement(self.settings.device)
        return self._placement

    def entry(self, model: str) -> ModelEntry:
        """The catalog entry ``model`` names (or the folder or hub id it points at)."""
        return find(model)

    def model_for(self, params: Any) -> ModelEntry:
        """The model that serves ``params``: the one it names, else the settings' default."""
        return self.settings.model_for(params)

    def get(self, model: str | ModelEntry) -> ModelEngine:
        """The loaded engine of ``model``, evicting whichever other model is resident.

        Only safe to use while holding the registry's lock: use ``use()`` or
        ``generate()`` from threads.
        """
        entry = model if isinstance(model, ModelEntry) else self.entry(model)
        with self._lock:
            if self._resident_name == entry.name and self._resident is not None:
                return self._resident
            self._evict_resident()
            parked = self._parked.pop(entry.name, None)
            if parked is not None:
                parked.unpark()
                engine = parked
            else:
                engine = self._make_engine(self.settings, entry)
                engine.load(self.placement)
            self._resident_name, self._resident = entry.name, engine
            return engine

    @contextmanager
    def use(self, model: str | ModelEntry) -> Iterator[ModelEngine]:
        """Hold the device for the duration of the block, with ``model`` resident."""
        with self._lock:
            yield self.get(model)

    def generate(self, params: Any, out_path: Path, run: RunContext | None = None) -> Any:
        """Run one generation with the model ``params`` names (or the default for them);
        calls from several threads run one after another."""
        entry = self.model_for(params)
        if getattr(params, "model", None) is None:
            params = dataclasses.replace(params, model=entry.name)  # results record the model
        with self.use(entry) as engine:
            return engine.generate(params, out_path, run)

    def generate_batch(
        self,
        params: Any,
        seeds: Sequence[int],
        out_paths: Sequence[Path],
        run: RunContext | None = None,
    ) -> list[Any]:
        """``params`` once per seed, one result and file each, in seed order: in one pipeline
        call where the model's family batches (up to STUDIO_MAX_BATCH), else one by one."""
        entry = self.model_for(params)
        if getattr(params, "model", None) is None:
            params = dataclasses.replace(params, model=entry.name)
        with self.use(entry) as engine:
            results: list[Any] = engine.generate_batch(params, seeds, out_paths, run)
            return results

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
                resident=self._resident_name,
                resident_model=engine.model_id if engine is not None else None,
                device=self.placement.device,
                dtype=self.placement.dtype_name,
                resident_bytes=engine.memory_bytes() if engine is not None else 0,
                parked={kind: e.memory_bytes() for kind, e in self._parked.items()},
            )

    def _evict_resident(self) -> None:
        engine, name = self._resident, self._resident_name
        if engine is None or name is None:
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
        self._parked[name] = engine
        self._resident, self._resident_name = None, None
        free_device_memory(self.placement.device)

    def _drop_resident(self) -> None:
        engine = self._resident
        self._resident, self._resident_name = None, None
        if engine is not None:
            engine.unload()
            del engine  # the registry held the only reference
        free_device_memory(self.placement.device)

    def _parked_bytes(self) -> int:
        return sum(engine.memory_bytes() for engine in self._parked.values())
