"""Is a request from the studio's own pages? Its ``Origin`` against the studio's own origin.

The studio's own origin is ``STUDIO_PUBLIC_URL`` when set (behind a proxy that rewrites
``Host``), else the request's ``Host``. A page on another port of the same host is another
origin but the SAME site, so the browser sends it the login cookie (SameSite does not
help): only the Origin tells the two apart.

    own = own_origin(connection, public_url)            # ("http", "127.0.0.1", 8501)
    origin_matches(connection.headers.get("origin"), own)
"""

from __future__ import annotations

from starlette.requests import HTTPConnection

from studio.public_url import Origin, parse_origin

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def own_origin(connection: HTTPConnection, public: Origin | None) -> Origin | None:
    """The studio's own origin for this request: the public URL, else its Host."""
    if public is not None:
        return public
    host = connection.headers.get("host")
    if not host:
        return None
    scheme = "https" if connection.url.scheme in ("https", "wss") else "http"
    return parse_origin(f"{scheme}://{host}")


def origin_matches(origin: str | None, own: Origin | None) -> bool:
    """True when ``origin`` is the studio's own (scheme, host and port); an absent, ``null``
    or other origin is not, so another port of the same host is refused too."""
    if origin is None or own is None:
        return False
    return parse_origin(origin) == own


def is_foreign_request(connection: HTTPConnection, public: Origin | None) -> bool:
    """True for a WebSocket or a state-changing request that another origin's page sent.

    A WebSocket must name our origin (browsers always send one). A POST/PUT/PATCH/DELETE
    is refused when its Origin is another's, or when the browser says it is cross-site
    or same-site (another port); a script's call with neither header passes.
    """
    headers = connection.headers
    origin = headers.get("origin")
    own = own_origin(connection, public)
    if connection.scope["type"] == "websocket":
        return not origin_matches(origin, own)
    if connection.scope.get("method") not in UNSAFE_METHODS:
        return False
    if origin is not None:
        return not origin_matches(origin, own)
    fetch_site = headers.get("sec-fetch-site")
    return fetch_site is not None and fetch_site not in ("same-origin", "none")
