"""The store: one SQLite file (WAL, foreign keys, FTS5) that caches everything derived.

The store is a cache: the files people own (references, PDFs, codebook, decisions)
are the truth, and deleting the file then rebuilding gives the same content. Every
write that belongs together happens in one transaction, so a process killed at any
moment leaves the store consistent and the next run completes the work. Only this package
runs SQL: the rest of the workbook asks the store's methods.
"""

from __future__ import annotations

from pathlib import Path

from ._reading import StoreReads
from ._writing import StoreWrites

__all__ = ["Store", "open_store"]


class Store(StoreWrites, StoreReads):
    """The SQLite store of one workbook. Use ``open_store(path)`` as a context manager."""


def open_store(path: str | Path) -> Store:
    """Open (creating or migrating as needed) the store at ``path``."""
    return Store(path)
