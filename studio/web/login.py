"""Login over HTTP: the form, its post, and logout, with the cookie set by the server.

- ``GET /auth/login?next=/library``: the form (or straight on, when logged in).
- ``POST /auth/login``: checks the password (``studio.login_check``), one try at a time
  per name and address (``studio.login_turns``), then sets an HttpOnly, SameSite=Lax
  cookie and sends the browser on to ``next`` (same-site paths only).
- ``POST /auth/logout``: revokes the login on the server and clears the cookie.

Both posts refuse cross-site requests (CSRF): the browser's ``Sec-Fetch-Site``, or
else its ``Origin``, must name this site.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from studio.auth import COOKIE_NAME, issue_login_token, read_login_token
from studio.login_check import check_login
from studio.login_limits import subjects
from studio.login_page import login_page
from studio.web_config import WebConfig
from studio.web_guard import LOGIN_PATH, request_user

ICON = Path(__file__).resolve().parent.parent / "assets" / "icon.svg"
MAX_FIELD_CHARS = 1000  # longer names are cut before counting; no password is this long
NO_STORE = {"Cache-Control": "no-store"}


def safe_next(value: str | None) -> str:
    """A path on this site to return to after login; "/" for anything else (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in value):
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith("/auth/"):
        return "/"
    return value


def is_same_site(request: Request) -> bool:
    """True for a post from one of this site's own pages."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc == request.headers.get("host")


def client_address(request: Request) -> str | None:
    """The browser's address (from a local proxy's X-Forwarded-For, as uvicorn reads it).

    None on loopback: then only the login name is counted, as before.
    """
    host = request.client.host if request.client else None
    try:
        return None if host is None or ipaddress.ip_address(host).is_loopback else host
    except ValueError:  # not an address (a test client): counted by its name
        return host


def _cookie_secure(config: WebConfig, request: Request) -> bool:
    return config.secure_cookie or request.url.scheme == "https"


def login_routes(config: WebConfig) -> list[Route]:
    async def show_form(request: Request) -> Response:
        next_path = safe_next(request.query_params.get("next"))
        if request_user(request) is not None:
            return RedirectResponse(next_path, status_code=303, headers=NO_STORE)
        return HTMLResponse(login_page(next_path), headers=NO_STORE)

    async def log_in(request: Request) -> Response:
        if not is_same_site(request):
            return Response("Cross-site login refused.", status_code=403)
        form = await request.form(max_files=0, max_fields=10)
        username = str(form.get("username", ""))[:MAX_FIELD_CHARS].strip()
        password = str(form.get("password", ""))[:MAX_FIELD_CHARS].strip()
        next_path = safe_next(str(form.get("next", "")))
        address = client_address(request)
        async with config.turns.hold(subjects(username, address)):
            answer = await run_in_threadpool(
                check_login, config.store, config.limits, username, password, address
            )
            if not answer.matched:
                await config.wait(answer.wait_s)  # inside the turn: the next try waits too
        if not answer.matched:
            status = 429 if answer.blocked else 401
            page = login_page(next_path, answer.message, username[:100])
            return HTMLResponse(page, status_code=status, headers=NO_STORE)
        token, _ = issue_login_token(username, config.cookie_key, config.lifetime_s)
        response = RedirectResponse(next_path, status_code=303, headers=NO_STORE)
        response.set_cookie(
            COOKIE_NAME,
            token,
            max_age=int(config.lifetime_s),
            path="/",
            secure=_cookie_secure(config, request),
            httponly=True,
            samesite="lax",
        )
        return response

    async def log_out(request: Request) -> Response:
        if not is_same_site(request):
            return Response("Cross-site logout refused.", status_code=403)
        login = read_login_token(request.cookies.get(COOKIE_NAME), config.cookie_key)
        if login is not None:
            await run_in_threadpool(config.store.revoke_token, *login)
        response = RedirectResponse(LOGIN_PATH, status_code=303, headers=NO_STORE)
        response.delete_cookie(
            COOKIE_NAME,
            path="/",
            secure=_cookie_secure(config, request),
            httponly=True,
            samesite="lax",
        )
        return response

    async def icon(_request: Request) -> Response:
        return FileResponse(ICON, media_type="image/svg+xml")

    return [
        Route(LOGIN_PATH, show_form, methods=["GET"]),
        Route(LOGIN_PATH, log_in, methods=["POST"]),
        Route("/auth/logout", log_out, methods=["POST"]),
        Route("/auth/icon.svg", icon, methods=["GET"]),
    ]
