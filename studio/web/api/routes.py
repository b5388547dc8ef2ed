"""The HTTP API: ``/api/v1/...`` on the studio's own web layer, for scripts.

    POST   /api/v1/jobs             {"model": "<catalog name>", "params": {...}} -> 201 {"id"}
                                    + "variations": N (1-4) -> 201 {"id": first, "ids": [...]}
    GET    /api/v1/jobs/{id}        status, step/total, queue position, estimate, error, asset
    DELETE /api/v1/jobs/{id}        cancel
    GET    /api/v1/jobs             my jobs;  GET /api/v1/assets: my files
    GET    /api/v1/assets/{id}/file download, byte for byte
    POST   /api/v1/uploads          multipart ``output_type`` (audio|video|image), ``file``
                                    -> 201 {"id"}: what a job's file param names
    GET    /api/v1/openapi.json     the document, from the models' declared params

Every call but the document needs ``Authorization: Bearer <token>`` (studio.accounts.tokens):
the token acts as its user, with their rights and quotas, and only while the account is
active. No cookie counts here, so no other site can make a browser call the API. Every
refusal is JSON ``{"error": "..."}``; another user's id answers like an unknown one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engines.errors import MediaError, ParamError
from engines.media.info import DEFAULT_LIMITS
from engines.params import MEDIA
from jobs.catalog.records import Asset, Job, restart_note
from jobs.owned_assets import NotFound
from jobs.progress_words import progress_words
from jobs.quotas import QuotaExceeded
from jobs.result_meta import without_server_paths
from jobs.service import JobService
from jobs.submission import MAX_VARIATIONS, offered_models
from jobs.titles import asset_title
from jobs.uploads import store_checked_upload
from studio.accounts.login_cookie import CurrentUser
from studio.services import WebConfig
from studio.web.api.boards import board_routes
from studio.web.api.json_body import BadJson, parse_json
from studio.web.api.schema import openapi_document
from studio.web.files import MIME

PREFIX = "/api/v1"
MAX_FORM_OVERHEAD = 64 * 1024  # the multipart framing around an upload

Handler = Callable[[Request, CurrentUser], Awaitable[Response]]


def refuse(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def job_json(api: JobService, job: Job, user: CurrentUser) -> dict[str, Any]:
    outlook = api.outlook(job.id, user.username, admin=user.is_admin)
    return {
        "id": job.id,
        "model": job.params.get("model"),
        "status": job.status,
        "step": job.step,
        "total": job.total,
        "phase": job.phase,  # "loading the model", "denoising"...; None before it starts
        "progress": progress_words(job),  # the same in words: "Loading the model"
        "queue_position": outlook.position,
        "estimate_s": outlook.estimate_s,
        "error": job.error,
        "note": restart_note(job, api.config.max_attempts),  # a lost worker's restart, in words
        "asset_id": job.asset_id,
    }


def asset_json(asset: Asset) -> dict[str, Any]:
    return {
        "id": asset.id,
        "output_type": asset.output_type,
        "source": asset.source,
        "title": asset_title(asset),  # a prompt, an upload's name, or what it was made of
        "model": asset.model,
        "job_id": asset.job_id,
        "params": without_server_paths(asset.params or {}),  # ids; rows from older versions too
        "created_at": asset.created_at,
        "file": f"{PREFIX}/assets/{asset.id}/file",
    }


def api_routes(config: WebConfig, api: JobService) -> list[BaseRoute]:
    def user_of(token: str) -> CurrentUser | None:
        username = config.tokens.owner_of(token)
        account = config.store.get(username) if username else None
        if account is None or account.disabled:  # a disabled account's tokens stop working
            return None
        return CurrentUser(account.username, account.name, account.role)

    def authed(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            token = bearer(request)
            if token is None:
                return refuse(401, "Send your API token: `Authorization: Bearer <token>`.")
            user = await run_in_threadpool(user_of, token)
            if user is None:
                return refuse(401, "This token is unknown or revoked; make one on My account.")
            wait_s = config.api_rate.take(token)
            if wait_s is not None:
                return refuse(
                    429,
                    f"Too many calls: {config.api_rate.per_minute} a minute per token; "
                    f"try again in {wait_s:g} s.",
                    {"Retry-After": str(max(1, round(wait_s)))},
                )
            return await handler(request, user)

        return endpoint

    def submit(user: CurrentUser, body: Any) -> dict[str, Any]:
        """``{"id"}`` of the job queued; with ``variations``, every id too, seed order."""
        if not isinstance(body, dict) or set(body) - {"model", "params", "variations"}:
            raise ParamError(
                'The body is {"model": "<catalog name>", "params": {...}}, and optionally '
                f'"variations": 1 to {MAX_VARIATIONS}.'
            )
        # The pages' own path: the model's defaults, the checks, the user's files and limits;
        # it refuses a `model` that is no model's name, whatever JSON it is.
        model: Any = body.get("model")
        ids = api.submit(user.username, model, body.get("params", {}), body.get("variations", 1))
        return {"id": ids[0], "ids": ids} if "variations" in body else {"id": ids[0]}

    async def post_job(request: Request, user: CurrentUser) -> Response:
        try:
            body = parse_json(await request.body())
        except BadJson as problem:
            return refuse(
                400, f'{problem} Send JSON: {{"model": "<catalog name>", "params": {{...}}}}.'
            )
        try:
            queued = await run_in_threadpool(submit, user, body)
        except QuotaExceeded as over:
            return refuse(429, str(over))
        except ParamError as problem:
            return refuse(422, str(problem))
        return JSONResponse(queued, status_code=201)

    def mine(job_id: str, user: CurrentUser) -> Job | None:
        return api.get(job_id, user.username, admin=user.is_admin)

    async def get_job(request: Request, user: CurrentUser) -> Response:
        def read() -> dict[str, Any] | None:
            job = mine(request.path_params["id"], user)
            return job_json(api, job, user) if job else None

        found = await run_in_threadpool(read)
        return JSONResponse(found) if found else refuse(404, "There is no such job among yours.")

    async def cancel_job(request: Request, user: CurrentUser) -> Response:
        def cancel() -> dict[str, Any] | None:
            job = mine(request.path_params["id"], user)
            if job is None:
                return None
            return job_json(api, api.cancel(job.id, user.username, admin=user.is_admin), user)

        found = await run_in_threadpool(cancel)
        return JSONResponse(found) if found else refuse(404, "There is no such job among yours.")

    async def list_jobs(request: Request, user: CurrentUser) -> Response:
        def read() -> list[dict[str, Any]]:
            return [job_json(api, job, user) for job in api.list(user.username)]

        return JSONResponse(await run_in_threadpool(read))

    async def list_assets(request: Request, user: CurrentUser) -> Response:
        assets = await run_in_threadpool(api.assets, user.username)
        return JSONResponse([asset_json(a) for a in assets])

    async def download(request: Request, user: CurrentUser) -> Response:
        asset_id = request.path_params["id"]
        try:
            path = await run_in_threadpool(
                api.asset_path, asset_id, user.username, admin=user.is_admin
            )
        except NotFound:
            return refuse(404, "There is no such file among yours.")
        return FileResponse(
            path,
            media_type=MIME.get(path.suffix, "application/octet-stream"),
            filename=f"{asset_id}{path.suffix}",
            headers={"Cache-Control": "private, no-store"},
        )

    async def upload(request: Request, user: CurrentUser) -> Response:
        limit = DEFAULT_LIMITS.max_bytes
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + MAX_FORM_OVERHEAD:
            return refuse(413, f"At most {limit / 1024**2:.0f} MB is accepted.")
        how = f"Send multipart/form-data with `output_type` ({'|'.join(MEDIA)}) and `file`."
        try:
            async with request.form(max_files=1, max_fields=2) as form:
                file, output_type = form.get("file"), form.get("output_type")
                if not isinstance(file, UploadFile) or not isinstance(output_type, str):
                    return refuse(422, how)
                name, data = file.filename or "upload", await file.read()
        except (HTTPException, MultiPartException):  # not a form we can read
            return refuse(400, how)
        try:
            asset = await run_in_threadpool(
                store_checked_upload, api, user.username, name, data, output_type
            )
        except MediaError as problem:
            return refuse(422, str(problem))
        return JSONResponse({"id": asset.id}, status_code=201)

    async def document(request: Request) -> Response:
        def build() -> dict[str, Any]:  # placing a folder model reads its files
            return openapi_document(offered_models(api.config.settings))

        return JSONResponse(await run_in_threadpool(build))

    async def unknown(request: Request) -> Response:
        where = f"{request.method} {request.url.path}"
        return refuse(404, f"No route {where}; see {PREFIX}/openapi.json.")

    return [
        Route(f"{PREFIX}/openapi.json", document, methods=["GET"]),
        Route(f"{PREFIX}/jobs", authed(post_job), methods=["POST"]),
        Route(f"{PREFIX}/jobs", authed(list_jobs), methods=["GET"]),
        Route(f"{PREFIX}/jobs/{{id}}", authed(get_job), methods=["GET"]),
        Route(f"{PREFIX}/jobs/{{id}}", authed(cancel_job), methods=["DELETE"]),
        Route(f"{PREFIX}/assets", authed(list_assets), methods=["GET"]),
        Route(f"{PREFIX}/assets/{{id}}/file", authed(download), methods=["GET"]),
        Route(f"{PREFIX}/uploads", authed(upload), methods=["POST"]),
        *board_routes(api, authed),  # /api/v1/boards: storyboards (studio/web/api/boards.py)
        Route(PREFIX + "/{rest:path}", unknown),
    ]
