"""Bad input sent straight to the page API (not through sliders), and the upload path a page
uses: each refusal names the field and the fix, and nothing is queued, stored or lost.

Upload cases already proven in tests/engines/test_media.py (executable renamed .wav, empty
file, no video stream, 16k x 16k, truncated MP4, playlist tricks) are not repeated here.
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path
from typing import Any

import pytest

from engines.errors import MediaError, ParamError
from engines.prompts import ENGLISH_ONLY_WARNING
from engines.registry import EngineRegistry
from jobs.assets import relative_asset_path, resolve_in
from jobs.catalog.records import DONE
from jobs.owned_assets import NotFound
from jobs.service import JobService
from tests.image_factory import BAD_IMAGES
from tests.jobs.harness import MODELSCOPE, InProcessStudio, submit_video
from tests.media_factory import make_encoded_tone, make_h264_clip, make_tone

TINY_VIDEO = {"num_frames": 2, "steps": 1, "height": 64, "width": 64}
# What makes each kind of job here: the melody model takes every music param, a melody too.
MAKER = {"video": MODELSCOPE, "music": "musicgen-melody"}


def assert_nothing_queued(api: JobService) -> None:
    assert api.list_all() == []
    assert api.broker.pending() == set()


# -- prompts --------------------------------------------------------------------------

EMPTY = "is empty: describe what you want"
TOO_LONG = "has 5000 characters; at most 2000 are accepted"
CONTROL = "contains control characters"


@pytest.mark.parametrize(
    ("kind", "field", "value", "message"),
    [
        ("video", "prompt", "", EMPTY),
        ("video", "prompt", " \t\n\u3000 ", EMPTY),  # ideographic space too
        ("video", "prompt", "a" * 5000, TOO_LONG),
        ("video", "prompt", "a fox\x00", CONTROL),
        ("video", "prompt", "a fox \x1b[31mred", CONTROL),
        ("video", "prompt", "a fox\x7f", CONTROL),
        ("video", "prompt", None, EMPTY),  # the page's untouched box: nothing written yet
        ("video", "prompt", ["a", "fox"], "must be text, but is list"),
        ("video", "negative_prompt", "b" * 5000, TOO_LONG),
        ("video", "negative_prompt", "blur\x08", CONTROL),
        ("music", "description", "", EMPTY),
        ("music", "description", "   ", EMPTY),
        ("music", "description", "c" * 5000, TOO_LONG),
        ("music", "description", "piano\x00", CONTROL),
        ("music", "description", 42, "must be text, but is int"),
    ],
)
def test_bad_prompts_are_refused_at_submit_with_the_fields_name(
    api: JobService, kind: str, field: str, value: object, message: str
):
    base: dict[str, Any] = (
        {"prompt": "a fox", **TINY_VIDEO} if kind == "video" else {"description": "calm piano"}
    )
    with pytest.raises(ParamError, match=f"`{field}`") as refusal:
        api.submit("alice", MAKER[kind], {**base, field: value})
    assert message in str(refusal.value)
    assert_nothing_queued(api)


@pytest.mark.slow  # a job for each prompt
def test_emoji_only_and_chinese_prompts_run_and_warn_that_the_model_reads_english(
    studio: InProcessStudio, shared_registry: EngineRegistry
):
    studio.start_worker(shared_registry)
    prompts = {"emoji": "🦊🌊🏄", "chinese": "一只狐狸在雪地里奔跑", "english": "a fox in the snow"}
    ids = {name: submit_video(studio.api, "alice", {"prompt": p, **TINY_VIDEO})
           for name, p in prompts.items()}  # fmt: skip
    music = {"description": "平静的钢琴曲", "duration": 1.0, "seed": 1}
    (music_id,) = studio.api.submit("alice", "musicgen-small", music)
    jobs = dict(zip([*ids, "music"], studio.wait([*ids.values(), music_id]), strict=True))
    for name, job in jobs.items():
        assert job.status == DONE, (name, job.error)
    warnings = {
        name: studio.api.asset(job.asset_id or "", "alice").meta.get("warnings", [])
        for name, job in jobs.items()
    }
    assert warnings == {
        "emoji": [ENGLISH_ONLY_WARNING],
        "chinese": [ENGLISH_ONLY_WARNING],
        "english": [],
        "music": [ENGLISH_ONLY_WARNING],
    }


# -- numbers out of range, as JSON straight to the API --------------------------------


def video(**changes: Any) -> tuple[str, dict[str, Any]]:
    return "video", {"prompt": "a fox", **TINY_VIDEO, **changes}


def music(**changes: Any) -> tuple[str, dict[str, Any]]:
    return "music", {"description": "calm piano", "duration": 1.0, **changes}


NUMBER_CASES = [
    (video(num_frames=0), "`num_frames` must be between 1 and 64, but is 0"),
    (video(num_frames=10**100), "`num_frames` must be between 1 and 64"),
    (video(num_frames=2.5), "`num_frames` must be a whole number, but is 2.5"),
    (video(num_frames="16"), "`num_frames` must be a whole number, but is '16'"),
    (video(num_frames=True), "`num_frames` must be a whole number, but is True"),
    (video(steps=-1), "`steps` must be between 1 and 100, but is -1"),
    (video(steps=101), "`steps` must be between 1 and 100, but is 101"),
    (video(guidance_scale=math.nan), "`guidance_scale` must be between 1 and 30, but is nan"),
    (video(guidance_scale=math.inf), "`guidance_scale` must be between 1 and 30, but is inf"),
    (video(guidance_scale=0.5), "`guidance_scale` must be between 1 and 30, but is 0.5"),
    (video(height=16384, width=16384), "`height` must be between 64 and 1024, but is 16384"),
    (video(width=250), "`width` has to be a multiple of 8 but is 250; try 248 or 256"),
    (video(fps=0), "`fps` must be between 1 and 60, but is 0"),
    (video(seed=-1), "`seed` must be between 0 and 4294967295, but is -1"),
    (video(seed=2**32), "`seed` must be between 0 and 4294967295, but is 4294967296"),
    (music(duration=0), "`duration` must be between 1 and 300, but is 0"),
    (music(duration=7200), "`duration` must be between 1 and 300, but is 7200"),
    (music(duration=-math.inf), "`duration` must be between 1 and 300, but is -inf"),
    (music(top_k=5000), "`top_k` must be between 0 and 2048, but is 5000"),
    (music(top_p=1.5), "`top_p` must be between 0 and 1, but is 1.5"),
    (music(temperature=0), "`temperature` must be between 0.1 and 4, but is 0"),
    (music(guidance_scale=100), "`guidance_scale` must be between 1 and 20, but is 100"),
    (music(melody_path=""), "`melody_path` must be an audio file or None"),
    (music(melody_path=7), "`melody_path` must be an audio file or None"),
    (("video", {"prompt": "a fox", "frames": 8}), "Unknown video parameter(s): frames"),
    (("music", {"duration": 5.0}), "Missing music parameter(s): description"),
    (("video", {"steps": 2}), 'Missing video parameter(s): prompt; for example {"prompt": ...}'),
]


@pytest.mark.parametrize(("kind_and_params", "message"), NUMBER_CASES)
def test_out_of_range_numbers_are_refused_at_submit(
    api: JobService, kind_and_params: tuple[str, dict[str, Any]], message: str
):
    kind, params = kind_and_params
    with pytest.raises(ParamError) as refusal:
        api.submit("alice", MAKER[kind], params)
    assert message in str(refusal.value)
    assert_nothing_queued(api)


def test_out_of_range_combine_and_score_options_are_refused_at_submit(api: JobService):
    clip = api.import_file("alice", b"\x00" * 64, ".mp4")
    track = api.import_file("alice", b"\x01" * 64, ".wav")  # other bytes: another asset
    ids = {"video_path": clip.id}
    combine = {**ids, "audio_path": track.id}
    score = {**ids, "description": "calm piano", "duration": 5.0}
    cases = [
        ("combine", {**combine, "options": {"offset_s": -1}}, "`offset_s` must be between 0"),
        ("combine", {**combine, "options": {"volume_db": 40}}, "`volume_db` must be between -60"),
        ("combine", {**combine, "options": {"fade_in_s": math.nan}}, "`fade_in_s` must be"),
        ("combine", {**combine, "options": {"fit": "stretch"}}, "`fit` must be one of loop"),
        ("combine", {**combine, "options": {"original": 1}}, "`original` must be one of drop"),
        ("combine", {**combine, "options": {"speed": 2}}, "Unknown combine option(s): speed"),
        ("combine", {**combine, "options": [1, 2]}, "`options` must be CombineParams"),
        ("score", {**score, "duration": 301}, "`duration` must be between 1 and 300"),
        ("score", {**score, "fade_out_s": -5}, "`fade_out_s` must be between 0 and 60"),
        ("score", {**score, "fade_out_s": "long"}, "`fade_out_s` must be a number"),
        ("score", {**score, "seed": 1.5}, "`seed` must be a whole number"),
    ]
    for kind, params, message in cases:
        with pytest.raises(ParamError) as refusal:
            api.submit("alice", kind, params)
        assert message in str(refusal.value), (kind, params)
    assert_nothing_queued(api)
    # The same requests with sane values are accepted: the refusals were about the values.
    api.submit("alice", "combine", {**combine, "options": {"offset_s": 1.0}})
    api.submit("alice", "score", score)
    assert len(api.list_all()) == 2


# -- names and paths --------------------------------------------------------------------

EVIL_NAMES = ["../../etc/passwd", "/etc/passwd", "alice\x00", "alice\n", "", ".", "..", "a/b"]


@pytest.mark.parametrize("owner", EVIL_NAMES)
def test_owner_names_that_are_not_one_safe_folder_are_refused(api: JobService, owner: str):
    for call in (
        lambda: api.submit(owner, MODELSCOPE, {"prompt": "a fox", **TINY_VIDEO}),
        lambda: api.list(owner),
        lambda: api.assets(owner),
        lambda: api.import_file(owner, b"RIFF", ".wav"),
    ):
        with pytest.raises(ValueError, match="is not a valid user name"):
            call()
    assert_nothing_queued(api)
    assert not (api.config.data_dir / "assets").exists()


@pytest.mark.parametrize(
    "suffix", ["\x00", ".wav\x00.sh", ".wav\n", "/../x", ".", ".toolongsuffix"]
)
def test_file_suffixes_are_checked(api: JobService, suffix: str):
    with pytest.raises(ValueError, match=r"must look like '\.mp4' or '\.wav'"):
        api.import_file("alice", b"RIFF", suffix)


@pytest.mark.parametrize(
    "asset_id", ["../../etc/passwd", "/etc/passwd", "\x00", "0" * 32 + "\n", "%2e%2e%2f"]
)
def test_asset_ids_that_are_paths_find_nothing_and_touch_nothing(api: JobService, asset_id: str):
    mine = api.import_file("alice", b"RIFF", ".wav")
    for call in (api.asset, api.asset_path, api.read_asset, api.delete_asset):
        with pytest.raises(NotFound):
            call(asset_id, "alice")
    with pytest.raises(ValueError, match="is not a catalog id"):
        relative_asset_path("alice", asset_id, ".wav")
    assert api.get(asset_id, "alice") is None
    with pytest.raises(NotFound):
        api.cancel(asset_id, "alice")
    assert api.read_asset(mine.id, "alice") == b"RIFF"  # nothing of the owner's was lost


@pytest.mark.parametrize(
    "stored", ["/etc/passwd", "assets/../catalog.sqlite3", "assets/alice/../../x", "../x"]
)
def test_a_catalog_path_outside_the_asset_folder_is_never_opened(tmp_path: Path, stored: str):
    with pytest.raises(PermissionError, match="is outside the asset folder"):
        resolve_in(tmp_path, stored)


def test_file_params_naming_other_files_are_refused(api: JobService):
    mine = api.import_file("alice", b"RIFF", ".wav")
    theirs = api.import_file("bob", b"RIFF", ".wav")
    data = api.config.data_dir
    for path in [
        "/etc/passwd",
        "../../etc/passwd",
        str(data / "catalog.sqlite3"),
        str(data / "assets" / "alice" / ".." / "bob" / Path(theirs.path).name),  # traversal
        str(data / theirs.path),
        str(data / mine.path),  # a path, even to one of mine: a job names files by id
        str(data / mine.path) + "\x00",
        "\x00",
        theirs.id,
        mine.id + "\x00",
        f"{mine.id}.wav",
    ]:
        with pytest.raises(ParamError, match="`melody_path` must be the id of one of your audio"):
            api.submit("alice", MAKER["music"], {"description": "calm piano", "melody_path": path})
    assert_nothing_queued(api)


# -- uploads, through the page's own upload path ------------------------------------------


class Upload:
    """What ``st.file_uploader`` hands a page: a user-chosen name and bytes."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self._data = data

    def getvalue(self) -> bytes:
        return self._data


def two_hour_melody(folder: Path) -> bytes:
    """A 2-hour WAV (1 kHz, 8-bit: 7 MB, so the test stays small)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(1000)
        wav.writeframes(b"\x80" * 7200 * 1000)
    return buffer.getvalue()


def corrupt_mp3(folder: Path) -> bytes:
    """A real MP3 whose middle third is overwritten with noise bytes."""
    data = bytearray(make_encoded_tone(folder / "tone.mp3", seconds=3.0).read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = bytes((i * 97 + 13) % 256 for i in range(third))
    return bytes(data)


@pytest.fixture
def studio_api(studio_data: Path) -> JobService:
    from studio.ui import backend

    return backend.job_service()


@pytest.mark.parametrize(
    ("make", "kind", "message"),
    [
        (two_hour_melody, "audio", "lasts 120 min 00.0 s; a track may last at most 10 min"),
        (corrupt_mp3, "audio", "is cut off or damaged: its audio ends at 1.0 s although"),
        (lambda folder: b"", "audio", "is empty (0 bytes)"),
        (lambda folder: b"MZ\x90\x00" + b"\x00" * 200, "video", "is a program (an executable)"),
        *((lambda folder, d=data: d, "image", says) for data, says in BAD_IMAGES.values()),
        (lambda folder: b"", "image", "is empty (0 bytes)"),
    ],
    ids=["2-hour-melody", "corrupt-mp3", "empty", "windows-exe", *BAD_IMAGES, "empty-image"],
)
def test_bad_uploads_through_the_page_path_store_nothing(
    studio_api: JobService, tmp_path: Path, make: Any, kind: str, message: str
):
    from studio.accounts.login_cookie import CurrentUser
    from studio.ui import backend

    ana = CurrentUser("ana", "Ana", "user")
    with pytest.raises(MediaError) as refusal:
        backend.store_upload(ana, Upload("../../etc/passwd", make(tmp_path)), kind)
    assert str(refusal.value).startswith("'../../etc/passwd' ")  # named as the user named it
    assert message in str(refusal.value)
    assert studio_api.assets("ana") == []
    assets = studio_api.config.assets_dir
    assert not assets.exists() or not any(assets.rglob("*.*"))
    assert not any(studio_api.config.scratch_dir.glob("*.upload"))


def test_a_one_gigabyte_upload_is_refused_by_its_size_before_it_is_read(tmp_path: Path):
    from engines.media.validation import validate_audio_upload

    huge = tmp_path / "huge.wav"
    with huge.open("wb") as sparse:
        sparse.truncate(1024**3)  # 1 GiB on paper, no disk used
    with pytest.raises(MediaError, match=r"is 1024\.0 MB; at most 200 MB is accepted"):
        validate_audio_upload(huge, name="huge.wav")


def test_a_good_upload_named_like_a_path_is_stored_under_its_id(studio_api: JobService, tmp_path):
    from studio.accounts.login_cookie import CurrentUser
    from studio.ui import backend

    ana = CurrentUser("ana", "Ana", "user")
    song = make_tone(tmp_path / "song.wav", 440, 1.0).read_bytes()
    stored_id = backend.store_upload(ana, Upload("../../../etc/cron.d/x.sh", song), "audio")
    (asset,) = studio_api.assets("ana")
    stored = studio_api.asset_path(stored_id, "ana")
    assert stored == studio_api.config.assets_dir / "ana" / f"{asset.id}.wav"
    assert asset.params["uploaded_as"] == "../../../etc/cron.d/x.sh"  # kept as a label only

    clip = make_h264_clip(tmp_path / "clip.mp4")
    stored_clip = studio_api.asset_path(
        backend.store_upload(ana, Upload("/abs/clip\x00.mp4", clip.read_bytes()), "video"), "ana"
    )
    assert stored_clip.parent == stored.parent and stored_clip.suffix == ".mp4"
