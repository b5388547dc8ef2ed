"""The owner's files over HTTP: ``GET /files/<asset_id>``, ``/files/<asset_id>/download``
and the pictures made once per asset: ``/files/<asset_id>/poster``, ``/filmstrip``, ``/waveform``.

Every request checks the login (``studio.web.guard``) and the asset's owner (admins
excepted); someone else's id and an unknown id get the same 404, so nobody learns
which ids exist. Starlette's ``FileResponse`` streams from disk in 64 KiB chunks and
answers ``Range`` (206, suffix ranges, 416); ``If-None-Match`` gets a 304 here.
``Cache-Control: private`` keeps shared caches from storing anyone's file.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from jobs.assets import resolve_in
from jobs.catalog.records import Asset
from jobs.owned_assets import NotFound
from jobs.service import JobService
from jobs.titles import download_name
from studio.web.guard import request_user

CACHE_CONTROL = "private, no-cache"  # the browser may keep it, but asks again (ETag) first
MIME = {
    ".mp4": "video/mp4",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".m4a": "audio/mp4",  # sound alone in an MP4 box (jobs.uploads)
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}
PICTURES = ("poster", "filmstrip", "waveform")


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def file_routes(api: JobService) -> list[Route]:
    def find(
        request: Request, picture: str | None = None
    ) -> tuple[Asset, Path, os.stat_result] | None:
        user = request_user(request)
        if user is None:
            return None
        asset_id = request.path_params["asset_id"]
        try:
            asset = api.asset(asset_id, user.username, admin=user.is_admin)
            path = api.asset_path(asset_id, user.username, admin=user.is_admin)
            if picture is not None:  # the same owner check, then the picture beside the file
                relative = ((asset.meta or {}).get("previews") or {}).get(picture)
                if not relative:
                    return None
                path = resolve_in(api.config.data_dir, str(relative))
            return asset, path, path.stat()
        except (NotFound, OSError, PermissionError):  # unknown, not theirs, or deleted meanwhile
            return None

    async def serve(request: Request, *, attachment: bool, picture: str | None = None) -> Response:
        found = await run_in_threadpool(find, request, picture)
        if found is None:
            return PlainTextResponse("Not Found", status_code=404)
        asset, path, stat = found
        name = download_name(asset, path.suffix)  # from its prompt, or what it was made of
        response = FileResponse(
            path,
            stat_result=stat,
            media_type=MIME.get(path.suffix, "application/octet-stream"),
            filename=name,
            content_disposition_type="attachment" if attachment else "inline",
            headers={"Cache-Control": CACHE_CONTROL},
        )
        if etag_matches(request.headers.get("if-none-match"), response.headers["etag"]):
            kept = {k: response.headers[k] for k in ("etag", "last-modified", "cache-control")}
            return Response(status_code=304, headers=kept)
        return response

    async def show(request: Request) -> Response:
        return await serve(request, attachment=False)

    async def download(request: Request) -> Response:
        return await serve(request, attachment=True)

    async def picture(request: Request) -> Response:
        name = request.path_params["picture"]
        if name not in PICTURES:
            return PlainTextResponse("Not Found", status_code=404)
        return await serve(request, attachment=False, picture=name)

    return [
        Route("/files/{asset_id}", show, methods=["GET", "HEAD"]),
        Route("/files/{asset_id}/download", download, methods=["GET", "HEAD"]),
        Route("/files/{asset_id}/{picture}", picture, methods=["GET", "HEAD"]),
    ]
