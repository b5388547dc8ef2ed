"""An input file a user hands the studio (a page's uploader or ``POST /api/v1/uploads``),
checked by its content and stored as one of their assets.

Both doors call ``store_checked_upload``, so an upload the pages refuse is refused over
HTTP too, with the same message.
"""

from __future__ import annotations

import tempfile

from engines.errors import MediaError
from engines.media.images import validate_image_upload
from engines.media.info import MediaInfo
from engines.media.validation import validate_audio_upload, validate_video_upload
from engines.params import MEDIA
from jobs.catalog.records import Asset
from jobs.service import JobService

# The stored file's suffix comes from what the content is, never from the upload's name.
SUFFIX_BY_DEMUXER = {
    "mov": ".mp4",
    "matroska": ".mkv",
    "avi": ".avi",
    "wav": ".wav",
    "mp3": ".mp3",
    "flac": ".flac",
    "ogg": ".ogg",
    "aac": ".aac",
    "aiff": ".aiff",
}


def store_checked_upload(
    api: JobService, owner: str, name: str, data: bytes, output_type: str
) -> Asset:
    """Check ``data`` by its content as an ``output_type`` ("audio", "video" or "image"),
    store it.

    A file that is not what it claims to be raises MediaError with the reason, and
    nothing is stored.
    """
    if output_type not in MEDIA:
        raise MediaError(f"An upload is {' or '.join(map(repr, MEDIA))}, not {output_type!r}.")
    api.config.scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=api.config.scratch_dir, suffix=".upload") as tmp:
        tmp.write(data)
        tmp.flush()
        suffix = _checked_suffix(tmp.name, name, output_type)
    # The output type follows from the content's suffix; the same bytes again are one asset.
    return api.import_file(owner, data, suffix, params={"uploaded_as": name})


def _checked_suffix(path: str, name: str, output_type: str) -> str:
    """The stored file's suffix, from what its content is; MediaError when it is not."""
    if output_type == "image":
        return validate_image_upload(path, name=name).suffix
    check = validate_video_upload if output_type == "video" else validate_audio_upload
    info: MediaInfo = check(path, name=name)
    if output_type == "audio" and info.video is not None:
        # By content, not by name: a clip with sound is a video, and a melody or a track
        # must be sound alone (an album's cover picture is fine).
        raise MediaError(
            f"'{name}' is a video ({info.video.codec}, {info.video.width}x{info.video.height}), "
            "not an audio file. Upload a WAV, MP3, FLAC, OGG or M4A file; to use a video's "
            "sound, lay the video under a track on the Combine page or save its sound first."
        )
    demuxer = info.format_name.split(",")[0]
    if demuxer == "mov" and info.video is None:
        return ".m4a"  # sound alone in an MP4 box: an audio asset, not a video
    return SUFFIX_BY_DEMUXER.get(demuxer, ".bin")
