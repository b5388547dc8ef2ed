"""One engine base: what every model family shares, so a family writes only its loading
and its call (as audiocraft's ``BaseGenModel`` does for its models).

The base owns load (with the clear missing-weights error), unload, park and unpark,
the memory report, per-part dtypes, the params check and the run context (progress,
cancel, timings). A family implements ``_load``, ``_parts`` and ``_generate``.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from engines.device import Placement, free_device_memory, is_out_of_memory, module_bytes
from engines.errors import ParamError
from engines.loading import (
    model_source,
    public_name,
    reporting_missing_weights,
    snapshot_revision,
)
from engines.params import file_fields
from engines.progress import RunContext

IMAGE = "image"  # the declared first-frame input of the families that take a picture

if TYPE_CHECKING:  # the catalog imports the families: types only, no circle
    from engines.catalog import ModelEntry
    from engines.settings import Settings


class ModelEngine:
    """A catalog entry's model on one device; the registry keeps the only reference."""

    def __init__(self, settings: Settings, entry: ModelEntry) -> None:
        self.settings = settings
        self.entry = entry
        self.kind = entry.name  # the registry's key
        self.model_id = entry.load_from  # hub id or folder; the real folder once loaded
        self.revision: str | None = None
        self.memory_savers: list[str] = []
        self._model: Any = None  # the pipeline or model the family loaded
        self._placement: Placement | None = None

    # -- lifecycle ---------------------------------------------------------------------

    def load(self, placement: Placement) -> None:
        """Load weights onto ``placement``; raises ModelUnavailableError when missing."""
        source = model_source(self.settings, self.entry)
        with reporting_missing_weights(source):
            self._model = self._load(source, placement)
        self._placement = placement
        self.model_id = source
        self.revision = snapshot_revision(source)
        if "compiled_blocks" in self.memory_savers:
            self._warm_up()

    def _warm_up(self) -> None:
        """One step at the model's defaults, so the compile (STUDIO_COMPILE) is paid here,
        once per worker, not by the first job."""
        params = self.entry.params(**{self._prompt_field(): "warm-up", "steps": 1, "seed": 0})
        with tempfile.TemporaryDirectory(prefix="studio-warm-up-") as folder:
            self.generate(params, Path(folder) / "warm-up.mp4")

    def _prompt_field(self) -> str:
        return "description" if self.entry.output == "audio" else "prompt"

    def unload(self) -> None:
        """Drop every reference to model objects so their memory can be freed."""
        self._model = None

    def park(self) -> None:
        """Move weights to CPU RAM, keeping them for a fast return to the device."""
        if self._model is not None and not self._offloaded:
            self._model.to("cpu")

    def unpark(self) -> None:
        if self._model is not None and self._placement is not None and not self._offloaded:
            self._model.to(self._placement.device)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    @property
    def _offloaded(self) -> bool:
        # With model offload, accelerate's hooks already move components on demand.
        return "model_cpu_offload" in self.memory_savers

    def memory_bytes(self) -> int:
        """Bytes held by the loaded weights (0 when unloaded)."""
        if self._model is None:
            return 0
        return module_bytes(*self._parts().values())

    def part_dtypes(self) -> dict[str, str]:
        """The dtype each part runs in (parts may differ, e.g. a VAE kept in fp32)."""
        if self._model is None:
            return {}
        return {
            name: str(part.dtype).removeprefix("torch.")
            for name, part in self._parts().items()
            if part is not None
        }

    # -- generation --------------------------------------------------------------------

    def generate(self, params: Any, out_path: Path, run: RunContext | None = None) -> Any:
        """Run one generation and write its file atomically to ``out_path``."""
        run = run if run is not None else RunContext()
        self._check(params)
        run.steps(self._steps(params))
        run.check_cancel()
        return self._generate(params, Path(out_path), run)

    def generate_batch(
        self,
        params: Any,
        seeds: Sequence[int],
        out_paths: Sequence[Path],
        run: RunContext | None = None,
    ) -> list[Any]:
        """One result per seed, each file what ``params`` with that seed makes alone.

        A family that batches makes up to ``settings.max_batch`` seeds per pipeline call;
        the others, and a call that ran out of memory, make them one after another.
        Progress counts the steps of every call; a cancel stops them all.
        """
        run = run if run is not None else RunContext()
        if not seeds or len(seeds) != len(out_paths):
            raise ValueError(f"{len(seeds)} seeds for {len(out_paths)} output paths.")
        self._check(params)
        size = self.settings.max_batch if self.entry.batches else 1
        chunks = [list(range(i, min(i + size, len(seeds)))) for i in range(0, len(seeds), size)]
        per_call = self._steps(params)
        run.steps(per_call * len(chunks))
        results: list[Any] = []
        for chunk in chunks:
            run.check_cancel()
            chunk_seeds = [seeds[i] for i in chunk]
            chunk_outs = [Path(out_paths[i]) for i in chunk]
            results += self._generate_chunk(params, chunk_seeds, chunk_outs, run, per_call)
        return results

    def _generate_chunk(
        self, params: Any, seeds: list[int], outs: list[Path], run: RunContext, per_call: int
    ) -> list[Any]:
        if len(seeds) == 1:
            return [self._generate(dataclasses.replace(params, seed=seeds[0]), outs[0], run)]
        try:
            return self._generate_batch(params, seeds, outs, run)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
        # Too big for the device together: free what the batch held, then one at a time.
        free_device_memory(self._loaded()[1].device)
        run.reporter.total += per_call * (len(seeds) - 1)
        return [
            self._generate(dataclasses.replace(params, seed=seed), out, run)
            for seed, out in zip(seeds, outs, strict=True)
        ]

    def generate_continuation(
        self, params: Any, frames: Any, out_path: Path, run: RunContext | None = None
    ) -> Any:
        """A clip of ``params`` (its frames and sides) whose first frame continues from
        ``frames[-1]`` (a uint8 array, frames x height x width x 3): here, that last frame
        as the first-frame ``image``; a family that can condition on more frames overrides
        it. ``engines/extend.py`` joins the source and this clip's frames after the first."""
        if IMAGE not in file_fields(params) or IMAGE not in self.entry.inputs:
            raise ParamError(self._cannot_extend())
        with tempfile.TemporaryDirectory(prefix="studio-continue-") as folder:
            still = Path(folder) / "last-frame.png"
            Image.fromarray(last_frame(frames)).save(still)
            return self.generate(dataclasses.replace(params, image=str(still)), out_path, run)

    def _cannot_extend(self) -> str:
        takers = self.entry.takers(IMAGE)
        return (
            f"{self.entry.name} cannot extend a clip: it cannot start from a picture; "
            f"use {' or '.join(takers)}."
        )

    def made(self, seed: int) -> dict[str, Any]:
        """What only this run knows of a file it writes, for its settings comment."""
        # The weights by hub id or folder name: a file's tag never holds a server path.
        return {"model": public_name(self.model_id), "revision": self.revision, "seed": seed}

    def _check(self, params: Any) -> None:
        expected: Any = self.entry.params_class()
        if not isinstance(params, expected):
            raise ParamError(
                f"The {self.entry.name} model takes {expected.__name__}, "
                f"not {type(params).__name__}."
            )
        if params.model not in (None, self.entry.name):
            raise ParamError(
                f"These params are for {params.model!r}, but this engine runs "
                f"{self.entry.name!r}; ask the registry for {params.model!r}."
            )
        self.entry.check_params(params)  # the file inputs it takes (a melody)
        if self._model is None or self._placement is None:
            raise RuntimeError(f"{self.entry.name} is not loaded; get it from the EngineRegistry.")

    def _loaded(self) -> tuple[Any, Placement]:
        if self._model is None or self._placement is None:
            raise RuntimeError(f"{self.entry.name} is not loaded; get it from the EngineRegistry.")
        return self._model, self._placement

    # -- what each family supplies -------------------------------------------------------

    def _load(self, source: str, placement: Placement) -> Any:
        """Load the pipeline or model from ``source`` onto ``placement``; return it."""
        raise NotImplementedError

    def _parts(self) -> dict[str, Any]:
        """The torch modules of the loaded model by name (for memory and dtypes)."""
        raise NotImplementedError

    def _steps(self, params: Any) -> int:
        """How many progress steps a run of ``params`` reports."""
        return int(params.steps)

    def _generate(self, params: Any, out_path: Path, run: RunContext) -> Any:
        """Generate, calling ``run.advance()`` once per step, and write ``out_path``."""
        raise NotImplementedError

    def _generate_batch(
        self, params: Any, seeds: list[int], out_paths: list[Path], run: RunContext
    ) -> list[Any]:
        """Families that batch (``Family.batches``): every seed in one pipeline call."""
        raise NotImplementedError


def last_frame(frames: Any) -> np.ndarray:
    """The last frame of a clip's uint8 frames (frames x height x width x 3), checked."""
    array = np.asarray(frames)
    if array.dtype != np.uint8 or array.ndim != 4 or array.shape[-1] != 3 or not len(array):
        raise ParamError(
            f"A clip to continue is uint8 frames x height x width x 3, not {array.dtype} "
            f"{array.shape}; decode it with engines.media first."
        )
    return np.ascontiguousarray(array[-1])


def load_pipeline_with_fp32_vae(pipeline_class: Any, source: str, placement: Placement) -> Any:
    """A diffusers pipeline in the device's dtype but its VAE in fp32 (what the audio
    families decode with), its progress bar off (the run context reports), on the device."""
    import torch

    pipe = pipeline_class.from_pretrained(
        source, dtype={"default": placement.dtype, "vae": torch.float32}
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(placement.device)
