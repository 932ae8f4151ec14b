"""The house rules of docs/architecture.md: no import circles, small modules, a light CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("shared", "runtime", "designer")
SAMPLE = ROOT / "assets" / "samples" / "loan-approval.json"
HEAVY = ("fastapi", "nicegui", "sqlalchemy", "uvicorn", "runtime.engine")


def test_no_import_circle_between_any_two_modules() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    imports = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            imports.add_edge(module, imported)
    circles = [sorted(c) for c in nx.strongly_connected_components(imports) if len(c) > 1]
    assert circles == []


def test_the_layer_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for package in PACKAGES
            for p in (ROOT / package).rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_at_most_eight_modules_stay_directly_in_runtime() -> None:
    assert len(list((ROOT / "runtime").glob("*.py"))) <= 8


def test_the_cli_for_validate_and_help_imports_no_web_stack_nor_database() -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from runtime.cli import app\n"
        f"done = CliRunner().invoke(app, ['validate', {str(SAMPLE)!r}])\n"
        "assert done.exit_code == 0, done.output\n"
        "CliRunner().invoke(app, ['--help'])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
