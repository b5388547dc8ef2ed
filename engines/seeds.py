"""Seeds: a fixed one reproduces a result, None draws a fresh one that is recorded."""

from __future__ import annotations

import secrets

MAX_SEED = 2**32 - 1


def resolve_seed(seed: int | None) -> int:
    return secrets.randbelow(MAX_SEED + 1) if seed is None else seed
