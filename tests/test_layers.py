"""The architecture's one hard rule, guarded: the UI and the models stay apart."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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


def test_studio_never_imports_model_libraries():
    assert offenders("studio", {"torch", "diffusers", "transformers"}) == {}


def test_importing_the_ui_side_loads_no_model_library():
    # Transitive imports count too: the studio imports engines' params and settings.
    code = (
        "import sys, engines.settings, engines.video, engines.music, engines.registry;"
        "heavy = {'torch', 'diffusers', 'transformers'} & set(sys.modules);"
        "print(sorted(heavy)); sys.exit(1 if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
