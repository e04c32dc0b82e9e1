"""A build sends nothing anywhere: no connection leaves this machine, and nothing is written
in the user's home but the usual caches of matplotlib and Jupyter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_workbook

pytestmark = pytest.mark.slow

# Loaded by every Python process of the build (the command, its PDF workers, the notebook
# kernels), through PYTHONPATH: an audit hook writes down each connection and name lookup
# that is not for this machine.
GUARD = """\
import ipaddress, json, os, socket, sys

_LOG = os.environ["EVIDENCE_TEST_NETLOG"]
_LOCAL = {"localhost", "127.0.0.1", "::1", "", None}


def _local(host):
    if host in _LOCAL:
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event, args):
    if event in ("socket.connect", "socket.sendto", "socket.bind"):
        sock, address = args[0], args[-1]
        if sock.family == socket.AF_UNIX or not isinstance(address, tuple):
            return
        host = address[0]
    elif event in ("socket.getaddrinfo", "socket.gethostbyname"):
        host = args[0]
        if isinstance(host, bytes):
            host = host.decode()
    else:
        return
    if not _local(host) and host != socket.gethostname():
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps([os.getpid(), event, str(host)]) + "\\n")


sys.addaudithook(_hook)
"""

# What a build may leave in an empty home: the font cache of matplotlib and Jupyter's
# runtime and data folders (kernel connection files).
ALLOWED = (
    ".cache/matplotlib",
    ".config/matplotlib",
    ".matplotlib",
    ".local/share/jupyter",
    ".jupyter",
    ".ipython",
    ".cache/fontconfig",
)


def test_a_build_connects_to_nothing_and_writes_only_caches_in_home(tmp_path: Path) -> None:
    root = make_workbook(tmp_path / "wb")
    home = tmp_path / "home"
    home.mkdir()
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    netlog = tmp_path / "net.log"
    netlog.touch()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("XDG_", "MPL", "JUPYTER", "IPYTHON", "ORT_"))
    }
    env.update(
        HOME=str(home),
        PYTHONPATH=os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")])),
        EVIDENCE_TEST_NETLOG=str(netlog),
    )
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.getaddrinfo('example.org', 443)"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "example.org" in netlog.read_text(encoding="utf-8"), probe.stderr  # the guard works
    netlog.write_text("", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(root), "build", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["chapters"], "the build rendered its chapter"
    assert netlog.read_text(encoding="utf-8") == ""
    written = sorted(
        str(p.relative_to(home)) for p in home.rglob("*") if p.is_file() or p.is_symlink()
    )
    assert [p for p in written if not p.startswith(ALLOWED)] == []
    assert not (home / ".cache" / "Microsoft").exists()  # onnxruntime's telemetry store


def test_the_package_turns_onnxruntime_telemetry_off_before_anything_imports_it() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    code = "import os, evidence.pdf; print(os.environ.get('ORT_DISABLE_TELEMETRY'))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.stdout.strip() == "1"
    code = "import importlib.util; print(importlib.util.find_spec('onnxruntime'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "None"  # and the PDF engine does not install it
