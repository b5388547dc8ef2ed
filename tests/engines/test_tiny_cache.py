"""The tests' tiny checkpoints are cached by their builder's fingerprint: a link under
the data dir's tiny-models points into the cache, and a build lands where it points."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import engines.tiny
from engines.tiny import builder_fingerprint, ensure_tiny_checkpoint, is_tiny_checkpoint


def test_a_link_is_built_where_it_points_and_stays_a_link(tmp_path: Path):
    cache = tmp_path / "cache" / "musicgen-small-abc"
    root = tmp_path / "tiny-models"
    root.mkdir()
    (root / "musicgen-small").symlink_to(cache, target_is_directory=True)
    folder = ensure_tiny_checkpoint("musicgen-small", root)
    assert folder == root / "musicgen-small" and folder.is_symlink()
    assert is_tiny_checkpoint(cache)
    assert not [p for p in root.iterdir() if p.name != "musicgen-small"]  # no staging left


def test_the_fingerprint_follows_the_builders_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    module = tmp_path / "tiny_builder_under_test.py"
    module.write_text("def build(folder):\n    (folder / 'weights').write_text('1')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import tiny_builder_under_test

    monkeypatch.setattr(engines.tiny, "_builder", lambda name: tiny_builder_under_test.build)
    before = builder_fingerprint("musicgen-small")
    assert builder_fingerprint("musicgen-small") == before  # stable while nothing changes
    assert builder_fingerprint("musicgen-melody") != before  # each entry has its own
    module.write_text(module.read_text().replace("'1'", "'2'"))
    assert builder_fingerprint("musicgen-small") != before
    sys.modules.pop("tiny_builder_under_test")


def test_the_session_links_every_tiny_checkpoint_into_the_cache(tiny_models_dir: Path):
    link = tiny_models_dir / "musicgen-small"
    assert link.is_symlink()
    assert link.readlink().name == f"musicgen-small-{builder_fingerprint('musicgen-small')}"
