"""Worker processes die with the process that started them, however it dies.

A build killed with SIGKILL runs no cleanup, so its extraction workers must notice by
themselves. Each worker, as it starts, (1) asks Linux to send it SIGKILL when its parent
dies (``prctl(PR_SET_PDEATHSIG)``; this fires even while the worker is busy inside MuPDF),
and (2) runs a watcher thread that exits the worker once the build is gone (its parent
changed, or the build's pid no longer exists): the guard where there is no prctl, and for
workers started by a fork server, whose parent is the server. Workers stay in the build's
process group, so ``kill -- -PGID`` (systemd, a shell's job control) reaches them too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

__all__ = ["bind_to_parent"]

_PR_SET_PDEATHSIG = 1
_POLL = 0.5  # seconds between the watcher's checks


def _die_with_parent() -> None:
    """Linux: have the kernel kill this process when its parent dies."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return  # no libc prctl (musl without it, a sandbox): the watcher still guards


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, owned by someone else (cannot be ours, but do not guess)
    return False


def _watch(build: int, parent: int) -> None:
    while True:
        if os.getppid() != parent or _gone(build):
            os._exit(1)  # no cleanup to run: the worker holds nothing of its own
        time.sleep(_POLL)


def bind_to_parent(build: int) -> None:
    """Pool initializer: make this worker end when the build ``build`` (a pid) ends.

    Never raises: a worker that cannot bind itself still works.
    """
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent or _gone(build):
        os._exit(1)  # the parent died before prctl took effect
    threading.Thread(
        target=_watch, args=(build, parent), name="evidence-parent", daemon=True
    ).start()
