"""What a model family declares, once, in its own file: the rest of the studio derives from it.

A family file (``engines/families/wan.py``, say) ends with one ``FAMILY = Family(...)``:
its params class (fields with bounds and file inputs), its engine class, the checkpoint
classes it recognises in a folder, its cost, its tiny builder, its batching and the small
values a test runs it at. A model is a catalog entry over a family (``engines/catalog.py``).
Nothing here imports torch: classes are referenced, and their heavy imports wait for load().
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.cost import Cost
from engines.params import file_fields

VIDEO, AUDIO = "video", "audio"


@dataclass(frozen=True)
class Family:
    name: str  # "text-to-video-sd", "wan", "musicgen": an entry's family in `models --json`
    output: str  # VIDEO or AUDIO: what its models make
    params: type  # a frozen dataclass of param(...) fields, checked in __post_init__
    engine: type  # an engines.families.base.ModelEngine: load() and the call
    # Checkpoint classes it runs (model_index.json _class_name / config.json architectures),
    # each with the file inputs a model of that class takes (a melody for MusicGen-Melody).
    classes: Mapping[str, tuple[str, ...]]
    cost: Cost  # what a job of its params costs, in the units its entries' max_cost counts
    tiny: Callable[[Path], None]  # builds a tiny random-weight checkpoint in a folder
    # The small values a test runs each of its models at (a few steps, a short clip).
    smoke: Mapping[str, Any] = field(default_factory=dict)
    # Makes several seeds of the same params in one pipeline call, each sample from its own
    # generator, so each clip equals what its seed makes alone (ModelEngine.generate_batch).
    batches: bool = False
    # Whether a folder whose class is in ``classes`` is this family's, from its
    # model_index.json / config.json (Wan 2.1 and 2.2 are both a WanPipeline; 2.2's
    # index says expand_timesteps). None: the class name alone decides.
    recognises: Callable[[Mapping[str, Any]], bool] | None = None

    @property
    def extends(self) -> bool:
        """Whether its models continue a clip (ModelEngine.generate_continuation): those
        whose params declare a first-frame ``image``."""
        return "image" in file_fields(self.params)

    def claims(self, class_name: str, config: Mapping[str, Any]) -> bool:
        """Whether a checkpoint of ``class_name`` with this ``config`` is this family's."""
        if class_name not in self.classes:
            return False
        return self.recognises is None or self.recognises(config)
