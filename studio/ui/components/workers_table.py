"""The Admin page's workers as a person reads them: one row a worker, times as "12 s ago"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GIB = 1024**3


def ago(seconds: float | None) -> str:
    """How long ago, in the largest unit that reads well: "4 s ago", "3 min ago", "2 h ago"."""
    if seconds is None:
        return ""
    seconds = max(0.0, float(seconds))
    if seconds < 90:
        return f"{seconds:.0f} s ago"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def model_folder_name(model: str | None) -> str:
    """The resident model's hub id, or a folder by its name: a table is no place for paths."""
    if not model:
        return ""
    return model.rstrip("/").rsplit("/", 1)[-1] if model.startswith(("/", "~", ".")) else model


def service_rows(services: Mapping[str, Mapping[str, Any]], now: float) -> list[dict[str, str]]:
    """One row a keeper or worker that reported lately, newest report first."""
    rows = []
    for name, info in sorted(services.items(), key=lambda item: -float(item[1].get("beat_at", 0))):
        registry = info.get("registry") or {}
        resident_bytes = registry.get("resident_bytes") or 0
        started = info.get("started_at")
        rows.append(
            {
                "name": name,
                "role": str(info.get("role", "")),
                "last report": ago(now - float(info["beat_at"])) if "beat_at" in info else "",
                "started": ago(now - float(started)) if started else "",
                "running job": str(info.get("job") or "")[:8],
                "jobs done": str(info.get("jobs_done", "")),
                "model loaded": str(registry.get("resident") or ""),
                "weights": model_folder_name(registry.get("resident_model")),
                "memory": f"{resident_bytes / GIB:.2f} GiB" if resident_bytes else "",
                "device": " ".join(str(registry.get(k) or "") for k in ("device", "dtype")).strip(),
                "queue": str(info.get("backend", "")),
            }
        )
    return rows
