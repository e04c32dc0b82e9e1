"""The coding package's public names: the face lists exactly what it holds, modules likewise."""

from __future__ import annotations

import ast
import importlib
from graphlib import TopologicalSorter
from pathlib import Path

import evidence.coding

PACKAGE = Path(evidence.coding.__file__).parent
MODULES = sorted(p for p in PACKAGE.glob("_*.py") if p.name != "__init__.py")


def _defined(path: Path) -> set[str]:
    """Return the public names a module defines at its top level (not those it imports)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return {name for name in names if not name.startswith("_")}


def test_the_face_exports_exactly_its_public_names() -> None:
    public = [name for name in vars(evidence.coding) if not name.startswith("_")]
    assert evidence.coding.__all__ == sorted(public, key=str.casefold)


def test_each_module_lists_the_public_names_it_defines() -> None:
    for path in MODULES:
        module = importlib.import_module(f"evidence.coding.{path.stem}")
        assert sorted(module.__all__) == sorted(_defined(path)), path.name


def test_modules_import_each_other_one_way() -> None:
    graph: dict[str, set[str]] = {}
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[path.stem] = {
            node.module.rsplit(".", 1)[1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("evidence.coding.")
        }
    # static_order raises CycleError on a cycle, naming it.
    assert len(list(TopologicalSorter(graph).static_order())) == len(graph)
