"""bench.report: result file names, merging case by case, JSON and markdown writing."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench.report import load_results, merge_case, render_document, results_path, write_json


def test_quick_runs_never_replace_a_full_run(tmp_path: Path) -> None:
    assert results_path(tmp_path, "cpu", "2026-11-22", False).name == "cpu-2026-11-22.json"
    assert results_path(tmp_path, "cuda", "2026-11-22", True).name == "cuda-2026-11-22-quick.json"


def test_a_case_run_replaces_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "cpu.json"
    assert load_results(path) == {"cases": {}}
    first = merge_case(load_results(path), "video", {"step": 1.0}, {"repeats": 2})
    write_json(path, first)
    second = merge_case(load_results(path), "music", {"rate": 7.0}, {"repeats": 3})
    third = merge_case(second, "video", {"step": 0.5}, {"repeats": 1})

    assert first["cases"].keys() == {"video"}  # merging does not change its input
    assert third["cases"]["video"] == {"run": {"repeats": 1}, "report": {"step": 0.5}}
    assert third["cases"]["music"]["report"] == {"rate": 7.0}


def test_json_has_no_nan_or_infinity_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    path = tmp_path / "results" / "cpu.json"
    write_json(path, {"a": math.nan, "b": [math.inf, -math.inf, 1.5], "c": (1, 2)})
    assert json.loads(path.read_text()) == {"a": None, "b": ["inf", "-inf", 1.5], "c": [1, 2]}
    assert [p.name for p in path.parent.iterdir()] == ["cpu.json"]


def test_document_has_the_machine_and_every_case() -> None:
    results = {
        "date": "2026-11-22",
        "machine": {"device": "cpu", "cpu": "AMD EPYC", "versions": {"torch": "2.13.0"}},
        "cases": {
            "music": {"run": {"seconds": 12.0, "quick": True, "repeats": 2}, "report": {"x": 3}},
            "video": {"run": {}, "report": {"error": "RuntimeError: out of memory"}},
            "registry": {"run": {}, "report": {"old": 1}},
        },
    }
    renderers = {"music": lambda r: f"x is {r['x']}", "registry": lambda r: f"{r['new']}"}
    text = render_document(results, renderers)
    assert text.startswith("# Benchmarks: cpu, 2026-11-22")
    assert "AMD EPYC" in text and "torch 2.13.0" in text
    assert "## music" in text and "x is 3" in text
    assert "## video" in text and "Failed: RuntimeError: out of memory" in text
    assert "Not shown: this report lacks 'new'" in text  # a report from an older bench
