"""The studio's public address, ``STUDIO_PUBLIC_URL``, as an origin (scheme, host, port).

Set it when a proxy in front rewrites ``Host``: the studio then checks every page's
``Origin`` against it instead of the request's ``Host`` (``studio.web.origin``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

Origin = tuple[str, str, int]  # scheme, host (lower case), port
DEFAULT_PORTS = {"http": 80, "https": 443}


class PublicUrlError(ValueError):
    """STUDIO_PUBLIC_URL is not an origin the studio could be served from."""


def parse_origin(value: str) -> Origin | None:
    """(scheme, host, port) of ``http(s)://host[:port]``; None for ``null`` or anything else."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:  # a port that is no number, an unclosed [
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme]


def public_origin(value: str | None) -> Origin | None:
    """STUDIO_PUBLIC_URL as an origin; None when unset; a teaching error when malformed."""
    if not value or not value.strip():
        return None
    origin = parse_origin(value)
    if origin is None or urlsplit(value.strip()).path not in ("", "/"):
        raise PublicUrlError(
            f"STUDIO_PUBLIC_URL must be the address people open, like https://studio.example "
            f"or http://10.0.0.5:8501 (no path), but is {value!r}."
        )
    return origin
