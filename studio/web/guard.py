"""The middleware in front of every request: safe headers, and nothing without a login.

- Every HTTP answer gets the safe headers (``studio.web.guard``), refusals and our own
  failures included: an unexpected error answers 500 as JSON on the API, as our error page
  to a browser opening a page (``studio.web.errors``).
- A WebSocket, and every POST/PUT/PATCH/DELETE, from another origin's page (another port
  of this host included) is refused before Streamlit or a route sees it
  (``studio.web.origin``; the studio's own origin is STUDIO_PUBLIC_URL or the Host).
- Bodies are bounded while they stream in: 1 MB, uploads their own limit
  (``studio.web.body_limit``); over it answers 413.
- ``/_stcore/metrics`` answers 404 unless ``STUDIO_METRICS=1`` (then to any scraper).
- The login cookie is checked (signature, expiry, revocation, account) and the user
  put in ``scope["studio.user"]`` for the routes behind.
- ``/api/v1/`` goes on to its own bearer-token check (``studio.web.api.routes``): no
  cookie counts there, and none is needed.
- Logged out, only the login routes, the health check and Streamlit's static bundles
  answer. A page opened in the browser is redirected to the login form, keeping its
  path to return to; anything else (``/media``, uploads, ``/files``) gets 403 and the
  WebSocket is refused, so no Streamlit session runs for anyone logged out.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from urllib.parse import quote

import anyio
import streamlit
from starlette.requests import ClientDisconnect, HTTPConnection
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from studio.accounts.login_cookie import COOKIE_NAME, CurrentUser, user_for_token
from studio.services import WebConfig
from studio.web.body_limit import BodyTooLarge, body_limit, counted, declared_too_large, describe
from studio.web.errors import error_response, wants_page
from studio.web.origin import is_foreign_request

log = logging.getLogger("studio.web")

USER_KEY = "studio.user"
LOGIN_PATH = "/auth/login"
METRICS_PATH = "/_stcore/metrics"
API_PREFIX = "/api/v1/"  # scripts: a bearer token, checked by the API's routes
# Open to anyone: the login form and its posts, the health check, and the page's code.
PUBLIC_PREFIXES = ("/auth/", "/static/")
PUBLIC_PATHS = {"/_stcore/health", "/_stcore/host-config", "/favicon.png", "/manifest.json"}


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_page_navigation(connection: HTTPConnection) -> bool:
    """A browser opening a page (a bookmark, a typed URL, a reload), not a fetch."""
    return connection.scope.get("method") in ("GET", "HEAD") and wants_page(connection)


def login_redirect(connection: HTTPConnection) -> Response:
    wanted = connection.url.path + (f"?{connection.url.query}" if connection.url.query else "")
    target = LOGIN_PATH if wanted == "/" else f"{LOGIN_PATH}?next={quote(wanted, safe='')}"
    return RedirectResponse(target, status_code=303, headers={"Cache-Control": "no-store"})


class WebGuard:
    def __init__(self, app: ASGIApp, config: WebConfig) -> None:
        self.app = app
        self.config = config
        self.headers = safe_headers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        # Another origin's page (another port of this host too) gets no socket, cookie or not.
        if is_foreign_request(connection, self.config.public_origin):
            log.warning("WebSocket refused: Origin %r", connection.headers.get("origin"))
            await send({"type": "websocket.close", "code": 1008})  # the handshake gets 403
            return
        user = await self._user(connection)
        scope[USER_KEY] = user
        if user is None and not is_public(connection.url.path):
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in self.headers if n not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        connection = HTTPConnection(scope)

        async def answer(status: int, message: str) -> None:
            await error_response(connection, status, message)(scope, receive, send_with_headers)

        limit = body_limit(connection.url.path)
        if declared_too_large(connection.headers.get("content-length"), limit):
            await answer(413, f"The request body is over {describe(limit)}.")
            return
        try:
            await self._guarded(scope, counted(receive, limit), send_with_headers)
        except BodyTooLarge as too_large:
            if started:
                raise
            await answer(413, str(too_large))
        except ClientDisconnect:
            return  # the asker went away mid-body: nobody to answer
        except Exception:  # a bug of ours: logged, and the asker gets a 500 in its own shape
            log.exception("Unexpected error answering %s %s", scope["method"], scope["path"])
            if started:
                raise
            await answer(500, "Something went wrong on the server; it is logged. Try again.")

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope)
        path = connection.url.path
        if path == METRICS_PATH and not self.config.metrics_open:
            await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
            return
        if is_foreign_request(connection, self.config.public_origin):
            origin = connection.headers.get("origin") or connection.headers.get("sec-fetch-site")
            log.warning("%s %s refused: from %r", scope["method"], path, origin)
            message = "Refused: this request came from another site's page, not the studio's."
            await error_response(connection, 403, message)(scope, receive, send)
            return
        if path.startswith(API_PREFIX):
            scope[USER_KEY] = None  # a cookie must not act for a script (no cross-site calls)
            await self.app(scope, receive, send)
            return
        user = await self._user(connection)
        scope[USER_KEY] = user
        open_metrics = path == METRICS_PATH and self.config.metrics_open
        if user is None and not (is_public(path) or open_metrics):
            if is_page_navigation(connection):
                await login_redirect(connection)(scope, receive, send)
            else:
                await PlainTextResponse("Log in first.", status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _user(self, connection: HTTPConnection) -> CurrentUser | None:
        token = connection.cookies.get(COOKIE_NAME)
        if not token:
            return None
        config = self.config
        return await anyio.to_thread.run_sync(
            user_for_token, config.store, config.cookie_key, token, config.lifetime_s
        )


def request_user(connection: HTTPConnection) -> CurrentUser | None:
    """The user WebGuard found for this request (None when logged out)."""
    user = connection.scope.get(USER_KEY)
    return user if isinstance(user, CurrentUser) else None


# The response headers every route answers with: no framing, no sniffing, no leaks.
# Streamlit's index.html carries one small inline script; it runs by its hash, no other does.
INDEX_HTML = Path(streamlit.__file__).parent / "static" / "index.html"


def inline_script_hashes(html: str) -> list[str]:
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    ]


def content_security_policy() -> str:
    hashes = inline_script_hashes(INDEX_HTML.read_text()) if INDEX_HTML.is_file() else []
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *hashes]),
            "style-src 'self' 'unsafe-inline'",  # Streamlit's styles are injected at run time
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self' data:",
            "connect-src 'self' blob:",  # st.audio_input reads its recording back from a blob
            "frame-src 'self'",
            "worker-src 'self' blob:",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def safe_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", content_security_policy().encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]
