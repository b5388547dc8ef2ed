"""The studio's web server: the Streamlit script (``studio/ui/app.py``) inside an ``st.App``
with our routes and middleware (``studio.web``).

``python -m studio`` runs ``streamlit run studio/server.py``: Streamlit finds ``app``
below and serves it with uvicorn under its own config (port, address, ...).
``uvicorn studio.server:app`` would serve it too, without Streamlit's config flags.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from jobs.service import JobService
from studio.services import WebConfig
from studio.web import web_middleware, web_routes

SCRIPT = Path(__file__).resolve().parent / "ui" / "app.py"


def log_to_stderr(name: str) -> None:
    """Our own log lines (logins, refusals) with their time, beside Streamlit's and uvicorn's."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


log_to_stderr("studio")
config = WebConfig.from_env()
# A plain module-level `app = st.App(...)`: what `streamlit run` looks for to serve it.
app = st.App(SCRIPT, routes=web_routes(config, JobService()), middleware=web_middleware(config))
