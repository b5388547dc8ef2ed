"""``python -m studio`` (what ``make run`` calls): the studio with its keeper and a worker.

Checks the cookie key and the admin account first, makes the data dir private, drops
the admin password from the environment, then hands over to the job supervisor, which
runs the keeper, one worker (restarted if it dies) and the web server. The cookie key
leaves the environment too: the supervisor gets it on a pipe and hands it to the web
server alone (``engines.child_env`` says who gets what):
``streamlit run studio/server.py`` (an ``st.App``, served by uvicorn) on
``STUDIO_HOST`` (127.0.0.1 unless set) and ``STUDIO_PORT`` (8501).

``python -m studio tokens create|revoke USER NAME`` manages API tokens instead
(``studio.accounts.cli``), and ``python -m studio users add|disable|enable|reset-password|list``
accounts (``studio.accounts.users_cli``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from engines.settings import Settings
from jobs.catalog.database import catalog_path
from studio.accounts.login_cookie import CookieKeyError
from studio.accounts.store import AccountError, AccountStore
from studio.public_url import PublicUrlError, public_origin
from studio.startup import ensure_admin, ensure_cookie_key, make_data_dir_private

ROOT = Path(__file__).resolve().parent.parent
SERVER = ROOT / "studio" / "server.py"
SECRETS_FROM_ENV = ("STUDIO_ADMIN_PASSWORD",)  # needed once, here; no child may read it
WEB_SERVER_ONLY = ("STUDIO_COOKIE_KEY",)  # the web server's alone: not the keeper's, no worker's


def main() -> int:
    if sys.argv[1:2] == ["tokens"]:
        from studio.accounts.cli import main as tokens_main

        return tokens_main(sys.argv[2:])
    if sys.argv[1:2] == ["users"]:
        from studio.accounts.users_cli import main as users_main

        return users_main(sys.argv[2:])
    settings = Settings.from_env()
    try:
        ensure_cookie_key()
        public_origin(os.environ.get("STUDIO_PUBLIC_URL"))  # a typo stops the start, not logins
        make_data_dir_private(settings.data_dir)
        ensure_admin(AccountStore(catalog_path(settings.data_dir)))
    except (CookieKeyError, AccountError, PublicUrlError) as refusal:
        print(f"The studio cannot start: {refusal}", file=sys.stderr)
        return 2
    for name in SECRETS_FROM_ENV:
        os.environ.pop(name, None)
    host = os.environ.get("STUDIO_HOST", "").strip() or "127.0.0.1"
    port = os.environ.get("STUDIO_PORT", "8501")
    # Streamlit puts only the script's folder on sys.path; the pages import from the root.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    shown = f"[{host}]" if ":" in host else host
    print(f"Studio: http://{shown}:{port}" + ("  (tiny demo models)" if settings.tiny else ""))
    ui = [sys.executable, "-m", "streamlit", "run", str(SERVER)]
    ui += ["--server.port", port, "--server.address", host]
    fd = web_server_secrets_pipe()
    supervisor = [sys.executable, "-m", "jobs.supervisor", "--command-env-fd", str(fd)]
    os.execv(sys.executable, [*supervisor, "--", *ui])
    return 0  # not reached: the supervisor replaced this process


def web_server_secrets_pipe() -> int:
    """Move the web server's secrets from the environment into a pipe the supervisor reads.

    ``os.execv`` passes on the environment as it is now, so the supervisor (and the keeper,
    its thread) start without them; the value is short, so the pipe's buffer holds it.
    """
    secrets = {name: os.environ.pop(name) for name in WEB_SERVER_ONLY if name in os.environ}
    read_end, write_end = os.pipe()
    os.write(write_end, json.dumps(secrets).encode())
    os.close(write_end)
    os.set_inheritable(read_end, True)
    return read_end


if __name__ == "__main__":
    sys.exit(main())
