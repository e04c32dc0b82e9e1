"""``evidence --version`` names the one version the package carries, and its PDF engine."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import evidence


def test_version_comes_from_one_place() -> None:
    assert importlib.metadata.version("evidence-workbook") == evidence.__version__
    done = subprocess.run(
        [sys.executable, "-m", "evidence", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith(f"evidence {evidence.__version__} ")
    assert "MuPDF" in done.stdout


def test_citation_and_changelog_name_the_same_version() -> None:
    root = Path(__file__).resolve().parents[2]
    citation = (root / "CITATION.cff").read_text(encoding="utf-8")
    assert f"\nversion: {evidence.__version__}\n" in citation
    changelog = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{evidence.__version__}]" in changelog
