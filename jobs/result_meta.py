"""A result's meta as the catalog keeps it: what the run knew, minus the machine's paths.

Engines report where they wrote and what they loaded (a scratch file, the weights folder);
those paths mean nothing off that worker and tell a stranger how the server is laid out,
so a path-valued field keeps the file's or folder's own name alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Fields that hold a path when they hold one: the written file, the weights, input files.
PATH_KEYS = ("path", "model", "weights", "source")


def without_server_paths(value: Any, key: str = "") -> Any:
    """``value`` with every path-valued field (see PATH_KEYS, ``*_path``) cut to its name."""
    if isinstance(value, dict):
        return {k: without_server_paths(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_server_paths(v, key) for v in value]
    if isinstance(value, str) and _names_a_path(key) and _is_path(value):
        return Path(value).name
    return value


def _names_a_path(key: str) -> bool:
    return key in PATH_KEYS or key.endswith("_path")


def _is_path(text: str) -> bool:
    return text.startswith(("/", "~", "./", "../")) or "\\" in text
