"""The dependency rules of SPEC 2.0, checked: the import-linter contracts (.importlinter),
no import cycle anywhere in the project, and no sessions_app row written outside it."""
from __future__ import annotations

import ast
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("agents_app", "sessions_app", "whiteboard_app", "boards_app", "tutor_project")
WRITES = {"create", "bulk_create", "bulk_update", "update", "update_or_create", "get_or_create", "delete", "save"}


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_back():
    """import-linter's acyclic_siblings sees cycles inside an app; this sees them across apps too."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)
    order = TopologicalSorter({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    try:
        order.prepare()
    except CycleError as exc:
        raise AssertionError(f"import cycle: {' imports '.join(reversed(exc.args[1]))}") from None


def test_only_sessions_app_writes_its_rows():
    """Outside sessions_app, a sessions_app model's manager is only read; writes are its actions'."""
    found = [f"{path.relative_to(ROOT)}:{line}" for package in PACKAGES if package != "sessions_app"
             for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts
             for line in _domain_writes(ast.parse(path.read_text()))]
    assert found == []


def _domain_writes(tree: ast.Module) -> list[int]:
    """Lines calling a write method on a chain that starts at a model imported from sessions_app.models."""
    models = {alias.asname or alias.name for node in ast.walk(tree)
              if isinstance(node, ast.ImportFrom) and node.module == "sessions_app.models" for alias in node.names}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
            and _chain_root(node.func.value) in models]


def _chain_root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None
