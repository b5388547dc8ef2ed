"""A board as a user sends it, checked once: title, shots, soundtrack, cuts, transition.

    {"title": "Fox", "shots": [{"prompt": "a fox", "model": "<video model>", "seconds": 3,
     "seed": 7, "continue": false}], "soundtrack": {"model": "<audio model>", "prompt":
     "calm piano", "lyrics": ""} | {"asset": "<id>"} | null, "cuts": "beats",
     "transition": {"kind": "crossfade", "seconds": 0.5}}

``check_board`` returns the same shape with every default filled in, or raises ParamError
naming the shot and field that was wrong and what would work. A shot may carry ``params``
(the model's own, e.g. ``steps``), checked by the model's params when its job is made.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from engines.catalog import AUDIO, VIDEO, ModelEntry
from engines.errors import ParamError
from engines.seeds import MAX_SEED
from engines.settings import Settings
from engines.validation import MAX_PROMPT_CHARS, require_prompt
from jobs.boards.planning import check_plan, has_field, max_shot_seconds, takes_image
from jobs.catalog import Catalog
from jobs.kinds.assemble import MAX_SHOTS

MAX_TITLE_CHARS = 200
MAX_CROSSFADE_S = 2.0
MAX_BOARD_CHARS = 8000  # the piece's settings tag carries the whole board
CUTS = ("beats", "bars", "as_written")
TRANSITIONS = ("cut", "crossfade")
BOARD_FIELDS = {"title", "shots", "soundtrack", "cuts", "transition"}
SHOT_FIELDS = {"prompt", "model", "seconds", "seed", "continue", "params"}
# The board decides these for every shot: its length and, for "continue", its first frame.
BOARD_DECIDES = {"prompt", "model", "seed", "num_frames", "image"}


def check_board(body: object, owner: str, settings: Settings, catalog: Catalog) -> dict[str, Any]:
    """The board with defaults filled in; ParamError (saying what works) when it is bad."""
    if not isinstance(body, Mapping):
        raise ParamError('A board is an object: {"title", "shots": [...], "soundtrack", ...}.')
    unknown = sorted(set(body) - BOARD_FIELDS)
    if unknown:
        raise ParamError(
            f"Unknown board field(s): {', '.join(unknown)}; "
            f"known: {', '.join(sorted(BOARD_FIELDS))}."
        )
    title = body.get("title") or "Untitled board"
    if not isinstance(title, str) or len(title) > MAX_TITLE_CHARS:
        raise ParamError(f"`title` must be text of at most {MAX_TITLE_CHARS} characters.")
    shots = body.get("shots")
    if not isinstance(shots, list) or not shots:
        raise ParamError("A board needs at least one shot: `shots` is a list of shots.")
    if len(shots) > MAX_SHOTS:
        raise ParamError(f"A board has at most {MAX_SHOTS} shots, but this one has {len(shots)}.")
    videos = {entry.name: entry for entry in settings.enabled_models(VIDEO)}
    checked = [check_shot(i, shot, videos) for i, shot in enumerate(shots)]
    soundtrack = check_soundtrack(body.get("soundtrack"), owner, settings, catalog)
    cuts = body.get("cuts") or ("beats" if soundtrack else "as_written")
    if cuts not in CUTS:
        raise ParamError(f"`cuts` must be one of {', '.join(CUTS)}, but is {cuts!r}.")
    if cuts != "as_written" and soundtrack is None:
        raise ParamError(f"Cuts on the {cuts} need a soundtrack; add one or cut as_written.")
    board: dict[str, Any] = {
        "title": title.strip() or "Untitled board",
        "shots": checked,
        "soundtrack": soundtrack,
        "cuts": cuts,
        "transition": check_transition(body.get("transition")),
    }
    check_plan(settings, board)
    size = len(json.dumps(board, ensure_ascii=False))
    if size > MAX_BOARD_CHARS:
        raise ParamError(
            f"This board's text is {size} characters and at most {MAX_BOARD_CHARS} fit "
            "(the piece carries its board); shorten the prompts or use fewer shots."
        )
    return board


def check_shot(index: int, shot: object, videos: Mapping[str, ModelEntry]) -> dict[str, Any]:
    where = f"Shot {index + 1}"
    if not isinstance(shot, Mapping):
        raise ParamError(f'{where} must be an object: {{"prompt", "model", "seconds", ...}}.')
    unknown = sorted(set(shot) - SHOT_FIELDS)
    if unknown:
        raise ParamError(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(SHOT_FIELDS))}."
        )
    try:
        require_prompt("prompt", shot.get("prompt"))
    except ParamError as problem:
        raise ParamError(f"{where}: {problem}") from None
    model = shot.get("model") or next(iter(videos))
    entry = videos.get(model) if isinstance(model, str) else None
    if entry is None:
        raise ParamError(
            f"{where}: unknown video model {model!r}; this studio runs {', '.join(videos)}."
        )
    longest = max_shot_seconds(entry)
    seconds = shot.get("seconds", 2.0)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or not 0 < seconds <= longest
    ):
        raise ParamError(
            f"{where}: `seconds` must be above 0 and at most {longest:g} ({model} makes at most "
            f"that in one shot), but is {seconds!r}; split a longer shot into several."
        )
    seed = shot.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
    ):
        raise ParamError(f"{where}: `seed` must be a whole number 0 to {MAX_SEED}, or null.")
    follows = shot.get("continue", False)
    if not isinstance(follows, bool):
        raise ParamError(f"{where}: `continue` must be true or false, but is {follows!r}.")
    if follows and index == 0:
        raise ParamError("Shot 1 cannot continue: there is no shot before it.")
    if follows and not takes_image(entry):
        takers = [name for name, e in videos.items() if takes_image(e)]
        raise ParamError(
            f"{where}: {model} cannot start from the previous shot's last frame; "
            + (f"pick {' or '.join(takers)}, " if takers else "")
            + "or turn `continue` off."
        )
    extra = shot.get("params") or {}
    if not isinstance(extra, Mapping) or set(extra) & BOARD_DECIDES:
        raise ParamError(
            f"{where}: `params` is an object of the model's own params, without "
            f"{', '.join(sorted(BOARD_DECIDES))} (the board sets those)."
        )
    return {
        "prompt": shot["prompt"].strip(),
        "model": model,
        "seconds": float(seconds),
        "seed": seed,
        "continue": follows,
        "params": dict(extra),
    }


def check_soundtrack(
    value: object, owner: str, settings: Settings, catalog: Catalog
) -> dict[str, Any] | None:
    if value is None:
        return None
    how = 'The soundtrack is {"model", "prompt", "lyrics"} to make one, or {"asset": "<id>"}.'
    if not isinstance(value, Mapping):
        raise ParamError(how)
    if "asset" in value:
        if set(value) != {"asset"}:
            raise ParamError(how)
        asset_id = value["asset"]
        asset = catalog.assets.get(asset_id) if isinstance(asset_id, str) else None
        if asset is None or asset.owner != owner or asset.output_type != "audio":
            # Someone else's id reads as unknown: no hint that it exists.
            raise ParamError(
                f"The soundtrack `asset` must be the id of one of your audio files "
                f"(upload it first), but is {asset_id!r}."
            )
        return {"asset": asset.id}
    unknown = sorted(set(value) - {"model", "prompt", "lyrics"})
    if unknown:
        raise ParamError(f"Unknown soundtrack field(s): {', '.join(unknown)}. {how}")
    audio = {entry.name: entry for entry in settings.enabled_models(AUDIO)}
    model = value.get("model") or next(iter(audio))
    entry = audio.get(model) if isinstance(model, str) else None
    if entry is None:
        raise ParamError(f"Unknown audio model {model!r}; this studio runs {', '.join(audio)}.")
    require_prompt("soundtrack prompt", value.get("prompt"))
    lyrics = value.get("lyrics") or ""
    if not isinstance(lyrics, str) or len(lyrics) > MAX_PROMPT_CHARS:
        raise ParamError(f"`lyrics` must be text of at most {MAX_PROMPT_CHARS} characters.")
    if lyrics.strip() and not has_field(entry, "lyrics"):
        singers = [name for name, e in audio.items() if has_field(e, "lyrics")]
        raise ParamError(
            f"{model} does not sing lyrics; "
            + (f"pick {' or '.join(singers)}, " if singers else "")
            + "or leave `lyrics` empty."
        )
    return {"model": model, "prompt": value["prompt"].strip(), "lyrics": lyrics}


def check_transition(value: object) -> dict[str, Any]:
    if value is None:
        return {"kind": "cut", "seconds": 0.0}
    if not isinstance(value, Mapping) or value.get("kind") not in TRANSITIONS:
        raise ParamError(
            'The transition is {"kind": "cut"} or {"kind": "crossfade", "seconds": 0.5}.'
        )
    seconds = value.get("seconds", 0.0 if value["kind"] == "cut" else 0.5)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not 0 <= seconds <= MAX_CROSSFADE_S
    ):
        raise ParamError(
            f"The transition's `seconds` must be 0 to {MAX_CROSSFADE_S:g}, but is {seconds!r}."
        )
    if value["kind"] == "crossfade" and seconds == 0:
        raise ParamError("A crossfade needs `seconds` above 0; or use the kind cut.")
    return {"kind": value["kind"], "seconds": float(seconds) if value["kind"] != "cut" else 0.0}
