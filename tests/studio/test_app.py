"""The studio's entry page renders the configuration, and says when output is noise."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "studio" / "app.py")


def test_shows_configured_models_and_tiny_warning(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("STUDIO_MODELS", "tiny")
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path))
    app = AppTest.from_file(APP).run()
    assert not app.exception
    assert "noise" in app.warning[0].value
    table = app.table[0].value
    assert str(tmp_path / "tiny-models" / "video") in table.to_string()


def test_real_models_are_listed_without_warning(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("STUDIO_MODELS", raising=False)
    app = AppTest.from_file(APP).run()
    assert not app.exception and not app.warning
    assert "ali-vilab/text-to-video-ms-1.7b" in app.table[0].value.to_string()
