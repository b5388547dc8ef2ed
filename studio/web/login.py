"""Login over HTTP: the form, its post, and logout, with the cookie set by the server.

- ``GET /auth/login?next=/library``: the form (or straight on, when logged in).
- ``POST /auth/login``: checks the password (``studio.accounts.login_check``), one try at a time
  per name and address (``studio.accounts.login_limits``), then sets an HttpOnly, SameSite=Lax
  cookie and sends the browser on to ``next`` (same-site paths only).
- ``POST /auth/logout``: revokes the login on the server and clears the cookie.

Both posts refuse requests from other origins (CSRF, another port of this host too): the
browser's ``Origin`` must be the studio's own (``studio.web.origin``), and its
``Sec-Fetch-Site``, when sent, must say same-origin.
"""

from __future__ import annotations

import ipaddress
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from studio.accounts.login_check import check_login
from studio.accounts.login_cookie import COOKIE_NAME, issue_login_token, read_login_token
from studio.accounts.login_limits import subjects
from studio.public_url import Origin
from studio.services import WebConfig
from studio.web.guard import LOGIN_PATH, request_user
from studio.web.origin import origin_matches, own_origin

ICON = Path(__file__).resolve().parents[2] / "assets" / "icon.svg"
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


def is_same_site(request: Request, public: Origin | None) -> bool:
    """True for a post from one of this site's own pages (its origin, not just its host)."""
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return fetch_site is not None
    return origin_matches(origin, own_origin(request, public))


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
        if not is_same_site(request, config.public_origin):
            return Response("Cross-site login refused.", status_code=403)
        form = await request.form(max_files=0, max_fields=10)
        username = str(form.get("username", ""))[:MAX_FIELD_CHARS].strip()
        password = str(form.get("password", ""))[:MAX_FIELD_CHARS].strip()
        next_path = safe_next(str(form.get("next", "")))
        address = client_address(request)
        # Read before the check: a disable meanwhile leaves this login void for good.
        generation = await run_in_threadpool(config.store.generation, username)
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
        token, _ = issue_login_token(username, config.cookie_key, config.lifetime_s, generation)
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
        if not is_same_site(request, config.public_origin):
            return Response("Cross-site logout refused.", status_code=403)
        login = read_login_token(request.cookies.get(COOKIE_NAME), config.cookie_key)
        if login is not None:
            await run_in_threadpool(config.store.revoke_token, login.username, login.expires_at)
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


# The login form: a plain HTML page in the studio's colours, posting to /auth/login.
#
# It needs no JavaScript, so it works before any Streamlit session exists, and every
# value put into it is escaped.
STYLE = """
body { margin: 0; background: #0e1117; color: #fafafa;
  font-family: "Source Sans", "Source Sans Pro", system-ui, sans-serif; }
main { max-width: 26rem; margin: 12vh auto; padding: 0 1.5rem; }
h1 { font-size: 2.75rem; font-weight: 700; margin: 0 0 .25rem; }
p.caption { color: rgba(250, 250, 250, .6); margin: 0 0 2rem; }
form { border: 1px solid rgba(250, 250, 250, .2); border-radius: .5rem; padding: 1.5rem; }
h2 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; font-size: .875rem; margin: .75rem 0 .25rem; }
input { box-sizing: border-box; width: 100%; padding: .5rem .75rem; font-size: 1rem;
  color: #fafafa; background: #262730; border: 1px solid transparent; border-radius: .5rem; }
input:focus { outline: none; border-color: #ff6f61; }
button { margin-top: 1.25rem; padding: .4rem .9rem; font-size: 1rem; color: #fafafa;
  background: transparent; border: 1px solid rgba(250, 250, 250, .2); border-radius: .5rem;
  cursor: pointer; }
button:hover { border-color: #ff6f61; color: #ff6f61; }
.error { margin-top: 1rem; padding: .75rem 1rem; border-radius: .5rem;
  background: rgba(255, 43, 43, .09); color: #ffabab; }
"""


def login_page(next_path: str, message: str | None = None, username: str = "") -> str:
    error = f'<div class="error" role="alert">{escape(message)}</div>' if message else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Studio</title>
<link rel="icon" href="/auth/icon.svg" type="image/svg+xml">
<style>{STYLE}</style>
</head>
<body>
<main>
<h1>Studio</h1>
<p class="caption">Text to video, music, and videos scored with that music.</p>
<form method="post" action="/auth/login">
<h2>Log in</h2>
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">Login name</label>
<input id="username" name="username" value="{escape(username)}" autocomplete="username"
 autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
{error}
</form>
</main>
</body>
</html>
"""
