"""README's Models table says what the catalog (and so the model picker) says."""

from __future__ import annotations

from pathlib import Path

import pytest

from engines.catalog import CATALOG

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_each_catalog_model_has_its_row_with_hub_id_licence_and_vram(name: str):
    entry = CATALOG[name]
    (row,) = [line for line in README.read_text().splitlines() if line.startswith(f"| `{name}`")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[3] == f"`{entry.hub_id}`"
    assert cells[4].startswith(entry.licence.split(" (")[0])  # the picker's licence, by name
    assert cells[5].startswith(f"{entry.vram_gb:g} GB")
