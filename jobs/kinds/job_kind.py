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
from engines.params import file_fields
from engines.progress import CancelCheck, ProgressFn, RunContext, Tagger


class Registry(Protocol):
    """The part of ``engines.registry.EngineRegistry`` a job needs."""

    def generate(self, params: Any, out_path: Path, run: RunContext | None = None) -> Any: ...


def load_object(reference: str) -> Any:
    """``"package.module:name"`` -> the object."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class JobKind:
    name: str  # the job's kind in the catalog and the page API
    params_class: str  # "module:Class": a frozen dataclass validated in __post_init__
    suffix: str  # of the file the job writes
    # "video" or "audio": a model makes it, the one its params name (their `model`), and
    # the params class is that model's family's; None for jobs run by ``runner``.
    output: str | None = None
    runner: str | None = None  # "module:function(registry, params, out_path, ...)" off-registry
    source: str = "generated"  # how its asset comes to be: generated, combined or scored
    # "module:function(settings, params, input_paths) -> (model entry, model params)": the
    # model run a runner job asks of its GPU, checked by the cost guard on submit.
    planner: str | None = None

    @property
    def file_fields(self) -> tuple[str, ...]:
        """The params fields declared as input files (``param(kind="file")``), of every
        family this kind runs: each names an asset of the owner and travels with the job."""
        found: dict[str, None] = {}
        for cls in self.params_classes():
            found.update(dict.fromkeys(file_fields(cls)))
        return tuple(found)

    def params_classes(self) -> list[type]:
        """Every params class a job of this kind may have (each family's, for model jobs)."""
        if self.output is None:
            return [self.params_type()]
        from engines.catalog import CATALOG

        classes = [e.params_class() for e in CATALOG.values() if e.output == self.output]
        return list(dict.fromkeys(classes))

    @property
    def output_type(self) -> str:
        """What its asset is: "video" or "audio" (a melody changes the model, not this)."""
        return "video" if self.suffix == ".mp4" else "audio"

    def params_type(self, model: str | None = None) -> type:
        """The params class of this kind; of ``model``'s family when a model makes it."""
        if self.output is None or model is None:
            return load_object(self.params_class)
        return self._entry(model).params_class()

    def _entry(self, model: str) -> Any:
        """The catalog entry (or placed folder) ``model`` names, of this kind's output."""
        from engines.catalog import CATALOG, UnknownModelError, get, resolve

        output = self.output or ""
        entry = CATALOG.get(model)
        if entry is None:  # a folder or hub id the settings name: the worker places it
            try:
                entry = resolve(model, output)
            except UnknownModelError:
                entry = get(model, output)  # raises, listing the valid names
        if entry.output != output:
            get(model, output)
        return entry

    def build(self, data: Mapping[str, Any]) -> Any:
        """Rebuild (and so validate) the params; raises ParamError with a clear message."""
        model = data.get("model")
        if model is not None and not isinstance(model, str):
            raise ParamError(f"`model` must be a model name, but is {model!r}.")
        params = self.build_as(self.params_type(model), data)
        if self.output is not None and model is not None:
            self._entry(model).check_params(params)  # the file inputs it takes (a melody)
        return params

    def build_as(self, cls: type, data: Mapping[str, Any]) -> Any:
        """``cls`` (the params class already resolved) from ``data``, or a ParamError that
        names the unknown and missing fields as the caller wrote them."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ParamError(
                f"Unknown {self.name} parameter(s): {', '.join(unknown)}. "
                f"Known: {', '.join(sorted(known))}."
            )
        missing = [
            f.name
            for f in dataclasses.fields(cls)
            if f.name not in data
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ]
        if missing:  # named as the API's caller wrote them, not as a Python TypeError
            raise ParamError(
                f"Missing {self.name} parameter(s): {', '.join(missing)}; "
                f"for example {{{', '.join(f'{json.dumps(n)}: ...' for n in missing)}}}."
            )
        try:
            return cls(**data)
        except TypeError as exc:  # a value of a type the params cannot even compare
            raise ParamError(f"Bad {self.name} parameters: {exc}.") from None

    def to_json(self, params: Any) -> dict[str, Any]:
        """Params as a JSON-able dict that ``build`` turns back into equal params.

        A submitted model job names its model (JobService.submit resolves it), so a
        worker on another machine loads that one.
        """
        data = dataclasses.asdict(params)
        try:
            return json.loads(json.dumps(data))
        except (TypeError, ValueError) as exc:
            raise ParamError(f"{self.name} parameters must be plain values: {exc}.") from None

    def run(
        self,
        registry: Registry,
        params: Any,
        out_path: Path,
        *,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelCheck | None = None,
        tag: Tagger | None = None,
    ) -> Any:
        """Generate ``out_path``; the result has ``to_dict()``. A model's file is written
        with ``tag``'s settings comment; a runner's (combine, score) is tagged after."""
        if self.runner is not None:
            run = load_object(self.runner)
            return run(
                registry, params, out_path, on_progress=on_progress, should_cancel=should_cancel
            )
        return registry.generate(params, out_path, RunContext(on_progress, should_cancel, tag))
