"""Our routes and middleware, as ``studio/server.py`` hands them to ``st.App``.

- ``/auth/*``: login form, login and logout posts (``studio.web.login``)
- ``/files/<asset_id>``: the owner's files, Range and ETag (``studio.web.files``)
- ``/api/v1/*``: the HTTP API for scripts, bearer tokens (``studio.web.api.routes``)
- in front of everything, Streamlit's routes included: ``studio.web.guard.WebGuard``
- uploads to Streamlit in flight or refused, for the pages: ``studio.web.upload_watch``
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from jobs.service import JobService
from studio.services import WebConfig
from studio.web.api.routes import api_routes
from studio.web.files import file_routes
from studio.web.guard import WebGuard
from studio.web.login import login_routes
from studio.web.upload_watch import UploadWatch


def web_routes(config: WebConfig, api: JobService) -> list[BaseRoute]:
    return [*login_routes(config), *file_routes(api), *api_routes(config, api)]


def web_middleware(config: WebConfig) -> list[Middleware]:
    # UploadWatch outside the guard: it must see the guard's own 413 for a file too big.
    return [Middleware(UploadWatch), Middleware(WebGuard, config=config)]
