"""The ``evidence`` command: parses arguments and delegates; exit codes are decided here.

Exit codes: 0 all done; 1 done, but some items failed (a broken PDF, a malformed entry);
2 usage, configuration or environment error (a full disk); 3 the build failed (a chapter
failed to render, a drastic drop of the literature, an internal error): nothing was
published. Every command that reports has ``--json``. No traceback reaches the terminal: an
internal error prints one line and leaves the details in ``.evidence/error.log``.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from evidence.config import find_root, load_settings
from evidence.errors import ConfigError, EvidenceError
from evidence.store import as_store_error

from ._parser import make_parser

__all__ = ["EXIT_FAILED", "main"]

# Commands that act on a file given on the command line, not on a workbook.
_NO_WORKBOOK = ("passages", "evaluate")
EXIT_FAILED = 3
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class _Terminated(BaseException):
    """SIGTERM (systemd stopping the unit, ``kill``): unwinds like Ctrl-C, so workers stop."""


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Turn SIGTERM into an exception for the block, so ``finally`` blocks run."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Terminated

    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only (main() called from a thread: tests)
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = make_parser().parse_args(argv)
    try:
        with _terminate_cleanly():
            settings = None if args.command in _NO_WORKBOOK else load_settings(args.root)
            return int(args.func(args, settings))
    except EvidenceError as exc:
        return _refuse(args, exc)
    except KeyboardInterrupt:
        _say(args, "interrupted; run it again to complete the work")
        return 130
    except _Terminated:
        _say(args, "stopped (SIGTERM); run it again to complete the work")
        return 128 + signal.SIGTERM
    except Exception as exc:  # noqa: BLE001 - said in one line, logged whole, exit 3
        known = as_store_error(exc) or _disk_error(exc)
        if known is not None:
            return _refuse(args, known)
        if os.environ.get("EVIDENCE_DEBUG"):
            raise
        return _internal_error(args, exc)


def _say(args: object, message: str) -> None:
    print(f"evidence {getattr(args, 'command', '')}: {message}", file=sys.stderr)


def _refuse(args: object, exc: EvidenceError) -> int:
    _say(args, str(exc))
    return exc.exit_code


def _disk_error(exc: BaseException) -> EvidenceError | None:
    """A file that could not be read or written: what, why, and what to do (exit 2)."""
    if not isinstance(exc, OSError) or not exc.filename:
        return None
    reason = exc.strerror or type(exc).__name__
    if exc.errno in _FULL:
        return ConfigError(
            f"{exc.filename}: {reason}: the disk is full; free some space and run the command "
            "again (files are written whole or not at all: nothing half-written is left)"
        )
    if isinstance(exc, PermissionError):
        return ConfigError(f"{exc.filename}: {reason}; give yourself the right to use it")
    return ConfigError(f"{exc.filename}: {reason}")


def _error_log(args: object) -> Path:
    """Where the details of an internal error go: the workbook's .evidence/ folder."""
    try:
        return find_root(getattr(args, "root", None)) / ".evidence" / "error.log"
    except ConfigError:
        return Path(tempfile.gettempdir()) / "evidence-error.log"


def _internal_error(args: object, exc: BaseException) -> int:
    """Say in one line that the command failed, and log the traceback for a bug report."""
    log = _error_log(args)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    details = "".join(traceback.format_exception(exc))
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp} evidence {getattr(args, 'command', '')}\n{details}\n")
        where = f"the details are in {log}"
    except OSError:
        where = "the details could not be written to a log"
    frames = traceback.extract_tb(exc.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    published = "nothing was published; " if getattr(args, "command", "") == "build" else ""
    # The exception's own message may quote field material: it goes to the log only.
    _say(
        args,
        f"internal error ({type(exc).__name__}{place}); {published}{where}: please report it "
        "with that file (EVIDENCE_DEBUG=1 shows the traceback here)",
    )
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
