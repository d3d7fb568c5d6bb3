"""The shape of the package (issue 12): no import circle, modules of one job, one
private layer for the libraries underneath.

import-linter checks the layers and the private-layer contract (pyproject.toml);
these tests check what it cannot: that the contract names every public module,
that no import circle exists (grimp's graph includes imports behind
TYPE_CHECKING, which are circles too once something calls them at run time),
that engines are made only in the private layer, and the 300-line limit.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "homecare"
PRIVATE = ("homecare._es", "homecare._sql", "homecare._migrations")
MAX_LINES = 300


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "_migrations" not in p.parts)


def _private_contract() -> dict[str, object]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"].startswith("Only the private layer")]
    return contract


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    imported = sorted(graph.find_modules_directly_imported_by(child))
                    work.append((child, iter(imported)))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_circle_even_behind_type_checking() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    graph = grimp.build_graph("homecare", cache_dir=None)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_circle() -> None:
    graph = grimp.ImportGraph()
    for name in ("p.a", "p.b", "p.c"):
        graph.add_module(name)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.b", imported="p.c")
    assert _cycles(graph) == [["p.a", "p.b"]]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_module_is_at_most_300_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_private_layer_contract_names_every_public_module() -> None:
    sources = set(_private_contract()["source_modules"])  # type: ignore[arg-type]
    for path in SRC.iterdir():
        name = path.stem if path.suffix == ".py" else path.name
        if name.startswith("__") or (path.is_dir() and not (path / "__init__.py").exists()):
            continue
        if path.suffix not in (".py", "") or f"homecare.{name}".startswith(PRIVATE):
            continue
        assert f"homecare.{name}" in sources, f"homecare.{name} is not in the contract"


def _calls(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called == name:
                return True
    return False


def test_only_the_private_layer_makes_engines() -> None:
    makers = [
        str(p.relative_to(SRC))
        for p in _modules()
        if _calls(p, "create_engine") and not str(p.relative_to(SRC)).startswith("_sql")
    ]
    assert makers == []


def test_the_package_root_imports_no_library_internals() -> None:
    """import-linter cannot hold the root package to the contract (it contains every
    module), so its own imports are checked here against the same forbidden list."""
    forbidden = tuple(_private_contract()["forbidden_modules"])  # type: ignore[arg-type]
    tree = ast.parse((SRC / "__init__.py").read_text(encoding="utf-8"))
    imported = [
        name
        for node in ast.walk(tree)
        for name in (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
    ]
    assert imported, "the root imports something"
    assert [n for n in imported for f in forbidden if n == f or n.startswith(f + ".")] == []
