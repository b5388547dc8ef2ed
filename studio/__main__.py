"""``python -m studio`` (what ``make run`` calls): the studio with its keeper and a worker.

Checks the cookie key and the admin account first, then hands over to the job
supervisor, which runs the keeper, one worker (restarted if it dies) and Streamlit.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engines.settings import Settings
from jobs.catalog.database import catalog_path
from studio.accounts import AccountError, AccountStore
from studio.cookie_key import CookieKeyError
from studio.first_start import ensure_admin, ensure_cookie_key

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "studio" / "app.py"


def main() -> int:
    settings = Settings.from_env()
    try:
        ensure_cookie_key()
        ensure_admin(AccountStore(catalog_path(settings.data_dir)))
    except (CookieKeyError, AccountError) as refusal:
        print(f"The studio cannot start: {refusal}", file=sys.stderr)
        return 2
    port = os.environ.get("STUDIO_PORT", "8501")
    # Streamlit puts only the script's folder on sys.path; the pages import from the root.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    print(f"Studio: http://localhost:{port}" + ("  (tiny demo models)" if settings.tiny else ""))
    ui = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", port]
    os.execv(sys.executable, [sys.executable, "-m", "jobs.supervisor", "--", *ui])
    return 0  # not reached: the supervisor replaced this process


if __name__ == "__main__":
    sys.exit(main())
