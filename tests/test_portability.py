"""Every module of the workbook imports where POSIX-only modules do not exist (Windows)."""

from __future__ import annotations

import json
import subprocess
import sys

# The standard modules Windows lacks. files.hold_lock takes msvcrt there, fcntl elsewhere,
# each imported where it is used.
POSIX_ONLY = ("fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "syslog", "crypt")

SCRIPT = f"""\
import importlib, json, pkgutil, sys
for name in {POSIX_ONLY!r}:
    sys.modules[name] = None  # import fails, as on Windows
import evidence
failed = []
for info in pkgutil.walk_packages(evidence.__path__, "evidence."):
    if info.name.endswith("__main__"):
        continue  # runs the command line
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed.append([info.name, str(exc)])
print(json.dumps(failed))
"""


def test_no_module_imports_a_posix_only_module_when_it_is_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_check_notices_a_posix_only_import() -> None:
    probe = SCRIPT.replace("import evidence\n", "import evidence\nimport fcntl\n", 1)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "ModuleNotFoundError" in done.stderr or "ImportError" in done.stderr
