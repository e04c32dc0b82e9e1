"""Write the constraints that install the lowest versions pyproject.toml allows.

Every runtime dependency (and the ``suggest`` and ``dask`` extras) is pinned to its lower
bound, so a run of the fast tests on them shows the bounds are true, not hoped for. The test
tools (pytest, nbval, ruff, mypy) keep the versions of constraints.txt: they are not what a
user installs.
Dependencies of dependencies are left to the resolver.

    python scripts/lowest_constraints.py > lowest.txt
    pip install -c lowest.txt -e ".[test]"
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lowest(requirement: str) -> tuple[str, str] | None:
    """Return (name, lowest version) of one requirement, or None when it has no lower bound."""
    found = _REQ.match(requirement.split(";")[0])
    if not found:
        raise ValueError(f"cannot read the requirement {requirement!r}")
    name, spec = found.group(1), found.group(3)
    bound = re.search(r"(?:>=|==|~=)\s*([0-9][^,\s]*)", spec)
    return (name, bound.group(1)) if bound else None


def constraints(root: Path = ROOT) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    pins: dict[str, str] = {}
    for requirement in [*project["dependencies"], *extras["suggest"], *extras.get("dask", [])]:
        found = lowest(requirement)
        if found is None:
            raise SystemExit(f"{requirement!r} has no lower bound: give it one in pyproject.toml")
        pins[_normal(found[0])] = f"{found[0]}=={found[1]}"
    runtime = set(pins)
    pinned = {}
    for line in (root / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            pinned[_normal(line.split("==")[0])] = line.strip()
    for requirement in extras["test"]:
        found = lowest(requirement)
        name = _normal(found[0] if found else _REQ.match(requirement).group(1))  # type: ignore[union-attr]
        if name not in runtime and name in pinned:
            pins[name] = pinned[name]
    return [pins[name] for name in sorted(pins)]


def main() -> int:
    sys.stdout.write("".join(f"{line}\n" for line in constraints()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
