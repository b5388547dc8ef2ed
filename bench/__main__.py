"""python -m bench [--quick] [--device cpu|cuda] [--cases video,music,...] [--repeats N]

Runs the cases one after another in this process, prints each one's markdown table as
it finishes, and merges the figures into bench/results/<device>-<date>[-quick].json,
with the machine, library versions and settings, and the whole table beside it (.md).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Weights never download here, and progress bars would litter the tables.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")

# Case name -> module with run(...) and markdown(report); in the order they run.
CASES = {
    "video": "bench.video",
    "video_knobs": "bench.video_knobs",
    "variations": "bench.variations",
    "wan": "bench.wan",
    "ltx": "bench.ltx",
    "ltx_fast": "bench.ltx_fast",
    "wan22": "bench.wan22",
    "wan22_fast": "bench.wan22_fast",
    "wan21_fast": "bench.wan21_fast",
    "music": "bench.music",
    "long_music": "bench.long_music",
    "registry": "bench.registry",
    "queue": "bench.queue_overhead",
    "combine": "bench.combine",
    "previews": "bench.previews",
    "web_files": "bench.web_files",
    "library_page": "bench.library_page",
    "library_gallery": "bench.library_gallery",
    "upload_memory": "bench.upload_memory",
    "storyboard": "bench.storyboard",
    "gpu_check": "bench.gpu.check",
    "extend": "bench.extend",
}
# Cases from other issues: CPU-only, with their own run(quick=...) signature.
QUICK_ONLY_SIGNATURE = {
    "queue",
    "combine",
    "previews",
    "web_files",
    "library_page",
    "library_gallery",
    "upload_memory",
    "storyboard",
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cases = _cases(args.cases)
    repeats = args.repeats or (2 if args.quick else 3)
    _quiet_libraries()

    from bench.measure import machine_info
    from bench.report import (
        load_results,
        merge_case,
        render_document,
        results_path,
        write_json,
    )

    date = datetime.date.today().isoformat()
    path = results_path(args.out, args.device, date, args.quick)
    failed = False
    for case in cases:
        module = importlib.import_module(CASES[case])
        run_info: dict[str, Any] = {
            "quick": args.quick,
            "repeats": repeats,
            "device": args.device,
            "load_before": list(os.getloadavg()),
        }
        started = time.perf_counter()
        try:
            report = _run_case(case, module, args, repeats)
        except Exception as exc:  # one failing case must not lose the others' figures
            traceback.print_exc()
            report = {"error": f"{type(exc).__name__}: {exc}"}
            failed = True
        run_info |= {
            "seconds": time.perf_counter() - started,
            "load_after": list(os.getloadavg()),
            "finished_at": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        results = merge_case(load_results(path), case, report, run_info)
        results |= {"date": date, "machine": machine_info(args.device)}
        write_json(path, results)
        renderers = _renderers(results)
        path.with_suffix(".md").write_text(render_document(results, renderers))
        print(f"\n## {case}\n")
        print(report["error"] if "error" in report else module.markdown(report), flush=True)
    print(f"\nFigures: {path}\nTable: {path.with_suffix('.md')}")
    return 1 if failed else 0


def _run_case(case: str, module: Any, args: argparse.Namespace, repeats: int) -> dict[str, Any]:
    if case in QUICK_ONLY_SIGNATURE:
        if args.device != "cpu":
            print(f"{case}: runs on the CPU whatever --device says", file=sys.stderr)
        report: dict[str, Any] = module.run(quick=args.quick)
        return report
    result: dict[str, Any] = module.run(
        device=args.device, quick=args.quick, repeats=repeats, models=args.models
    )
    return result


def _renderers(results: dict[str, Any]) -> dict[str, Callable[[dict[str, Any]], str]]:
    return {
        case: importlib.import_module(CASES[case]).markdown
        for case in results["cases"]
        if case in CASES
    }


def _cases(value: str | None) -> list[str]:
    if not value:
        return list(CASES)
    wanted = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in CASES]
    if unknown:
        raise SystemExit(f"Unknown case(s) {', '.join(unknown)}; known: {', '.join(CASES)}.")
    return [name for name in CASES if name in wanted]


def _quiet_libraries() -> None:
    try:
        import diffusers.utils.logging as diffusers_logging
        import transformers.utils.logging as transformers_logging
    except ImportError:
        return
    diffusers_logging.disable_progress_bar()
    transformers_logging.disable_progress_bar()


def _parser() -> argparse.ArgumentParser:
    from bench.full_size import DEFAULT_ROOT
    from bench.report import RESULTS_DIR

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[2])
    parser.add_argument(
        "--quick", action="store_true", help="smaller clips and audio, fewer repeats"
    )
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--cases", help=f"comma-separated subset of: {', '.join(CASES)}")
    parser.add_argument(
        "--repeats", type=int, help="interleaved repeats per case (default 2 quick, 3 full)"
    )
    parser.add_argument(
        "--models",
        type=Path,
        default=DEFAULT_ROOT,
        help=f"where the full-size random checkpoints are built once (default {DEFAULT_ROOT})",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
