"""Writing files people own or read: whole or not at all, and one writer at a time.

Every file the workbook writes beside the store (the decisions, the pseudonym key, the
snapshot of a Zotero library, briefs, downloads) goes through :func:`write_atomic`: the
content lands in a temporary file of the same folder, which then replaces the target in one
rename, so a reader or a killed process never sees half a file. :func:`hold_lock` takes an
exclusive lock that the operating system releases when its holder dies, however it dies.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["LockHeld", "hold_lock", "write_atomic"]

# A temporary file is made readable by its owner only; a shared file gets the usual mode.
_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(
    path: str | Path,
    data: str | bytes,
    *,
    private: bool = False,
    if_changed: bool = False,
) -> bool:
    """Write ``data`` (text as UTF-8) to ``path`` in one rename; return whether it was written.

    ``private`` leaves the file readable by its owner only (a re-identification key);
    ``if_changed`` leaves an identical file untouched, its modification time included.
    """
    file = Path(path)
    content = data.encode("utf-8") if isinstance(data, str) else data
    if if_changed and file.is_file() and file.read_bytes() == content:
        return False
    file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{file.name}.", dir=file.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600 if private else 0o666 & ~_UMASK)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


class LockHeld(Exception):
    """The lock is held by another process (``holder``: its pid, as it wrote it, or "")."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by process {holder or 'unknown'}")
        self.path, self.holder = path, holder


def _try_lock(handle: IO[str]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt  # the Windows counterpart of fcntl

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # POSIX only: imported where it exists

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt  # the Windows counterpart of fcntl

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl  # POSIX only: imported where it exists

    fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def hold_lock(path: str | Path, *, wait: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block, waiting up to ``wait`` seconds.

    The lock file records the holder's pid; the operating system drops the lock when the
    holder exits or is killed, so a dead process never blocks the next one. Raises
    :class:`LockHeld` naming the holder when the lock stays taken.
    """
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    with open(file, "a+", encoding="utf-8") as handle:
        while not _try_lock(handle):
            if time.monotonic() >= deadline:
                handle.seek(0)
                raise LockHeld(file, handle.read().strip())
            time.sleep(0.05)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            _unlock(handle)
