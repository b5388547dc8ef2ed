"""What a job kind is: its params class, the engine or runner that makes its file, and
the file's suffix.

Classes and functions are named as ``"module:name"`` and imported on first use, so
importing a kind (the UI does) stays light.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engines.errors import ParamError
from engines.progress import CancelCheck, ProgressFn


class Registry(Protocol):
    """The part of ``engines.registry.EngineRegistry`` a job needs."""

    def generate(
        self,
        kind: str,
        params: Any,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Any: ...


def load_object(reference: str) -> Any:
    """``"package.module:name"`` -> the object."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class JobKind:
    name: str  # the job's kind in the catalog and the page API
    params_class: str  # "module:Class": a frozen dataclass validated in __post_init__
    suffix: str  # of the file the job writes
    engine: str | None = None  # registry kind that runs it, when fixed
    engine_for: str | None = None  # "module:function(params) -> registry kind" otherwise
    runner: str | None = None  # "module:function(registry, params, out_path, ...)" off-registry
    file_fields: tuple[str, ...] = ()  # params fields naming input files (they travel along)
    source: str = "generated"  # how its asset comes to be: generated, combined or scored

    @property
    def output_type(self) -> str:
        """What its asset is: "video" or "audio" (a melody changes the model, not this)."""
        return "video" if self.suffix == ".mp4" else "audio"

    def params_type(self) -> type:
        return load_object(self.params_class)

    def build(self, data: Mapping[str, Any]) -> Any:
        """Rebuild (and so validate) the params; raises ParamError with a clear message."""
        cls = self.params_type()
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParamError(
                f"Unknown {self.name} parameter(s): {', '.join(unknown)}. "
                f"Known: {', '.join(sorted(known))}."
            )
        try:
            return cls(**data)
        except TypeError as exc:  # a required field is missing
            raise ParamError(f"Incomplete {self.name} parameters: {exc}.") from None

    def to_json(self, params: Any) -> dict[str, Any]:
        """Params as a JSON-able dict that ``build`` turns back into equal params."""
        data = dataclasses.asdict(params)
        try:
            return json.loads(json.dumps(data))
        except (TypeError, ValueError) as exc:
            raise ParamError(f"{self.name} parameters must be plain values: {exc}.") from None

    def engine_kind(self, params: Any) -> str:
        if self.engine_for is not None:
            return load_object(self.engine_for)(params)
        if self.engine is None:
            raise RuntimeError(f"Job kind {self.name!r} names no engine.")
        return self.engine

    def run(
        self,
        registry: Registry,
        params: Any,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> Any:
        """Generate ``out_path``; the result has ``to_dict()``."""
        if self.runner is not None:
            run = load_object(self.runner)
            return run(
                registry, params, out_path, on_progress=on_progress, should_cancel=should_cancel
            )
        return registry.generate(
            self.engine_kind(params),
            params,
            out_path,
            on_progress=on_progress,
            should_cancel=should_cancel,
        )
