"""The catalog of models: one entry per model the studio can run, keyed by a stable name.

A model family is one file in ``engines/families/`` whose ``FAMILY`` declares its params,
engine, cost, tiny builder and batching. An entry here names its family, where its
weights live on the hub, its licence, roughly how much VRAM it needs, the most work it
accepts (``max_cost``), and the defaults it overrides on its family's params. A new model
of an existing family is one entry here. Nothing here imports torch: the pages read it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from engines.cost import check_cost
from engines.errors import ParamError
from engines.families import ace_step, ltx, musicgen, stable_audio, text_to_video_sd, wan, wan22
from engines.families.family import AUDIO, VIDEO, Family
from engines.params import file_fields, spec_of
from engines.tiny.music import build_tiny_melody, build_tiny_stereo

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        text_to_video_sd.FAMILY,
        wan.FAMILY,
        ltx.FAMILY,
        wan22.FAMILY,
        musicgen.FAMILY,
        stable_audio.FAMILY,
        ace_step.FAMILY,
    )
}


@dataclass(frozen=True)
class ModelEntry:
    name: str  # stable: an interface (settings, jobs, the CLI)
    family: Family  # the code that runs it: params, engine, cost, tiny builder
    hub_id: str
    licence: str
    vram_gb: float  # approximate peak at the defaults, fp16
    description: str  # one line for the picker
    # The most cost (its family's units) its target GPU does in engines.cost.BUDGET_MINUTES.
    max_cost: float
    defaults: dict[str, Any] = field(default_factory=dict)  # overrides of the params' defaults
    english_only: bool = True  # warn on prompts in other scripts
    # File inputs of its params it takes (a melody); a job that gives one and names no model
    # runs the first entry that takes it (Settings.default_model).
    inputs: tuple[str, ...] = ()
    channels: int = 1  # audio channels written
    sample_rate: int = 32_000  # audio samples a second written: the model's own rate
    tiny_builder: Callable[[Path], None] | None = None  # its own; None: its family's
    source: str = ""  # hub id or folder to load; empty means hub_id
    tiny_name: str = ""  # whose tiny checkpoint STUDIO_MODELS=tiny loads; empty: its own

    @property
    def output(self) -> str:
        """VIDEO or AUDIO: what its family makes."""
        return self.family.output

    @property
    def load_from(self) -> str:
        return self.source or self.hub_id

    @property
    def batches(self) -> bool:
        """Whether its family makes several seeds in one pipeline call."""
        return self.family.batches

    @property
    def tiny(self) -> Callable[[Path], None]:
        """What builds its tiny random-weight checkpoint."""
        return self.tiny_builder or self.family.tiny

    def params_class(self) -> type:
        return self.family.params

    def engine_class(self) -> type:
        return self.family.engine

    def params(self, **values: Any) -> Any:
        """This model's params: the family's defaults, this entry's, then ``values``."""
        return self.params_class()(**{**self.defaults, **values, "model": self.name})

    def bounds_of(self, name: str) -> tuple[float | None, float | None]:
        """(minimum, maximum) this model's params declare for field ``name``."""
        spec = spec_of(self.params_class(), name)
        return spec.minimum, spec.maximum

    def default_of(self, name: str) -> Any:
        if name in self.defaults:
            return self.defaults[name]
        return spec_of(self.params_class(), name).default

    def check_params(self, params: Any) -> None:
        """Raise ParamError unless ``params`` are its family's and give only files it takes."""
        cls = self.params_class()
        if not isinstance(params, cls):
            mine = [e.name for e in CATALOG.values() if e.family is self.family]
            raise ParamError(
                f"`model` {self.name!r} does not take {type(params).__name__}; "
                f"{cls.__name__} are for {', '.join(mine)}."
            )
        for name in given_inputs(params):
            if name not in self.inputs:
                takers = self.takers(name)
                raise ParamError(
                    f"{self.name} does not take `{name}`; use {' or '.join(takers)}, "
                    f"or leave `{name}` out."
                )

    def takers(self, name: str) -> list[str]:
        """The catalog's models that take file input ``name`` (a first-frame ``image``)."""
        return [e.name for e in CATALOG.values() if name in e.inputs]

    def check_cost(self, params: Any, allowance: float = 1.0) -> None:
        """Raise CostTooHigh when ``params`` ask more than ``max_cost`` x ``allowance``."""
        check_cost(self.family.cost, params, self.max_cost, self.default_of, allowance)


def given_inputs(params: Any) -> list[str]:
    """The file inputs ``params`` give (a melody path, say)."""
    return [name for name in file_fields(params) if getattr(params, name, None)]


_CC_BY_NC = "CC-BY-NC-4.0"

CATALOG: dict[str, ModelEntry] = {
    entry.name: entry
    for entry in (
        ModelEntry(
            "modelscope-t2v-1.7b",
            text_to_video_sd.FAMILY,
            "ali-vilab/text-to-video-ms-1.7b",
            _CC_BY_NC,
            8.0,
            "ModelScope 1.7B: the original 256x256 clips; English prompts; non-commercial.",
            # A guided UNet step at 16x256x256 is 9.77 TFLOP (bench/README.md); a T4 does ~20
            # TFLOP/s of fp16 there: ~0.5 s, so ~1200 such steps in 10 minutes.
            max_cost=16 * 256 * 256 * 1200,
        ),
        ModelEntry(
            "zeroscope-v2-576w",
            text_to_video_sd.FAMILY,
            "cerspense/zeroscope_v2_576w",
            _CC_BY_NC,
            9.0,
            "Zeroscope v2: ModelScope retrained for 576x320, no watermark; non-commercial.",
            max_cost=16 * 256 * 256 * 1200,  # ModelScope's UNet: the same work per pixel
            defaults={"width": 576, "height": 320, "num_frames": 24},
        ),
        ModelEntry(
            "wan2.1-t2v-1.3b",
            wan.FAMILY,
            "Wan-AI/Wan2.1-T2V-1.3B-Diffusers",
            "Apache-2.0",
            8.2,
            "Wan 2.1 1.3B: sharper 480x832 clips at 16 fps; English or Chinese; Apache-2.0.",
            # Its defaults (81x480x832 x 50) are ~570 TFLOP a guided step (33k tokens of
            # attention): ~20 minutes on a T4, not 10. The form's own values must run, so the
            # limit is its defaults and a quarter; more needs an admin's allowance.
            max_cost=81 * 480 * 832 * 50 * 1.25,
            english_only=False,
        ),
        ModelEntry(
            "ltx-video-2b",
            ltx.FAMILY,
            # The newest 2B release in diffusers' layout (0.9.6 and later 2B checkpoints ship
            # as single files; 0.9.7+ in diffusers' layout are 13B); diffusers' docs load it.
            "Lightricks/LTX-Video-0.9.5",
            # LTX-Video's README, March 2025: "New license for commercial use (OpenRail-M)",
            # the file ltx-video-2b-v0.9.5.license.txt.
            "OpenRAIL-M (LTX-Video 2B v0.9.5 licence; commercial use allowed with use limits)",
            # Weights in bf16: T5-XXL ~9.5 GB, the 2B transformer ~4 GB, the VAE ~1 GB. Below
            # 20 GB free it offloads and decodes in tiles: the peak is T5 alone, then the
            # transformer with ~5k tokens of activations.
            12.0,
            "LTX-Video 2B: fast 768x512 clips at 24 fps from text or your own picture; "
            "continues a clip keeping its motion; English.",
            # A guided step at its defaults (97x512x768: 4992 tokens, 2B weights) is ~52 TFLOP;
            # a T4 does ~15 TFLOP/s of it: ~3.5 s a step, 50 steps and the decode ~4 minutes.
            # Its 10-minute budget is 2.5x its defaults.
            max_cost=97 * 512 * 768 * 50 * 2.5,
            inputs=(ltx.IMAGE, ltx.LAST_IMAGE),
        ),
        ModelEntry(
            "wan2.2-ti2v-5b",
            wan22.FAMILY,
            "Wan-AI/Wan2.2-TI2V-5B-Diffusers",
            "Apache-2.0",
            # Weights in bf16: the 5B transformer ~10 GB, UMT5-XXL ~11 GB, the VAE in fp32
            # ~3 GB; with model offload (below 40 GB free) the peak is the transformer and its
            # 27k tokens of activations, then the VAE's 720p decode: Wan's own figure is a
            # 24 GB card (RTX 4090).
            24.0,
            "Wan 2.2 TI2V 5B: 720p clips (1280x704) at 24 fps from text or your own picture; "
            "English or Chinese; Apache-2.0.",
            # Wan 2.2's report: its defaults (121x704x1280 x 50 steps) take under 9 minutes on
            # one RTX 4090, its target card; that fills the 10-minute budget with a tenth over.
            max_cost=121 * 704 * 1280 * 50 * 1.1,
            english_only=False,
            inputs=(wan22.IMAGE,),
        ),
        ModelEntry(
            "musicgen-small",
            musicgen.FAMILY,
            "facebook/musicgen-small",
            _CC_BY_NC,
            2.0,
            "MusicGen small (300M): quick mono tracks from a description.",
            max_cost=300,  # 50 decoder steps an audio second at ~15 ms on a T4: all 300 s fit
        ),
        ModelEntry(
            "musicgen-medium",
            musicgen.FAMILY,
            "facebook/musicgen-medium",
            _CC_BY_NC,
            6.0,
            "MusicGen medium (1.5B): richer mono tracks, slower.",
            max_cost=300,  # ~35 ms a decoder step on a T4: ~2 s a second of audio, 300 s fit
        ),
        ModelEntry(
            "musicgen-large",
            musicgen.FAMILY,
            "facebook/musicgen-large",
            _CC_BY_NC,
            12.0,
            "MusicGen large (3.3B): the best mono quality; needs a 16 GB card.",
            max_cost=150,  # ~75 ms a decoder step on a T4: ~4 s a second of audio
        ),
        ModelEntry(
            "musicgen-melody",
            musicgen.FAMILY,
            "facebook/musicgen-melody",
            _CC_BY_NC,
            6.0,
            "MusicGen melody (1.5B): follows a hummed or played melody you upload.",
            max_cost=300,  # medium's decoder (1.5B): ~2 s a second of audio on a T4
            inputs=(musicgen.MELODY,),
            tiny_builder=build_tiny_melody,
        ),
        ModelEntry(
            "musicgen-stereo-small",
            musicgen.FAMILY,
            "facebook/musicgen-stereo-small",
            _CC_BY_NC,
            2.5,
            "MusicGen stereo small (300M): two-channel tracks from a description.",
            max_cost=300,  # small's decoder with 8 codebooks: still under 1 s an audio second
            channels=2,
            tiny_builder=build_tiny_stereo,
        ),
        ModelEntry(
            "stable-audio-open-1.0",
            stable_audio.FAMILY,
            "stabilityai/stable-audio-open-1.0",
            # Released in June 2024 under the Stability AI Non-Commercial Research Community
            # License; the repository's LICENSE.md has since been the Community License.
            "Stability AI Community License (free under US$1M yearly revenue)",
            7.0,
            "Stable Audio Open 1.0: sound effects and ambience, 44.1 kHz stereo, up to 47 s.",
            # The DiT denoises its whole 47 s window whatever the duration; 200 steps of it take
            # ~3 minutes on a T4: every value it accepts fits.
            max_cost=47 * 200,
            channels=2,
            sample_rate=44_100,
            english_only=True,
        ),
        ModelEntry(
            "acestep-v1.5-turbo",
            ace_step.FAMILY,
            # The id diffusers' own AceStepPipeline example loads (pipeline_ace_step.py).
            "ACE-Step/acestep-v15-xl-turbo-diffusers",
            # The ACE-Step 1.5 project's README (github.com/ace-step/ACE-Step-1.5): "This
            # project is licensed under MIT"; v1's weights were tagged apache-2.0. The 1.5
            # weights' own model card was not readable offline.
            "MIT (ACE-Step 1.5 release)",
            12.0,
            "ACE-Step 1.5 turbo: songs with sung lyrics, 48 kHz stereo, 10 s to 4 min.",
            # v1 (3.5B) makes 240 s at 27 steps in ~20 s on an A100; a T4 is ~8x slower and
            # XL ~2x larger: 240 s x 27 steps in ~5 minutes.
            max_cost=240 * 27 * 2,
            english_only=False,
            channels=2,
            sample_rate=48_000,
        ),
    )
}

DEFAULTS = {VIDEO: "modelscope-t2v-1.7b", AUDIO: "musicgen-small"}


class UnknownModelError(ParamError):
    """A model name that is neither in the catalog nor a folder or hub id we can place."""


def names(output: str | None = None) -> list[str]:
    return [e.name for e in CATALOG.values() if output is None or e.output == output]


def get(name: str, output: str | None = None) -> ModelEntry:
    """The catalog entry called ``name``; the error lists the valid names."""
    entry = CATALOG.get(name)
    if entry is None or (output is not None and entry.output != output):
        valid = ", ".join(names(output))
        raise UnknownModelError(f"Unknown model {name!r}; valid models: {valid}.")
    return entry


def find(model: str) -> ModelEntry:
    """The entry ``model`` names: a catalog name, or a hub id or folder of either output."""
    if model in CATALOG:
        return CATALOG[model]
    for output in (VIDEO, AUDIO):
        try:
            return resolve(model, output)
        except UnknownModelError:
            continue
    raise UnknownModelError(f"Unknown model {model!r}; valid models: {', '.join(CATALOG)}.")


def family_of(params: Any) -> Family:
    """The family whose params class ``params`` is."""
    for family in FAMILIES.values():
        if isinstance(params, family.params):
            return family
    raise UnknownModelError(f"{type(params).__name__} is not the params of any model family.")


def taking(inputs: list[str], family: Family) -> ModelEntry:
    """The first entry of ``family`` that takes every file input in ``inputs``."""
    for entry in CATALOG.values():
        if entry.family is family and set(inputs) <= set(entry.inputs):
            return entry
    raise UnknownModelError(f"No {family.name} model takes {', '.join(inputs)}.")


def resolve(value: str, output: str) -> ModelEntry:
    """A catalog name, a catalog entry's hub id, or a local folder -> the entry to run.

    A folder is placed in its family from its model_index.json ``_class_name`` or its
    config.json ``architectures`` (as diffusers and transformers dispatch); the entry it
    gets is named by the folder, with the family's first catalog entry's defaults.
    """
    if value in CATALOG:
        return get(value, output)
    for entry in CATALOG.values():
        if entry.hub_id == value and entry.output == output:
            return entry
    if not _names_weights(value):
        valid = ", ".join(names(output))
        raise UnknownModelError(
            f"Unknown {output} model {value!r}: not a catalog name, a hub id or a folder; "
            f"valid models: {valid}."
        )
    folder = _local_folder(value)
    if folder is None:  # not here (yet): the default family's loader says what is missing
        base = CATALOG[DEFAULTS[output]]
        return replace(base, name=value, source=value, tiny_name=base.name)
    family, inputs, channels = detect_family(folder)
    base = next(e for e in CATALOG.values() if e.family is family and e.inputs == inputs)
    if base.output != output:
        raise UnknownModelError(f"{value} holds a model that makes {base.output}, not {output}.")
    return replace(base, name=value, source=value, channels=channels, tiny_name=base.name)


def _names_weights(value: str) -> bool:
    """A folder path, or a hub id: ``owner/name``."""
    path = Path(value).expanduser()
    if path.is_absolute() or value.startswith((".", "~")) or path.is_dir():
        return True
    owner, slash, repo = value.partition("/")
    return bool(slash and owner and repo and "/" not in repo and " " not in value)


def _local_folder(value: str) -> Path | None:
    """The folder ``value`` names, or the cached hub snapshot of it; None when absent."""
    folder = Path(value).expanduser()
    if folder.is_dir():
        return folder
    if folder.is_absolute() or value.startswith((".", "~")):
        return None
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(value, local_files_only=True))
    except Exception:  # not cached: nothing to read the family from
        return None


def detect_family(folder: Path) -> tuple[Family, tuple[str, ...], int]:
    """(family, file inputs, channels) of a checkpoint folder, read from its config files."""
    index, config = folder / "model_index.json", folder / "config.json"
    classes: list[str] = []
    data: dict[str, Any] = {}
    if index.is_file():
        data = json.loads(index.read_text())
        classes = [str(data.get("_class_name", ""))]
    elif config.is_file():
        data = json.loads(config.read_text())
        classes = [str(c) for c in data.get("architectures") or []]
    for family in FAMILIES.values():
        for name in classes:
            if family.claims(name, data):
                return family, family.classes[name], _audio_channels(folder, data)
    found = ", ".join(classes) or "no model_index.json or config.json"
    known = ", ".join(c for f in FAMILIES.values() for c in f.classes)
    raise UnknownModelError(
        f"Cannot tell which family the folder {folder} belongs to ({found}); "
        f"the studio runs: {known}."
    )


def _audio_channels(folder: Path, data: dict[str, Any]) -> int:
    """Channels a checkpoint writes: MusicGen's decoder config, or a diffusers VAE's."""
    if "decoder" in data:
        return int((data.get("decoder") or {}).get("audio_channels", 1))
    vae = folder / "vae" / "config.json"
    if vae.is_file():
        return int(json.loads(vae.read_text()).get("audio_channels", 1))
    return 1
