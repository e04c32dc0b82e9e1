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
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import numpy as np

from evidence.errors import StoreError

from ._schema import migrate, register_functions

__all__ = ["StoreCore", "parse_ints"]


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            migrate(self.db, self.path)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(
                f"{self.path}: cannot open the store ({exc}); it is a cache: delete the file "
                "and run `evidence build` to rebuild it"
            ) from exc

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
            raise StoreError(
                f"{self.path}: cannot open the store ({exc}); it is a cache: delete the file "
                "and run `evidence build` to rebuild it"
            ) from exc
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

    def __exit__(self, *exc: object) -> None:
        self.close()

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
