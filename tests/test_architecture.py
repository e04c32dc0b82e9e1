"""The layout the design promises, checked: layers point down, stages keep their insides,
no import cycles, each package's public face is exactly its ``__all__``, modules stay small,
and only the store runs SQL."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

import evidence

SRC = Path(evidence.__file__).resolve().parent
# Lowest first. A module may import from its own layer's package and from lower layers; the
# four stages sit side by side and see one another only through their public faces.
LAYERS = {
    "errors": 0,
    "config": 0,
    "records": 0,
    "lang": 0,
    "i18n": 0,
    "files": 0,
    "places": 0,
    "library": 1,
    "pdf": 1,
    "fieldwork": 1,
    "coding": 1,
    "exchange": 1,
    "store": 2,
    "analysis": 3,
    "report": 4,
    "workbook": 5,
    "cli": 6,
}
PACKAGES = sorted(
    {"evidence"}
    | {f"evidence.{name}" for name in LAYERS if (SRC / name).is_dir()}
    | {"evidence.library.zotero"}
)
MAX_LINES = 600
# The root face and the entry point load the workbook and the command line on first use.
_LAZY_ROOT = {"evidence", "evidence.__main__"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(("evidence", *parts)), path


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str, path: Path) -> Iterator[tuple[str, ast.AST, bool]]:
    """Yield (imported module, node, at top level) for every import of ``evidence``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Imports of the module body, and of its top-level ``if TYPE_CHECKING:`` blocks.
    top = {id(node) for node in tree.body} | {
        id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body
    }
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node, path.name == "__init__.py")
            names = [target]
            if node.module is None or target.count(".") == 0:
                names = [f"{target}.{a.name}" for a in node.names]
        for name in names:
            if name == "evidence" or name.startswith("evidence."):
                yield name, node, id(node) in top


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_private(target: str) -> bool:
    return any(part.startswith("_") for part in target.split(".")[1:])


def test_layers_point_down_and_stages_keep_their_insides() -> None:
    problems = []
    for module, path in _modules():
        own = _package(module)
        if not own or module in _LAZY_ROOT:
            continue  # the top-level face and the entry point (python -m evidence)
        for target, _, _ in _imports(module, path):
            other = _package(target)
            if not other or other == own:
                continue
            if LAYERS[other] > LAYERS[own]:
                problems.append(f"{module} imports {target} from a higher layer")
            elif _is_private(target):
                problems.append(f"{module} imports {target}, a private module of {other}/")
    assert problems == [], "\n".join(problems)


def test_imports_sit_at_the_top_of_modules() -> None:
    """A function-level import only for a heavy dependency, with a comment saying why."""
    problems = []
    for module, path in _modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        top = set(map(id, tree.body))
        guarded = {
            id(n) for node in tree.body if isinstance(node, ast.If) for n in ast.walk(node)
        }  # ``if TYPE_CHECKING:`` blocks
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom) or id(node) in top | guarded:
                continue
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            # The root face (PEP 562) and the entry point load the workbook lazily, so that
            # a PDF worker does not import pandas: the only function-level imports of another
            # package, still with their why.
            own = (isinstance(node, ast.ImportFrom) and node.level) or module in _LAZY_ROOT
            outside = [
                n for n in names if n.startswith("evidence.") and _package(n) != _package(module)
            ]
            if not own and (outside or "evidence" in names):
                problems.append(f"{module}:{node.lineno} imports another package in a function")
                continue
            if not _explained(lines, node.lineno):
                problems.append(f"{module}:{node.lineno} imports {names} in a function, no why")
    assert problems == [], "\n".join(problems)


def _explained(lines: list[str], lineno: int) -> bool:
    """Whether the import at ``lineno`` (or the block of imports it ends) says why."""
    at = lineno - 1
    if "#" in lines[at]:
        return True
    while at > 0:
        above = lines[at - 1].strip()
        if above.startswith("#"):
            return True
        if not above.startswith(("import ", "from ")):
            return False
        at -= 1
    return False


def test_there_are_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    modules = dict(_modules())
    for module, path in modules.items():
        graph[module] = set()
        for target, _, at_top in _imports(module, path):
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]  # `from evidence.x import name`
            if at_top and target != module:
                graph[module].add(target)
    # A package's face importing its own modules is how a package is made, not a cycle.
    for module in graph:
        graph[module] = {t for t in graph[module] if not module.startswith(t + ".")}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_exports_exactly_its_public_names(package: str) -> None:
    """``__all__`` lists every public name of the face, and only those (as httpx checks)."""
    face = importlib.import_module(package)
    for name in face.__all__:  # a lazy face (PEP 562) binds its names on first use
        getattr(face, name)
    submodules = {m.name for m in pkgutil.iter_modules(face.__path__)}
    public = {
        name
        for name, value in vars(face).items()
        if (not name.startswith("_") or name == "__version__")
        and name not in submodules
        and name != "annotations"
        and not isinstance(value, types.ModuleType)
    }
    assert set(face.__all__) == public
    assert len(face.__all__) == len(set(face.__all__))
    assert face.__doc__, f"{package} says in its docstring what it is for"


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


def test_each_module_lists_the_public_names_it_defines() -> None:
    wrong = {}
    for module, path in _modules():
        if path.name in ("__init__.py", "__main__.py"):
            continue
        listed = set(getattr(importlib.import_module(module), "__all__", ()))
        if listed != _defined(path):
            wrong[module] = sorted(listed ^ _defined(path))
    assert wrong == {}


def test_no_module_is_longer_than_600_lines() -> None:
    long = {
        module: n
        for module, path in _modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_only_the_store_runs_sql() -> None:
    problems = []
    for module, path in _modules():
        if _package(module) == "store":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "sqlite3" for a in node.names):
                problems.append(f"{module} imports sqlite3")
            if isinstance(node, ast.Attribute) and node.attr in ("db", "_frame", "execute"):
                problems.append(f"{module}:{node.lineno} reaches the connection (.{node.attr})")
    assert problems == [], "\n".join(problems)
