"""The store: one SQLite file (WAL, FTS5) that caches everything derived from the files people own.

Only this package runs SQL and owns the schema; the rest of the workbook asks :class:`Store`'s
methods and the loaders below.
"""

from ._core import as_store_error
from ._matrix import MatrixData, load_cell_frames, load_matrix_codings, load_matrix_data
from ._reading import RANK_LIMIT
from ._schema import SCHEMA_VERSION
from ._store import Store, open_store
from ._zotero import (
    META_LIBRARY,
    META_SOURCES,
    META_VERSION,
    load_file_checks,
    load_mirror,
    replace_file_checks,
    slim,
    write_mirror,
)

__all__ = [
    "META_LIBRARY",
    "META_SOURCES",
    "META_VERSION",
    "RANK_LIMIT",
    "SCHEMA_VERSION",
    "MatrixData",
    "Store",
    "as_store_error",
    "load_cell_frames",
    "load_file_checks",
    "load_matrix_codings",
    "load_matrix_data",
    "load_mirror",
    "open_store",
    "replace_file_checks",
    "slim",
    "write_mirror",
]
