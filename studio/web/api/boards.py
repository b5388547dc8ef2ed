"""The storyboard API: boards rendered as jobs, for scripts.

    POST   /api/v1/boards               {"title", "shots": [...], "soundtrack", "cuts",
                                        "transition"} -> 201 {"id"}; the render starts
    GET    /api/v1/boards/{id}          status, progress, each shot's job, the plan, the piece
    DELETE /api/v1/boards/{id}          cancel the render
    GET    /api/v1/boards               my boards
    POST   /api/v1/boards/{id}/shots/{n} {"prompt"?, "seed"?}: shot n (from 1) made again,
                                        then the piece; the other shots are kept

A bad board is refused 422 with what would work; another user's board id answers 404.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from engines.errors import ParamError
from jobs.boards.render import BoardChanged
from jobs.boards.service import BoardService
from jobs.owned_assets import NotFound
from jobs.service import JobService
from studio.accounts.login_cookie import CurrentUser
from studio.web.api.json_body import BadJson, parse_json

PREFIX = "/api/v1"
NOT_YOURS = "There is no such board among yours."

Handler = Callable[[Request, CurrentUser], Awaitable[Response]]
Authed = Callable[[Handler], Callable[[Request], Awaitable[Response]]]


def refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def board_routes(api: JobService, authed: Authed) -> list[BaseRoute]:
    boards = BoardService(api)

    async def answer(call: Callable[[], Any], status: int = 200) -> Response:
        """Run a board call off the event loop; its refusals as JSON."""
        try:
            return JSONResponse(await run_in_threadpool(call), status_code=status)
        except NotFound:
            return refuse(404, NOT_YOURS)
        except BoardChanged as changed:
            return refuse(409, str(changed))
        except ParamError as problem:
            return refuse(422, str(problem))

    async def body_of(request: Request) -> Any:
        """The JSON body, read with the API's bounds (huge numbers, deep nesting); None if bad."""
        try:
            return parse_json(await request.body())
        except BadJson:
            return None

    async def post_board(request: Request, user: CurrentUser) -> Response:
        body = await body_of(request)
        if body is None:
            return refuse(400, 'Send JSON: {"title", "shots": [...], "soundtrack", "cuts", ...}.')
        return await answer(
            lambda: {"id": boards.create(user.username, body, render=True).id}, status=201
        )

    async def get_board(request: Request, user: CurrentUser) -> Response:
        board_id = request.path_params["id"]
        return await answer(lambda: boards.view(board_id, user.username, admin=user.is_admin))

    async def cancel_board(request: Request, user: CurrentUser) -> Response:
        board_id = request.path_params["id"]

        def cancel() -> dict[str, Any]:
            boards.cancel(board_id, user.username, admin=user.is_admin)
            return boards.view(board_id, user.username, admin=user.is_admin)

        return await answer(cancel)

    async def list_boards(request: Request, user: CurrentUser) -> Response:
        def read() -> list[dict[str, Any]]:
            mine = boards.list(user.username, admin=user.is_admin)
            return [boards.view(b.id, user.username, admin=user.is_admin) for b in mine]

        return await answer(read)

    async def rerender_shot(request: Request, user: CurrentUser) -> Response:
        board_id, number = request.path_params["id"], request.path_params["n"]
        if not number.isdigit() or len(number) > 4:
            return refuse(422, f"The shot's number is 1, 2, 3, ... (from 1), not {number!r}.")
        body = await body_of(request)
        if not isinstance(body, dict):
            return refuse(400, 'Send JSON: {"prompt": "...", "seed": 7} (either or both).')

        def rerender() -> dict[str, Any]:
            index = int(number) - 1
            boards.rerender_shot(board_id, user.username, index, body, admin=user.is_admin)
            return boards.view(board_id, user.username, admin=user.is_admin)

        return await answer(rerender)

    return [
        Route(f"{PREFIX}/boards", authed(post_board), methods=["POST"]),
        Route(f"{PREFIX}/boards", authed(list_boards), methods=["GET"]),
        Route(f"{PREFIX}/boards/{{id}}", authed(get_board), methods=["GET"]),
        Route(f"{PREFIX}/boards/{{id}}", authed(cancel_board), methods=["DELETE"]),
        Route(f"{PREFIX}/boards/{{id}}/shots/{{n}}", authed(rerender_shot), methods=["POST"]),
    ]
