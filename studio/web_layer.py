"""Our routes and middleware, as ``studio/server.py`` hands them to ``st.App``.

- ``/auth/*``: login form, login and logout posts (``studio.login_routes``)
- ``/files/<asset_id>``: the owner's files, Range and ETag (``studio.file_routes``)
- ``/api/v1/*``: the HTTP API for scripts, bearer tokens (``studio.api_routes``)
- in front of everything, Streamlit's routes included: ``studio.web_guard.WebGuard``
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from jobs.service import JobService
from studio.api_routes import api_routes
from studio.file_routes import file_routes
from studio.login_routes import login_routes
from studio.web_config import WebConfig
from studio.web_guard import WebGuard


def web_routes(config: WebConfig, api: JobService) -> list[BaseRoute]:
    return [*login_routes(config), *file_routes(api), *api_routes(config, api)]


def web_middleware(config: WebConfig) -> list[Middleware]:
    return [Middleware(WebGuard, config=config)]
