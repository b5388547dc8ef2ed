"""The studio's web layer: our routes and middleware around the Streamlit script (st.App).

``python -m studio`` runs ``streamlit run studio/server.py``: Streamlit finds ``app``
below, an ``st.App``, and serves it with uvicorn under its own config (port, address).

- ``/auth/*``: login form, login and logout posts (``studio.login_routes``)
- ``/files/<asset_id>``: the owner's files, Range and ETag (``studio.file_routes``)
- everything else: Streamlit (``studio/app.py``), behind ``studio.web_guard.WebGuard``
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from jobs.api import JobsAPI
from studio.file_routes import file_routes
from studio.login_routes import login_routes
from studio.web_config import WebConfig
from studio.web_guard import WebGuard

SCRIPT = Path(__file__).resolve().parent / "app.py"


def web_routes(config: WebConfig, api: JobsAPI) -> list[BaseRoute]:
    return [*login_routes(config), *file_routes(api)]


def web_middleware(config: WebConfig) -> list[Middleware]:
    return [Middleware(WebGuard, config=config)]


config = WebConfig.from_env()
# A plain module-level `app = st.App(...)`: what `streamlit run` looks for to serve it.
app = st.App(SCRIPT, routes=web_routes(config, JobsAPI()), middleware=web_middleware(config))
