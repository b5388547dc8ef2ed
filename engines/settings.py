"""Every setting of the studio in one place, read from the environment.

Imports nothing heavy: the UI reads settings too and must never import torch.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engines.catalog import (
    AUDIO,
    CATALOG,
    DEFAULTS,
    VIDEO,
    ModelEntry,
    family_of,
    find,
    given_inputs,
    resolve,
    taking,
)

DEFAULT_VIDEO_MODEL = DEFAULTS[VIDEO]  # catalog names; a hub id or a folder works too
DEFAULT_MUSIC_MODEL = DEFAULTS[AUDIO]
MELODY_INPUT = "melody_path"  # the file input STUDIO_MELODY_MODEL picks a model for
DEFAULT_MELODY_MODEL = next(e.name for e in CATALOG.values() if MELODY_INPUT in e.inputs)
DEVICE_CHOICES = ("auto", "cpu", "cuda")
SWITCH_VALUES = {"1": True, "true": True, "yes": True, "on": True,
                 "0": False, "false": False, "no": False, "off": False}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")  # catalog, assets and tiny checkpoints live here
    video_model: str = DEFAULT_VIDEO_MODEL  # catalog name, hub id or local folder
    music_model: str = DEFAULT_MUSIC_MODEL
    melody_model: str = DEFAULT_MELODY_MODEL
    tiny: bool = False  # STUDIO_MODELS=tiny: random-weight demo checkpoints, output is noise
    device: str = "auto"  # auto picks CUDA when present, else CPU
    park_ram_gb: float = 0.0  # CPU RAM for parking unloaded models; 0 turns parking off
    # On CPU, MusicGen's decoder and T5 run in bf16 (EnCodec stays fp32): 1.5-2x faster.
    music_cpu_bf16: bool = True
    # On CPU, the video UNet and text encoder in bf16: "auto" where the CPU has native bf16
    # (AVX512-BF16 or AMX), "on" or "off"; the VAE stays fp32.
    video_cpu_bf16: str = "auto"
    # STUDIO_MODELS_ENABLED: the catalog names the pages offer; empty offers every one.
    models_enabled: tuple[str, ...] = ()
    # STUDIO_MAX_BATCH: most variations one pipeline call makes (families that batch); 1 = off.
    max_batch: int = 4
    # STUDIO_COMPILE=1: on CUDA, the transformer families compile their repeated blocks
    # (torch.compile), warmed up once when a worker loads the model.
    compile: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        models = env.get("STUDIO_MODELS", "").strip().lower()
        if models not in ("", "real", "tiny"):
            raise ValueError(f"STUDIO_MODELS must be 'tiny' or unset, but is {models!r}.")
        device = env.get("STUDIO_DEVICE", "auto").strip().lower() or "auto"
        if device not in DEVICE_CHOICES:
            raise ValueError(f"STUDIO_DEVICE must be one of {DEVICE_CHOICES}, but is {device!r}.")
        park = env.get("STUDIO_PARK_RAM_GB", "0").strip() or "0"
        try:
            park_ram_gb = float(park)
        except ValueError:
            raise ValueError(f"STUDIO_PARK_RAM_GB must be a number, but is {park!r}.") from None
        return cls(
            data_dir=Path(env.get("STUDIO_DATA_DIR", "data")),
            video_model=env.get("STUDIO_VIDEO_MODEL") or DEFAULT_VIDEO_MODEL,
            music_model=env.get("STUDIO_MUSIC_MODEL") or DEFAULT_MUSIC_MODEL,
            melody_model=env.get("STUDIO_MELODY_MODEL") or DEFAULT_MELODY_MODEL,
            tiny=models == "tiny",
            device=device,
            park_ram_gb=max(park_ram_gb, 0.0),
            music_cpu_bf16=_flag(env, "STUDIO_MUSIC_CPU_BF16", default=True),
            video_cpu_bf16=_video_cpu_bf16(env),
            models_enabled=_models_enabled(env),
            max_batch=_max_batch(env),
            compile=_flag(env, "STUDIO_COMPILE", default=False),
        )

    @property
    def tiny_dir(self) -> Path:
        return self.data_dir / "tiny-models"

    def default_model(self, output: str, *, given: Collection[str] = ()) -> ModelEntry:
        """The model that serves ``output`` when none is named (STUDIO_*_MODEL); for a job
        giving a file input that model does not take, the model set for that input."""
        entry = resolve(self.video_model if output == VIDEO else self.music_model, output)
        missing = [name for name in given if name not in entry.inputs]
        if not missing:
            return entry
        if missing == [MELODY_INPUT] and output == AUDIO:
            return resolve(self.melody_model, AUDIO)
        return taking(missing, entry.family)

    def model_for(self, params: Any) -> ModelEntry:
        """The model a job of ``params`` runs: the one they name, else the default for their
        output and the files they give, else their family's first model that takes them."""
        name = getattr(params, "model", None)
        if name is not None:
            entry = find(name)
        else:
            family = family_of(params)
            given = given_inputs(params)
            entry = self.default_model(family.output, given=given)
            if entry.family is not family:  # STUDIO_VIDEO_MODEL is another family's
                entry = taking(given, family)
        entry.check_params(params)
        return entry

    def enabled_models(self, output: str) -> list[ModelEntry]:
        """The models the pages offer for ``output``: the default first, then the catalog's."""
        from engines.catalog import CATALOG

        entries = [self.default_model(output)]
        for entry in CATALOG.values():
            wanted = not self.models_enabled or entry.name in self.models_enabled
            if entry.output == output and wanted and entry.name != entries[0].name:
                entries.append(entry)
        return entries


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """An on/off variable: 1/0, true/false, yes/no or on/off."""
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in SWITCH_VALUES:
        raise ValueError(f"{name} must be 1 or 0, but is {value!r}.")
    return SWITCH_VALUES[value]


def _video_cpu_bf16(env: Mapping[str, str]) -> str:
    """STUDIO_VIDEO_CPU_BF16: "auto" (the default), or forced "on" / "off"."""
    value = env.get("STUDIO_VIDEO_CPU_BF16", "").strip().lower()
    if value in ("", "auto"):
        return "auto"
    if value not in SWITCH_VALUES:
        raise ValueError(f"STUDIO_VIDEO_CPU_BF16 must be auto, 1 or 0, but is {value!r}.")
    return "on" if SWITCH_VALUES[value] else "off"


def _models_enabled(env: Mapping[str, str]) -> tuple[str, ...]:
    """STUDIO_MODELS_ENABLED: comma-separated catalog names; each must exist."""
    from engines.catalog import CATALOG

    names = tuple(n.strip() for n in env.get("STUDIO_MODELS_ENABLED", "").split(",") if n.strip())
    unknown = [n for n in names if n not in CATALOG]
    if unknown:
        raise ValueError(
            f"STUDIO_MODELS_ENABLED names unknown model(s) {', '.join(unknown)}; "
            f"valid: {', '.join(CATALOG)}."
        )
    return names


def _max_batch(env: Mapping[str, str]) -> int:
    """STUDIO_MAX_BATCH: a whole number of at least 1 (1 runs variations one by one)."""
    value = env.get("STUDIO_MAX_BATCH", "").strip() or "4"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"STUDIO_MAX_BATCH must be a whole number of 1 or more, but is {value!r}.")
    return int(value)
