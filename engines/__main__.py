"""Command line: ``python -m engines video|music ... --out FILE``.

Progress goes to stderr as a bar, the result's metadata to stdout as one JSON line.
Bad input exits with code 2 and a one-line message; a missing model with code 1.
"""

from __future__ import annotations

import sys

from engines.cli import main

if __name__ == "__main__":
    sys.exit(main())
