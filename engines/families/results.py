"""What a family's run hands back, and the writing every family of an output shares.

``VideoResult`` and ``write_clips`` for the video families, ``MusicResult`` and
``MusicResult.written`` for the audio ones: a new family writes its files and results
through these instead of borrowing another family's module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engines.device import Placement
from engines.families.base import ModelEngine
from engines.files import atomic_output
from engines.media.mp4 import write_mp4
from engines.progress import RunContext


@dataclass(frozen=True)
class VideoResult:
    path: str
    seed: int  # the seed actually used
    params: dict[str, Any]  # every parameter as given
    model: str  # the hub id or folder the weights came from
    revision: str | None  # hub snapshot commit; None for a local folder
    tiny: bool  # random-weight demo model: the clip is noise
    device: str
    dtype: str  # the device policy's dtype; what each part ran in is in `dtypes`
    frames: int
    fps: int
    width: int
    height: int
    duration_s: float
    prompt_tokens: int  # CLIP tokens of the prompt, start and end markers included
    prompt_token_limit: int
    prompt_truncated: bool  # tokens past the limit were dropped by the encoder
    timings: dict[str, float]  # seconds per phase: encode, denoise, decode, write
    warnings: list[str] = field(default_factory=list)
    memory_savers: list[str] = field(default_factory=list)
    kind: str = "video"
    dtypes: dict[str, str] = field(default_factory=dict)  # unet, text_encoder, vae
    model_name: str = ""  # the catalog name (or the folder) that made it
    batch: int = 1  # clips the pipeline call that made it made (variations run together)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def params_record(params: Any, seed: int, count: int) -> dict[str, Any]:
    """Every parameter as given; in a batch, each sample's own seed."""
    return dataclasses.asdict(params if count == 1 else dataclasses.replace(params, seed=seed))


def opening_on(clips: Any, picture: Any | None) -> Any:
    """Each clip (frames x height x width x 3, in [0, 1]) opening on ``picture`` (a PIL image
    of the clip's sides), pixel for pixel: the VAE's round trip would soften the one frame
    the user gave, and a storyboard's next shot must start on its previous shot's last."""
    if picture is None:
        return clips
    first = np.asarray(picture.convert("RGB"), dtype=np.float32) / 255.0
    for clip in clips:
        clip[0] = first
    return clips


def write_clips(
    engine: ModelEngine,
    params: Any,
    placement: Placement,
    clips: Iterable[tuple[int, Path, Any]],
    run: RunContext,
    *,
    tokens: int,
    token_limit: int,
    warnings: list[str],
) -> list[VideoResult]:
    """Each (seed, path, frames) as an MP4, written whole or not at all, and its result."""
    clips = list(clips)
    with run.timed("write"):
        for seed, out_path, frames in clips:  # each clip its own tag: its own seed
            with atomic_output(out_path) as tmp:
                write_mp4(frames, tmp, params.fps, run.comment(out_path, engine.made(seed)))
    return [
        VideoResult(
            path=str(out_path),
            seed=seed,
            params=params_record(params, seed, len(clips)),
            model=engine.model_id,
            model_name=engine.entry.name,
            revision=engine.revision,
            tiny=engine.settings.tiny,
            device=placement.device,
            dtype=placement.dtype_name,
            frames=len(frames),
            fps=params.fps,
            width=params.width,
            height=params.height,
            duration_s=round(len(frames) / params.fps, 4),
            prompt_tokens=tokens,
            prompt_token_limit=token_limit,
            prompt_truncated=tokens > token_limit,
            timings=dict(run.timings),
            warnings=list(warnings),
            memory_savers=list(engine.memory_savers),
            dtypes=engine.part_dtypes(),
            batch=len(clips),
        )
        for seed, out_path, frames in clips
    ]


@dataclass(frozen=True)
class MusicResult:
    path: str  # the WAV file written
    kind: str  # "music", or "melody" when a melody file led it
    model: str  # hub id or folder the weights came from
    revision: str | None  # hub snapshot commit; None for local folders
    tiny: bool  # random-weight demo checkpoint: the audio is noise
    device: str
    dtype: str  # the device policy's dtype; what each part ran in is in `dtypes`
    seed: int  # the seed actually used, so the track can be made again
    params: dict[str, Any]
    sample_rate: int
    duration_s: float
    timings: dict[str, float] = field(default_factory=dict)  # phase -> seconds
    warnings: list[str] = field(default_factory=list)
    dtypes: dict[str, str] = field(default_factory=dict)  # decoder, text_encoder, audio_encoder
    channels: int = 1
    model_name: str = ""  # the catalog name (or the folder) that made it

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def written(
        cls,
        engine: ModelEngine,
        params: Any,
        placement: Placement,
        path: Path,
        samples: np.ndarray,
        *,
        sample_rate: int,
        seed: int,
        timings: dict[str, float],
        warnings: list[str],
        kind: str = "music",
    ) -> MusicResult:
        """The result of ``samples`` (int16, (samples,) or (samples, channels)) at ``path``."""
        return cls(
            path=str(path),
            kind=kind,
            model=engine.model_id,
            model_name=engine.entry.name,
            revision=engine.revision,
            tiny=engine.settings.tiny,
            device=placement.device,
            dtype=placement.dtype_name,
            dtypes=engine.part_dtypes(),
            seed=seed,
            params=dataclasses.asdict(params),
            sample_rate=sample_rate,
            duration_s=round(len(samples) / sample_rate, 6),
            channels=1 if samples.ndim == 1 else int(samples.shape[1]),
            timings={k: round(v, 4) for k, v in timings.items()},
            warnings=list(warnings),
        )
