"""The store's connections: opening (and migrating) the file, transactions, meta and runs.

A store is used from several threads: JupyterLab runs widget callbacks on a kernel subshell
thread (ipykernel 7), and chapters render in a thread pool. A SQLite connection belongs to
the thread that made it, so each thread gets its own connection to the same file (WAL lets
them read while another writes); ``close`` closes them all.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import numpy as np

from evidence.errors import StoreError

from ._schema import migrate, register_functions

__all__ = ["StoreCore", "as_store_error", "parse_ints"]

_KEPT = (
    "the store keeps everything written before (each step is one transaction), and the next "
    "run completes the work"
)
# What to say for each kind of SQLite failure (by the prefix of its error name).
_FAILURES = (
    ("SQLITE_FULL", "the disk is full (or the store reached its size limit); free some space"),
    (
        "SQLITE_IOERR",
        "the disk refused a write or a read (it may be full, read-only or failing); free "
        "some space or check the disk",
    ),
    (
        "SQLITE_CANTOPEN",
        "the store file cannot be opened or created; check that its folder exists and can "
        "be written",
    ),
    ("SQLITE_READONLY", "the store cannot be written (read-only file or folder); fix the rights"),
    ("SQLITE_BUSY", "another process kept the store locked for 30 s; wait for it to end"),
    ("SQLITE_LOCKED", "another process kept the store locked for 30 s; wait for it to end"),
)


def as_store_error(exc: BaseException, path: str | Path = "") -> StoreError | None:
    """Return the :class:`StoreError` saying what a SQLite failure means and what to do, or
    None when ``exc`` is not a SQLite failure."""
    if not isinstance(exc, sqlite3.Error):
        return None
    where = f"{path}: " if path else "the store: "
    name = getattr(exc, "sqlite_errorname", "") or ""
    for prefix, what in _FAILURES:
        if name.startswith(prefix):
            return StoreError(f"{where}{what} ({exc}), then run the command again; {_KEPT}")
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return StoreError(
            f"{where}the store is damaged ({exc}); it is a cache: delete it with its -wal and "
            "-shm files (`make clean-store`) and run `evidence build` to rebuild it"
        )
    return StoreError(f"{where}the store failed ({exc}); run the command again")


def _open_error(exc: sqlite3.DatabaseError, path: Path) -> StoreError:
    """Say why the store cannot be opened: a damaged file is a cache to delete; a full or
    read-only disk is said as such (see :func:`as_store_error`)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return StoreError(
            f"{path}: cannot open the store ({exc}); it is a cache: delete the file and run "
            "`evidence build` to rebuild it"
        )
    return as_store_error(exc, path) or StoreError(str(exc))


def parse_ints(text: str | None, count: int) -> np.ndarray:
    """Parse a ``group_concat`` of ``count`` integers (decimal, comma-separated)."""
    if not text:
        return np.array([], dtype=np.int64)
    out = np.fromstring(text, dtype=np.int64, sep=",")
    if len(out) != count:
        raise StoreError(f"read {len(out)} passage numbers where the store counted {count}")
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StoreCore:
    """The connection to one store file; the writing and reading methods build on it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        self._guard = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._closed = False
        if self.path.is_dir():
            raise StoreError(
                f"{self.path}: is a folder; set [workbook] store in evidence.toml to the path "
                "of a file (data/evidence.sqlite by default)"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{self.path.parent}: cannot create the store's folder ({exc.strerror})"
            ) from exc
        try:
            migrate(self.db, self.path)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise _open_error(exc, self.path) from exc

    @property
    def db(self) -> sqlite3.Connection:
        """Return this thread's connection to the store, opening it on first use."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            return db
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed; open it again")
        # Each connection is only used by the thread that opened it; check_same_thread is off
        # only so that ``close`` may close every thread's connection from the closing thread.
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=NORMAL")
            register_functions(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _open_error(exc, self.path) from exc
        with self._guard:
            self._connections.append(db)
        self._local.db = db
        self._local.depth = 0
        return db

    def close(self) -> None:
        """Close every thread's connection."""
        with self._guard:
            self._closed = True
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        self.close()
        failure = as_store_error(exc, self.path) if exc is not None else None
        if failure is not None:
            # Said in the workbook's words: what failed, that nothing is lost, what to do.
            raise failure from exc

    @property
    def schema_version(self) -> int:
        """Return the schema version the file is at."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run the block in one IMMEDIATE transaction: all of it lands, or none of it.

        Inside an open transaction the block becomes a savepoint, so several writes can be
        grouped into one outer transaction (a whole Zotero pull lands at once or not at all).
        """
        db = self.db
        if db.in_transaction:
            depth = self._local.depth
            name = f"sp{id(self)}_{depth}"
            self._local.depth = depth + 1
            self.db.execute(f"SAVEPOINT {name}")
            try:
                yield self.db
            except BaseException:
                # A full disk can make SQLite roll the whole transaction back by itself, or
                # refuse the rollback too: the first failure is the one to tell.
                with suppress(sqlite3.Error):
                    if self.db.in_transaction:
                        self.db.execute(f"ROLLBACK TO {name}")
                        self.db.execute(f"RELEASE {name}")
                raise
            finally:
                self._local.depth = depth
            self.db.execute(f"RELEASE {name}")
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            with suppress(sqlite3.Error):  # SQLite may have rolled back already (a full disk)
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def get_meta(self, key: str, default: str = "") -> str:
        """Return the stored value of ``key``."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key``."""
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def begin_run(self, command: str) -> int:
        """Record the start of a command and return its run id."""
        cur = self.db.execute("INSERT INTO runs(command, started) VALUES (?, ?)", (command, _now()))
        return int(cur.lastrowid or 0)

    def end_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        """Record how run ``run_id`` ended."""
        self.db.execute(
            "UPDATE runs SET finished = ?, status = ?, summary = ? WHERE id = ?",
            (_now(), status, json.dumps(summary, sort_keys=True), run_id),
        )
