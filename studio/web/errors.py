"""Refusals and failures in the shape the asker reads: JSON for the API, our own page for
a browser opening a page, plain text for anything else (a fetch of Streamlit's).

    await error_response(connection, 413, "The body is over 1 MB.")(scope, receive, send)
"""

from __future__ import annotations

from html import escape

from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

API_PREFIX = "/api/v1/"
NO_STORE = {"Cache-Control": "no-store"}
TITLES = {
    403: "Refused",
    404: "Not found",
    413: "Too large",
    500: "Something went wrong",
}


def wants_page(connection: HTTPConnection) -> bool:
    """A browser opening a page (not a fetch, not a script)."""
    mode = connection.headers.get("sec-fetch-mode")
    if mode is not None:
        return mode == "navigate"
    return "text/html" in connection.headers.get("accept", "")


def error_response(connection: HTTPConnection, status: int, message: str) -> Response:
    if connection.url.path.startswith(API_PREFIX):
        return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)
    if wants_page(connection):
        return HTMLResponse(error_page(status, message), status_code=status, headers=NO_STORE)
    return PlainTextResponse(message, status_code=status, headers=NO_STORE)


def error_page(status: int, message: str) -> str:
    title = TITLES.get(status, "Refused")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Studio</title>
<link rel="icon" href="/auth/icon.svg" type="image/svg+xml">
<style>
body {{ margin: 0; background: #0e1117; color: #fafafa;
  font-family: "Source Sans", "Source Sans Pro", system-ui, sans-serif; }}
main {{ max-width: 32rem; margin: 12vh auto; padding: 0 1.5rem; }}
h1 {{ font-size: 2rem; margin: 0 0 1rem; }}
a {{ color: #ff6f61; }}
</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p role="alert">{escape(message)}</p>
<p><a href="/">Back to the studio</a></p>
</main>
</body>
</html>
"""
