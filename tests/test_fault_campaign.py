"""The fault campaign, in small: damaged inputs of every kind and a kill, run as real builds.

``scripts/fault_campaign.py`` runs the whole campaign (minutes); this runs a spread of its
cases: every build exits 0, 1 or 2 as documented, prints no traceback, leaves no process
behind, leaks no listed name, and builds what was not damaged.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="counts processes in /proc (Linux)")
def test_damaged_inputs_and_a_kill_break_no_promise() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fault_campaign.py"), "--limit", "14", "--json"],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )
    result = json.loads(done.stdout)
    figures = result["figures"]
    assert result["broken"] == [], result["broken"]
    assert figures["tracebacks"] == figures["orphans"] == figures["leaks"] == 0
    assert figures["rest not built"] == 0 and figures["kills"] == 1
    assert figures["inputs"] == 14
    assert set(figures) & {"exit 3", "exit 130"} == set()
    assert figures.get("exit 1", 0) + figures.get("exit 2", 0) >= 7  # most damage is seen
