"""``evidence --version`` names the one version the package carries, and its PDF engine."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import evidence


def test_version_comes_from_one_place() -> None:
    assert importlib.metadata.version("evidence-workbook") == evidence.__version__
    done = subprocess.run(
        [sys.executable, "-m", "evidence", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith(f"evidence {evidence.__version__} ")
    assert "MuPDF" in done.stdout
