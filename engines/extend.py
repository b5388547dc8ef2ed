"""Extending a clip: the next seconds made by a video model from the clip's last frames
(``ModelEngine.generate_continuation``), joined to the clip into ONE longer clip.

The continuation's first frame continues from the source's last, so the join drops it:
the result has ``source + continuation - 1`` frames. The source's frames are decoded and
re-encoded once at a near-lossless quality (PSNR well above 40 dB), never resampled; the
continuation is made at the source's size and rate where the model allows them.

    result = extend_clip(registry, ExtendParams("clip.mp4", "the fox runs on", seconds=2.0), out)
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engines.catalog import VIDEO, ModelEntry
from engines.errors import ParamError
from engines.files import atomic_output
from engines.media.ffmpeg import local_input, run_ffmpeg
from engines.media.frames import ClipShape, clip_shape, last_frames
from engines.media.mp4 import COMMENT_TAG
from engines.params import ParamSpec, check, check_value, param, specs
from engines.progress import RunContext

MAX_SECONDS = 30.0  # per extension; extend again for more
CONTEXT_FRAMES = 33  # the source's last frames handed to the model (LTX reads 8k+1 of them)
# Below CRF 18 (the studio's clips): the source is re-encoded once per extension, so each
# generation loses little (noise, the hardest picture to keep, stays above 40 dB).
JOIN_CRF = "8"
# ultrafast: 6x faster than medium on noise at 256x256 and as close (44 dB) at this CRF,
# for a larger file; the join stays a small share of an extension's time.
JOIN_PRESET = "ultrafast"
JOIN_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class ExtendParams:
    extend_from: str = param(
        kind="file", media="video", label="Clip to extend",
        help="The clip to continue; the result is this clip and the new seconds, one clip.",
    )  # fmt: skip
    prompt: str = param(
        kind="prompt", widget="text_area", label="What happens next",
        help="What the next seconds show, in English.",
    )  # fmt: skip
    seconds: float = param(
        2.0, kind="float", minimum=0.1, maximum=MAX_SECONDS, step=0.5, widget="slider",
        label="Seconds to add", help="How much longer the clip gets (rounded up to the "
        "frame counts the model makes).",
    )  # fmt: skip
    negative_prompt: str = param(
        "", kind="text", widget="text", label="Negative prompt", help="What to steer away from."
    )
    seed: int | None = param(
        None, kind="seed", optional=True, widget="seed",
        help="Omit for a random seed; the result records it.",
    )  # fmt: skip
    steps: int | None = param(
        None, kind="int", minimum=1, maximum=200, optional=True,
        label="Inference steps", help="Denoising steps; omit for the model's own default.",
    )  # fmt: skip
    model: str | None = param(
        None, kind="model", optional=True,
        help="The video model that makes the next seconds (one that starts from a picture); "
        "None: the default one that can.",
    )  # fmt: skip

    def __post_init__(self) -> None:
        check(self)


@dataclass(frozen=True)
class ExtendResult:
    path: str
    seed: int  # the continuation's seed
    model_name: str  # the catalog name that made the new seconds
    source_frames: int
    added_frames: int  # the continuation's frames after the shared one
    frames: int  # source_frames + added_frames
    fps: float
    width: int
    height: int
    duration_s: float
    continuation: dict[str, Any]  # the model's own result: params, timings, warnings
    timings: dict[str, float] = field(default_factory=dict)
    kind: str = "extend"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def can_extend(entry: ModelEntry) -> bool:
    """Whether ``entry`` starts a clip from a picture (its family declares ``image`` and the
    model takes it): what ``generate_continuation`` continues from."""
    return entry.family.extends and "image" in entry.inputs


def extending_model(settings: Any, name: str | None) -> ModelEntry:
    """The model that makes the next seconds: the one named, else the default video model
    when it can, else the first offered one that can."""
    from engines.catalog import CATALOG, resolve

    offered = [e for e in settings.enabled_models(VIDEO) if can_extend(e)]
    if name is None:
        if not offered:
            raise ParamError(
                "No video model this studio offers can extend a clip (one that starts from "
                "a picture is needed)."
            )
        return offered[0]
    entry = resolve(name, VIDEO)
    if entry.name not in {e.name for e in settings.enabled_models(VIDEO)}:
        raise ParamError(
            f"This studio does not offer {name!r}; models that extend a clip here: "
            f"{', '.join(e.name for e in offered) or 'none'}."
        )
    if not can_extend(entry):
        others = [e.name for e in offered] or [e.name for e in CATALOG.values() if can_extend(e)]
        raise ParamError(
            f"{entry.name} cannot extend a clip (it does not start from a picture); "
            f"use {' or '.join(others) or 'a model that does'}."
        )
    return entry


def continuation_params(entry: ModelEntry, params: ExtendParams, shape: ClipShape) -> Any:
    """The model's params for the next ``params.seconds``: the source's size and rate where
    the model allows them, the fewest frames the model makes that cover the seconds plus
    the shared first frame."""
    declared = {spec.name: spec for spec in specs(entry.params_class())}
    fps = round(shape.fps) or int(entry.default_of("fps") or 24)
    values: dict[str, Any] = {"prompt": params.prompt, "seed": params.seed, "model": entry.name}
    if "negative_prompt" in declared:
        values["negative_prompt"] = params.negative_prompt
    if params.steps is not None:
        values["steps"] = params.steps
    if "fps" in declared:
        fps = int(_nearest(declared["fps"], fps))
        values["fps"] = fps
    values["width"] = int(_nearest(declared["width"], shape.width))
    values["height"] = int(_nearest(declared["height"], shape.height))
    frames = declared["num_frames"]
    added = max(1, math.ceil(params.seconds * fps - 1e-6))
    most = int(frames.maximum or added + 1)
    for count in range(added + 1, most + 1):
        try:
            check_value(frames, count)
        except ParamError:
            continue
        return entry.params(**values, num_frames=count)
    raise ParamError(
        f"{entry.name} makes at most {most} frames at a time, {(most - 1) / fps:.2f} s at "
        f"{fps} fps after the shared frame, but {params.seconds:g} s were asked; extend by "
        "that much or less, then extend the result again."
    )


def _nearest(spec: ParamSpec, value: float) -> float:
    """``value`` if the spec accepts it, else the nearest value it does (a side rounded to
    its multiple within its bounds); the join scales the new frames to the source's size."""
    try:
        check_value(spec, int(value))
        return int(value)
    except ParamError:
        pass
    low, high = int(spec.minimum or 1), int(spec.maximum or value)
    step = spec.multiple_of or 1
    rounded = round(value / step) * step
    return min(max(rounded, math.ceil(low / step) * step), high // step * step)


def extend_clip(
    registry: Any,
    params: ExtendParams,
    out_path: Path,
    run: RunContext | None = None,
    *,
    comment: str | None = None,
) -> ExtendResult:
    """Make the next ``params.seconds`` of the clip ``params.extend_from`` (a local path)
    and write the source and them, joined, to ``out_path`` (atomically)."""
    run = run if run is not None else RunContext()
    out_path = Path(out_path)
    # 1. Read the source: its shape and its last frames.
    source = Path(params.extend_from)
    shape = clip_shape(source)
    entry = extending_model(registry.settings, params.model)
    following = continuation_params(entry, params, shape)
    with run.timed("read"):
        context = last_frames(source, CONTEXT_FRAMES, shape)
        source_frames = count_frames(source)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_path.parent) as scratch:
        # 2. The next seconds, whose first frame continues from the source's last.
        made_path = Path(scratch) / "continuation.mp4"
        with registry.use(entry) as engine:
            made = engine.generate_continuation(following, context, made_path, run)
        run.check_cancel()
        # 3. One clip: the source, then the continuation without its shared first frame.
        with run.timed("join"):
            join_clips(source, made_path, out_path, shape, comment=comment)
    frames = source_frames + int(made.frames) - 1  # the shared frame once
    return ExtendResult(
        path=str(out_path),
        seed=int(made.seed),
        model_name=entry.name,
        source_frames=source_frames,
        added_frames=frames - source_frames,
        frames=frames,
        fps=shape.fps,
        width=shape.width,
        height=shape.height,
        duration_s=round(frames / shape.fps, 4) if shape.fps else shape.duration_s,
        continuation=made.to_dict(),
        timings=dict(run.timings),
    )


def count_frames(path: Path) -> int:
    """Frames in the clip's video stream, counted by decoding it (containers can be wrong)."""
    raw = run_ffmpeg(
        [*local_input(path), "-map", "0:v:0", "-fps_mode", "passthrough",
         "-f", "framemd5", "-"],
        timeout=JOIN_TIMEOUT_S,
        what=path.name,
    )  # fmt: skip
    return sum(1 for line in raw.decode().splitlines() if line and not line.startswith("#"))


def join_clips(
    source: Path, continuation: Path, out_path: Path, shape: ClipShape, *, comment: str | None
) -> None:
    """``source`` then ``continuation`` minus its first frame, one H.264 MP4 at the source's
    size (the source's sound, if any, kept and padded with silence)."""
    scale = f",scale={shape.width}:{shape.height}:flags=lanczos,setsar=1"
    graph = (
        f"[0:v]setsar=1[first];[1:v]trim=start_frame=1,setpts=PTS-STARTPTS{scale}[next];"
        "[first][next]concat=n=2:v=1:a=0,format=yuv420p[v]"
    )
    maps = ["-map", "[v]"]
    if shape.has_audio:  # a scored clip keeps its music; the new seconds are silent
        graph += ";[0:a]apad[a]"
        maps += ["-map", "[a]", "-c:a", "aac", "-shortest"]
    with atomic_output(out_path) as tmp:
        run_ffmpeg(
            [
                *local_input(source),
                *local_input(continuation),
                *("-filter_complex", graph, *maps),
                *("-c:v", "libx264", "-crf", JOIN_CRF, "-preset", JOIN_PRESET),
                *("-movflags", "+faststart"),
                *(("-metadata", f"{COMMENT_TAG}={comment}") if comment is not None else ()),
                *("-f", "mp4", "-y", str(tmp)),
            ],
            timeout=JOIN_TIMEOUT_S,
            what=f"{source.name} and its continuation",
        )
