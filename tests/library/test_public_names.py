"""The library package's public face, and what its modules may import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import evidence.library
import evidence.library.zotero

FACES = [evidence.library, evidence.library.zotero]
PACKAGE = "evidence.library"
FOUNDATION = {"errors", "config", "records", "lang", "files"}
STAGES = {"library", "pdf", "fieldwork", "coding"}


@pytest.mark.parametrize("face", FACES, ids=lambda m: m.__name__)
def test_all_names_exactly_the_public_names_of_the_face(face) -> None:
    public = {name for name in dir(face) if not name.startswith("_")}
    assert sorted(face.__all__) == sorted(public)
    assert face.__doc__


def _allowed(module: str) -> bool:
    parts = module.split(".")
    if module == PACKAGE or module.startswith(PACKAGE + "."):
        return True
    if parts[0] != "evidence":
        return True  # not the project's
    if len(parts) == 1:
        return False  # the root imports the workbook, a layer above the stages
    if len(parts) == 2 and parts[1] in FOUNDATION:
        return True
    # Another stage, through its public face only.
    return parts[1] in STAGES and not any(p.startswith("_") for p in parts)


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "evidence":
                found += [f"evidence.{a.name}" for a in node.names]
            else:
                found.append(node.module)
    return found


def test_modules_import_only_the_foundation_and_other_stages_faces() -> None:
    root = Path(evidence.library.__file__).parent
    wrong = [
        f"{path.relative_to(root)}: {module}"
        for path in sorted(root.rglob("*.py"))
        for module in _imports(path)
        if not _allowed(module)
    ]
    assert wrong == []
