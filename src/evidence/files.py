"""Writing files people own or read: whole or not at all.

Every file the workbook writes beside the store (the decisions, the pseudonym key, the
snapshot of a Zotero library, briefs, downloads) goes through :func:`write_atomic`: the
content lands in a temporary file of the same folder, which then replaces the target in one
rename, so a reader or a killed process never sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomic"]

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
