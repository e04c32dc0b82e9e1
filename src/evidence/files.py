"""Reading and writing files people own: whole or not at all, one writer at a time, any text.

Every file the workbook writes beside the store (the decisions, the pseudonym key, the
snapshot of a Zotero library, briefs, downloads) goes through :func:`write_atomic`: the
content lands in a temporary file of the same folder, which then replaces the target in one
rename, so a reader or a killed process never sees half a file. :func:`hold_lock` takes an
exclusive lock that the operating system releases when its holder dies, however it dies; a
process forked while it is held (a worker) lets go of it at once, so only the holder keeps
it. :func:`decode_text` reads the bytes of a text file people wrote: UTF-8 (with or without
a byte order mark), UTF-16 or UTF-32 with one, or a stated fallback, or it says which byte,
line and column cannot be read.
"""

from __future__ import annotations

import codecs
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

__all__ = ["Decoded", "LockHeld", "NotTextError", "decode_text", "hold_lock", "write_atomic"]

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


# The descriptors of the locks this process holds. A forked child (a pool worker) shares
# them, and an flock lives as long as any process holds its descriptor: the child points
# them at /dev/null as soon as it exists, so a lock dies with its holder only.
_HELD: set[int] = set()


def _drop_inherited_locks() -> None:
    if not _HELD:
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in _HELD:
            os.dup2(null, fd)
    finally:
        os.close(null)
    _HELD.clear()


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_drop_inherited_locks)


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
        _HELD.add(handle.fileno())
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            yield
        finally:
            _HELD.discard(handle.fileno())
            handle.seek(0)
            handle.truncate()
            handle.flush()
            _unlock(handle)


class NotTextError(ValueError):
    """Bytes that cannot be read as text; the message says where and what to do."""


@dataclass(frozen=True)
class Decoded:
    """A text file's text and the encoding it was read with (``utf-8``, ``windows-1252``...)."""

    text: str
    encoding: str

    @property
    def fallback(self) -> bool:
        """True when the text was not Unicode (UTF-8, -16, -32) and the fallback read it."""
        return not self.encoding.startswith("utf-")


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
_NAMES = {"cp1252": "windows-1252", "latin-1": "iso-8859-1"}


def _where(data: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    at = exc.start
    line = data.count(b"\n", 0, at) + 1
    column = at - (data.rfind(b"\n", 0, at) + 1) + 1
    return (
        f"not {encoding} text: byte 0x{data[at]:02X} at line {line}, column {column} cannot be read"
    )


def decode_text(data: bytes, *, fallback: str | None = None) -> Decoded:
    """Return the text of a file's bytes, and the encoding that read it.

    A byte order mark says UTF-8, UTF-16 or UTF-32; without one the bytes must be UTF-8, else
    they are read with ``fallback`` (``"cp1252"``, Windows' Western European) when given.
    Raises :class:`NotTextError` naming the encoding and the first unreadable byte's line
    and column, or saying the file holds NUL bytes (binary, or UTF-16 without a mark).
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(codec), name)
            except UnicodeDecodeError as exc:
                raise NotTextError(f"{_where(data, exc, name.upper())}: save it as UTF-8") from exc
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        problem = _where(data, exc, "UTF-8")
    if b"\x00" in data:
        raise NotTextError(
            "holds NUL bytes: not a text file (or UTF-16 without a byte order mark); "
            "save it as UTF-8 text"
        )
    if fallback is not None:
        try:
            return Decoded(data.decode(fallback), _NAMES.get(fallback, fallback))
        except UnicodeDecodeError:
            name = _NAMES.get(fallback, fallback).capitalize()
            raise NotTextError(f"{problem}, nor as {name}: save it as UTF-8") from None
    raise NotTextError(f"{problem}: save it as UTF-8")
