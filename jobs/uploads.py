"""An input file a user hands the studio (a page's uploader or ``POST /api/v1/uploads``),
checked by its content and stored as one of their assets.

Both doors call ``store_checked_upload``, so an upload the pages refuse is refused over
HTTP too, with the same message.
"""

from __future__ import annotations

import tempfile

from engines.errors import MediaError
from engines.media.info import MediaInfo
from engines.media.validation import validate_audio_upload, validate_video_upload
from jobs.api import JobsAPI
from jobs.catalog.records import Asset

UPLOAD_TYPES = ("audio", "video")
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
    api: JobsAPI, owner: str, name: str, data: bytes, output_type: str
) -> Asset:
    """Check ``data`` by its content as an ``output_type`` ("audio" or "video"), store it.

    A file that is not what it claims to be raises MediaError with the reason, and
    nothing is stored.
    """
    if output_type not in UPLOAD_TYPES:
        raise MediaError(f"An upload is 'audio' or 'video', not {output_type!r}.")
    api.config.scratch_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=api.config.scratch_dir, suffix=".upload") as tmp:
        tmp.write(data)
        tmp.flush()
        check = validate_video_upload if output_type == "video" else validate_audio_upload
        info: MediaInfo = check(tmp.name, name=name)
    suffix = SUFFIX_BY_DEMUXER.get(info.format_name.split(",")[0], ".bin")
    # The output type follows from the content's suffix; the same bytes again are one asset.
    return api.import_file(owner, data, suffix, params={"uploaded_as": name})
