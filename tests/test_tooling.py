"""The project's own checks: notebooks committed without outputs, tested lower bounds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / script), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_committed_notebooks_have_no_outputs():
    done = _run("check_notebooks.py")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_notebook_with_outputs_is_refused_then_cleared(tmp_path):
    source = ROOT / "notebooks" / "01_library_overview.ipynb"
    notebook = json.loads(source.read_text(encoding="utf-8"))
    code = [i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code"]
    cell = notebook["cells"][code[0]]
    cell["execution_count"] = 3
    cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["Jan Peeters\n"]}]
    path = tmp_path / "run.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")

    refused = _run("check_notebooks.py", str(path))
    assert refused.returncode == 1
    assert f"cells {code[0] + 1} have outputs" in refused.stdout

    cleared = _run("check_notebooks.py", "--clear", str(path))
    assert cleared.returncode == 0
    assert "Jan Peeters" not in path.read_text(encoding="utf-8")
    assert _run("check_notebooks.py", str(path)).returncode == 0


def test_lowest_constraints_pin_every_runtime_dependency_to_its_lower_bound():
    done = _run("lowest_constraints.py")
    assert done.returncode == 0, done.stderr
    pins = dict(line.split("==") for line in done.stdout.split())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["dependencies"]:
        name, lower = re.match(r"([A-Za-z0-9_.-]+).*?>=\s*([^,]+)", requirement).groups()
        assert pins[name] == lower, requirement
    # the test tools keep the versions everything else is tested with
    pinned = (ROOT / "constraints.txt").read_text(encoding="utf-8").split()
    assert f"pytest=={pins['pytest']}" in pinned


def test_environment_yml_installs_the_pinned_set_and_one_pandoc():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert sorted(d.split(">")[0].split("=")[0] for d in conda) == ["pip", "python"]
    assert "-c constraints.txt" in pip
    assert any(line.startswith("-e .") for line in pip)
