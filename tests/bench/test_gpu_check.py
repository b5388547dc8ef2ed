"""make gpu-check's code path, run the way the GPU run will be (``python -m bench``), on
the CPU with tiny checkpoints: every family's default model through our engine and the
plain call, figures and table written. The GPU run then needs no debugging."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.gpu.check import default_entries
from bench.gpu.peaks import bf16_peak_tflops
from engines.catalog import FAMILIES


@pytest.mark.slow
def test_the_gpu_check_runs_every_family_on_the_cpu(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "--device", "cpu", "--quick"]
    command += ["--cases", "gpu_check", "--out", str(tmp_path), "--models", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    (figures,) = tmp_path.glob("cpu-*-quick.json")
    report = json.loads(figures.read_text())["cases"]["gpu_check"]["report"]
    families = report["families"]
    assert {fam["family"] for fam in families.values()} == set(FAMILIES)
    for name, fam in families.items():
        assert "error" not in fam, (name, fam.get("error"))
        for way in ("ours", "plain"):
            assert fam[way]["steps"] >= 2, (name, way)
            assert fam[way]["step_s"] > 0
            assert fam[way]["load_s"] > 0
        assert fam["ours"]["bytes_written"] > 0
        assert fam["step_tflop"] > 0  # FlopCounterMode saw the denoiser's work
        assert fam["ours_over_plain_step"] > 0
    table = figures.with_suffix(".md").read_text()
    assert all(name in table for name in families)


def test_every_family_is_checked_on_one_model() -> None:
    entries = default_entries()
    assert sorted(e.family.name for e in entries) == sorted(FAMILIES)


def test_known_cards_have_their_bf16_peak() -> None:
    assert bf16_peak_tflops("NVIDIA H100 80GB HBM3") == 989.0
    assert bf16_peak_tflops("NVIDIA H100 PCIe") == 756.0
    assert bf16_peak_tflops("NVIDIA A10G") == 70.0
    assert bf16_peak_tflops("Tesla T4") == 65.0
    assert bf16_peak_tflops("Some Future Card") is None
    assert bf16_peak_tflops(None) is None


def test_every_family_has_a_plain_recipe_and_a_full_size_checkpoint() -> None:
    from bench.gpu.checkpoints import FULL_SIZE
    from bench.gpu.plain import RECIPES

    assert set(RECIPES) == set(FAMILIES)
    assert set(FULL_SIZE) == set(FAMILIES)
