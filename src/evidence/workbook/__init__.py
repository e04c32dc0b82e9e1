"""The workbook: the only layer that wires the stages to the files and the store.

:func:`open_workbook` finds ``evidence.toml`` and returns a :class:`Workbook`, the notebooks'
API; the ``run_*`` functions are the command line's work, one per command, each returning a
JSON-able summary with the items that failed.
"""

from ._briefs import run_briefs
from ._build import compute_snapshots, delete_store, run_build, run_render
from ._fieldwork import run_fieldwork
from ._pipeline import passage_rows, register_sources, run_code, run_extract, run_sync
from ._workbook import Workbook, open_workbook
from ._zotero import load_annotation_snapshot, sync_zotero

__all__ = [
    "Workbook",
    "compute_snapshots",
    "delete_store",
    "load_annotation_snapshot",
    "open_workbook",
    "passage_rows",
    "register_sources",
    "run_briefs",
    "run_build",
    "run_code",
    "run_extract",
    "run_fieldwork",
    "run_render",
    "run_sync",
    "sync_zotero",
]
