"""The architecture's rules, guarded: the UI and the models stay apart, and the pages reach
the job system only through the studio's own modules."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "studio" / "ui" / "app_pages"
# What a page may import besides studio/, Streamlit and the standard library: the engines'
# declared params (with their bounds), the catalog of models, and the errors those raise.
PAGE_ENGINE_MODULES = {
    "engines.catalog",
    "engines.combine",
    "engines.errors",
    "engines.families.musicgen",
    "engines.validation",
    "engines.families.text_to_video_sd",
}


def imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def offenders(package: str, forbidden: set[str]) -> dict[str, set[str]]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_top_modules(path) & forbidden
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_engines_never_import_streamlit():
    assert offenders("engines", {"streamlit"}) == {}


def test_engines_are_the_bottom_layer_and_import_neither_jobs_nor_the_studio():
    assert offenders("engines", {"jobs", "studio"}) == {}


def test_studio_never_imports_model_libraries():
    assert offenders("studio", {"torch", "diffusers", "transformers"}) == {}


def test_importing_the_ui_side_loads_no_model_library():
    # Transitive imports count too: the studio imports engines' params and settings, and the
    # catalog imports every family file (their engines import torch only in load()).
    families = sorted(p.stem for p in (ROOT / "engines" / "families").glob("*.py"))
    code = (
        "import importlib, sys, engines.settings, engines.registry, engines.catalog;"
        f"[importlib.import_module('engines.families.' + name) for name in {families!r}];"
        "import engines.params, studio.ui.components.model_form;"
        "[(e.params_class(), e.engine_class(), e.tiny) for e in engines.catalog.CATALOG.values()];"
        "heavy = {'torch', 'diffusers', 'transformers'} & set(sys.modules);"
        "print(sorted(heavy)); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "text_to_video_sd" in families and "results" in families


def test_every_family_file_declares_one_family_the_catalog_knows():
    from engines.catalog import CATALOG, FAMILIES

    declared = {}
    for path in sorted((ROOT / "engines" / "families").glob("*.py")):
        module = importlib.import_module(f"engines.families.{path.stem}")
        if hasattr(module, "FAMILY"):
            declared[module.FAMILY.name] = module.FAMILY
    assert declared == FAMILIES
    assert {entry.family.name for entry in CATALOG.values()} == set(FAMILIES)


def runtime_imports(path: Path) -> set[str]:
    """The modules ``path`` imports when it runs, at the top or in a function (not the
    ones under ``if TYPE_CHECKING:``, which only the type checker reads)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_catalog_the_params_and_the_families_import_no_circle():
    # The catalog imports the families, which import the params: none imports back up.
    below_the_catalog = [ROOT / "engines" / "params.py", ROOT / "engines" / "loading.py"]
    for path in [*below_the_catalog, *sorted((ROOT / "engines" / "families").glob("*.py"))]:
        found = {m for m in runtime_imports(path) if m in ("engines.catalog", "engines.settings")}
        assert not found, f"{path.relative_to(ROOT)} imports {found}"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def importers_of(folder: str, module: str) -> dict[str, set[str]]:
    """The files under ``folder`` that import ``module`` or anything inside it."""
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        bad = {n for n in imported_modules(path) if n == module or n.startswith(module + ".")}
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_the_ui_never_imports_the_web_layer():
    # Both sides build file URLs from studio.urls; the pages never reach for a route.
    assert importers_of("studio/ui", "studio.web") == {}


def test_the_web_layer_never_imports_the_ui():
    assert importers_of("studio/web", "studio.ui") == {}


def test_accounts_import_neither_streamlit_nor_starlette():
    # The token command and both sides of the studio use them.
    assert offenders("studio/accounts", {"streamlit", "starlette"}) == {}


def test_pages_reach_the_job_system_only_through_studio_modules():
    page_files = sorted(PAGES.rglob("*.py"))
    assert page_files, f"no pages under {PAGES}"
    outside = {}
    for path in page_files:
        bad = {
            name
            for name in imported_modules(path)
            if name.split(".")[0] in {"engines", "jobs"} and name not in PAGE_ENGINE_MODULES
        }
        if bad:
            outside[str(path.relative_to(ROOT))] = bad
    assert outside == {}
