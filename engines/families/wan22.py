"""Text or image to video with Wan 2.2 TI2V-5B: one checkpoint, two diffusers pipelines.

The 5B model's VAE packs 16x16 pixels (2x2 patchify, then 8x) and 4 frames into one
latent, and its transformer takes 2x2 patches: clips have 4k+1 frames and sides that
are multiples of 32. Its checkpoint is a WanPipeline with ``expand_timesteps`` (each
token its own timestep); a first frame runs the same weights through
WanImageToVideoPipeline (``from_pipe``: no second copy), which keeps the first latent
frame as the image's and denoises the rest. Everything else is Wan 2.1's engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engines.cost import VideoCost
from engines.device import Placement
from engines.families.family import VIDEO, Family
from engines.families.fast import MagSchedule, fast_param
from engines.families.mag_ratios import WAN22_TI2V_5B_IMAGE, WAN22_TI2V_5B_TEXT
from engines.families.wan import WanEngine
from engines.media.fit import load_fitted
from engines.params import check, param
from engines.tiny.wan22 import build_tiny_wan22

IMAGE = "image"
MAX_FRAMES = 121  # what TI2V-5B was trained on: 5 s at 24 fps
MAX_STEPS = 100
MIN_SIDE, MAX_SIDE = 32, 1280
# UMT5-XXL (~11 GB in bf16), the 5B transformer (~10 GB) and the VAE in fp32 (~3 GB):
# below this much free VRAM the pipeline keeps idle parts in CPU RAM (a 24 GB card needs
# it, as Wan's own 4090 recipe offloads; an 80 GB card does not).
OFFLOAD_BELOW_FREE_BYTES = 40 * 1024**3
# MagCache's authors' setting for TI2V-5B ("E006K2R02": their README's commands and
# timing for it), with their text or their image ratios as the job has a picture.
FAST_TEXT = MagSchedule(WAN22_TI2V_5B_TEXT, threshold=0.06, max_skip_steps=2, retention_ratio=0.2)
FAST_IMAGE = MagSchedule(WAN22_TI2V_5B_IMAGE, threshold=0.06, max_skip_steps=2, retention_ratio=0.2)


@dataclass(frozen=True)
class Wan22Params:
    prompt: str = param(
        kind="prompt",
        help="What the clip shows, in English or Chinese.",
        widget="text_area",
        label="Prompt (English or Chinese)",
    )
    image: str | None = param(
        None, kind="file", media="image", optional=True, label="First frame",
        help="A picture the clip starts from, cropped to the clip's sides about its centre.",
    )  # fmt: skip
    negative_prompt: str = param(
        "", kind="text", help="What to steer away from.", label="Negative prompt", widget="text"
    )
    seed: int | None = param(
        None, kind="seed", help="Omit for a random seed; the result records it.", widget="seed",
        optional=True,
    )  # fmt: skip
    num_frames: int = param(
        121, kind="int", minimum=1, maximum=MAX_FRAMES, four_k_plus_one=True, widget="select",
        label="Frames", help="4k+1 frames (5, 9, ..., 121): the VAE packs 4 frames in one.",
    )  # fmt: skip
    steps: int = param(
        50, kind="int", minimum=1, maximum=MAX_STEPS, widget="slider", label="Inference steps",
        help="Denoising steps: more is slower and finer.",
    )  # fmt: skip
    guidance_scale: float = param(
        5.0, kind="float", minimum=1.0, maximum=20.0, step=0.5, widget="slider",
        label="Guidance", help="How closely to follow the prompt; 1 turns guidance off.",
    )  # fmt: skip
    height: int = param(
        704, kind="int", minimum=MIN_SIDE, maximum=MAX_SIDE, multiple_of=32, widget="select",
        label="Height (pixels)", help="A multiple of 32 (VAE 16x, then 2x2 patches); 704 or 1280.",
    )  # fmt: skip
    width: int = param(
        1280, kind="int", minimum=MIN_SIDE, maximum=MAX_SIDE, multiple_of=32, widget="select",
        label="Width (pixels)", help="A multiple of 32 (VAE 16x, then 2x2 patches); 1280 or 704.",
    )  # fmt: skip
    fps: int = param(
        24, kind="int", minimum=1, maximum=60, widget="slider", label="Frames per second",
        help="Playback rate of the written MP4; Wan 2.2 was trained at 24.",
    )  # fmt: skip
    fast: bool = fast_param()
    model: str | None = param(
        None, kind="model", optional=True, help="Catalog name; None is the default model."
    )

    def __post_init__(self) -> None:
        check(self)


class Wan22Engine(WanEngine):
    """Wan 2.1's engine, with the image-to-video pipeline over the same weights."""

    offload_below_free_bytes = OFFLOAD_BELOW_FREE_BYTES
    _image_to_video: Any = None

    def _load(self, source: str, placement: Placement) -> Any:
        from diffusers import WanImageToVideoPipeline

        pipe = super()._load(source, placement)
        # The same modules (and offload hooks); its config keeps expand_timesteps.
        self._image_to_video = WanImageToVideoPipeline.from_pipe(pipe)
        self._image_to_video.set_progress_bar_config(disable=True)
        return pipe

    def unload(self) -> None:
        self._image_to_video = None
        super().unload()

    def _fast_schedule(self, params: Any) -> MagSchedule:
        return FAST_TEXT if params.image is None else FAST_IMAGE

    def _denoiser(self, params: Any, warnings: list[str]) -> tuple[Any, dict[str, Any]]:
        if params.image is None:
            return self._model, {}
        fitted = load_fitted(params.image, params.width, params.height)
        return self._image_to_video, {"image": fitted.image}


FAMILY = Family(
    name="wan2.2",
    output=VIDEO,
    params=Wan22Params,
    engine=Wan22Engine,
    classes={"WanPipeline": (IMAGE,)},
    cost=VideoCost(),
    tiny=build_tiny_wan22,
    smoke={"num_frames": 5, "steps": 2, "height": 32, "width": 64, "fps": 8},
    batches=True,
    recognises=lambda index: bool(index.get("expand_timesteps")),  # TI2V's per-token steps
)
