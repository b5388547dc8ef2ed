"""``python -m studio``: start the Streamlit studio on STUDIO_PORT (default 8501)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")


def main() -> int:
    port = os.environ.get("STUDIO_PORT", "8501")
    print(f"Studio: http://localhost:{port}", flush=True)
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", port]
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
