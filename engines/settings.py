"""Every setting of the studio in one place, read from the environment.

Imports nothing heavy: the UI reads settings too and must never import torch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_VIDEO_MODEL = "ali-vilab/text-to-video-ms-1.7b"
DEFAULT_MUSIC_MODEL = "facebook/musicgen-small"
DEFAULT_MELODY_MODEL = "facebook/musicgen-melody"
DEVICE_CHOICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")  # catalog, assets and tiny checkpoints live here
    video_model: str = DEFAULT_VIDEO_MODEL  # hub id or local folder
    music_model: str = DEFAULT_MUSIC_MODEL
    melody_model: str = DEFAULT_MELODY_MODEL
    tiny: bool = False  # STUDIO_MODELS=tiny: random-weight demo checkpoints, output is noise
    device: str = "auto"  # auto picks CUDA when present, else CPU
    park_ram_gb: float = 0.0  # CPU RAM for parking unloaded models; 0 turns parking off

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
        )

    @property
    def tiny_dir(self) -> Path:
        return self.data_dir / "tiny-models"

    def model_for(self, kind: str) -> str:
        """The hub id or folder an engine of ``kind`` loads (tiny folders when tiny)."""
        if self.tiny:
            return str(self.tiny_dir / kind)
        return {"video": self.video_model, "music": self.music_model, "melody": self.melody_model}[
            kind
        ]
