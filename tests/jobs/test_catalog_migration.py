"""Old catalogs open: assets written before output types are named right, and limits
written before the cost guard keep their values with the default allowance."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from jobs.catalog import Catalog

# The asset tables as issue 10's studio wrote them: one "kind" for three meanings.
OLD_SCHEMA = """
create table jobs (
    seq integer primary key autoincrement, id text not null unique, owner text not null,
    kind text not null, params text not null, status text not null, step integer not null
    default 0, total integer not null default 0, eta_s real, attempts integer not null
    default 0, delivery integer not null default 1, cancel_requested integer not null
    default 0, worker text, error text, output_id text not null, source_ids text not null
    default '[]', engine_s real, created_at real not null, dispatched_at real,
    started_at real, heartbeat_at real, progress_at real, finished_at real,
    updated_at real not null
);
create table assets (
    id text primary key, owner text not null, kind text not null,
    path text not null unique, params text not null default '{}',
    meta text not null default '{}', job_id text references jobs (id),
    created_at real not null
);
create index assets_owner_created on assets (owner, created_at);
create table asset_sources (
    asset_id text not null references assets (id) on delete cascade,
    source_id text not null, primary key (asset_id, source_id)
);
"""
OLD_ROWS = [  # kind, file suffix, params, meta
    ("video", ".mp4", {"prompt": "a fox"}, {"model": "tiny-video", "seed": 1}),
    ("music", ".wav", {"description": "calm piano"}, {"model": "tiny-music", "seed": 2}),
    (
        "melody",
        ".wav",
        {"description": "a hummed tune"},
        {"model": "tiny-melody", "kind": "melody"},
    ),
    ("combine", ".mp4", {}, {}),
    ("score", ".mp4", {"description": "waves"}, {"model": "tiny-music"}),
    ("upload", ".mp4", {"uploaded_as": "beach.mp4", "kind": "video"}, {}),
    ("upload", ".wav", {"uploaded_as": "hum.wav", "kind": "audio"}, {}),
]


def test_an_old_catalog_with_melody_and_upload_assets_opens_correctly(tmp_path: Path):
    path = tmp_path / "catalog.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_SCHEMA)
        for n, (kind, suffix, params, meta) in enumerate(OLD_ROWS):
            conn.execute(
                "insert into assets (id, owner, kind, path, params, meta, created_at)"
                " values (?, 'ana', ?, ?, ?, ?, ?)",
                (f"{n:032x}", kind, f"assets/ana/{n:032x}{suffix}", json.dumps(params),
                 json.dumps(meta), 1000.0 + n),
            )  # fmt: skip
        conn.execute("insert into asset_sources values (?, ?)", (f"{3:032x}", f"{0:032x}"))

    catalog = Catalog(path)
    found = {a.id: a for a in catalog.assets.list("ana")}
    named = [(a.output_type, a.source, a.model) for a in sorted(found.values(), key=lambda a: a.id)]
    assert named == [
        ("video", "generated", "tiny-video"),
        ("audio", "generated", "tiny-music"),
        ("audio", "generated", "tiny-melody"),  # a melody track is a track like any other
        ("video", "combined", None),
        ("video", "scored", "tiny-music"),
        ("video", "uploaded", None),
        ("audio", "uploaded", None),
    ]
    assert found[f"{3:032x}"].source_ids == (f"{0:032x}",)  # lineage survives
    tracks = catalog.assets.list("ana", "audio", source="generated")
    assert {a.params.get("description") for a in tracks} == {"calm piano", "a hummed tune"}
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("pragma table_info(assets)")}
    assert "kind" not in columns  # one name per meaning: nothing left to confuse
    Catalog(path)  # opening it again changes nothing
    assert [(a.output_type, a.source) for a in catalog.assets.list("ana")] == [
        (a.output_type, a.source) for a in sorted(found.values(), key=lambda a: -a.created_at)
    ]


def test_limits_set_before_the_cost_guard_keep_their_values_and_get_the_default_allowance(
    tmp_path: Path,
):
    from jobs.catalog.database import catalog_path
    from jobs.catalog.limits import LimitOverrides

    path = catalog_path(tmp_path)
    with sqlite3.connect(path) as conn:  # the limits table as issue 21's studio wrote it
        conn.execute(
            "create table user_limits (owner text primary key, max_queued integer,"
            " daily_gpu_seconds real, updated_at real not null)"
        )
        conn.execute("insert into user_limits values ('ana', 6, 3600.0, 0)")
    catalog = Catalog(path)
    assert catalog.limits.get("ana") == LimitOverrides(6, 3600.0, None)
    catalog.limits.set("ana", LimitOverrides(6, 3600.0, 2.0))
    assert catalog.limits.all() == {"ana": LimitOverrides(6, 3600.0, 2.0)}
