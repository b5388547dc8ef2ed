"""``python -m engines models [--json]``: the catalog, and whether weights are here."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from engines.catalog import CATALOG, ModelEntry

COLUMNS = ("name", "output", "family", "hub_id", "licence", "vram_gb", "local")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("models", help="List the catalog of models.")
    parser.add_argument("--json", action="store_true", help="One JSON list instead of a table.")
    parser.set_defaults(run=run)


def weights_present(entry: ModelEntry) -> bool:
    """True when the hub snapshot is in the local cache (nothing is downloaded)."""
    try:
        from huggingface_hub import snapshot_download

        snapshot_download(entry.hub_id, local_files_only=True)
        return True
    except Exception:  # not cached, or no cache at all
        return False


def rows() -> list[dict[str, Any]]:
    return [
        {
            "name": e.name,
            "output": e.output,
            "family": e.family.name,
            "hub_id": e.hub_id,
            "licence": e.licence,
            "vram_gb": e.vram_gb,
            "local": weights_present(e),
            "description": e.description,
        }
        for e in CATALOG.values()
    ]


def run(args: argparse.Namespace) -> None:
    table = rows()
    if args.json:
        print(json.dumps(table))
        return None
    cells = [list(COLUMNS)] + [
        [("yes" if row[c] else "no") if c == "local" else str(row[c]) for c in COLUMNS]
        for row in table
    ]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    for r in cells:
        sys.stdout.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
        sys.stdout.write("\n")
    return None
