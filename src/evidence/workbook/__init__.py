"""The workbook: the only layer that wires the stages to the files and the store.

:func:`open_workbook` finds ``evidence.toml`` and returns a :class:`Workbook`, the notebooks'
API; the ``run_*`` functions are the command line's work, one per command, each returning a
JSON-able summary with the items that failed.
"""

from ._briefs import run_briefs
from ._build import compute_snapshots, delete_store, run_build, run_render
from ._coding import (
    run_agreement,
    run_codebook_export,
    run_codebook_import,
    run_evaluate,
    run_explain,
    run_model_train,
    run_review,
    run_suggest,
)
from ._fieldwork import run_fieldwork
from ._map import compute_maps, load_map, write_map
from ._pipeline import coder_model, passage_rows, register_sources, run_code, run_extract, run_sync
from ._qdpx_export import run_qdpx_export
from ._qdpx_import import run_qdpx_import
from ._themes import (
    THEMES_FILE,
    Theme,
    ThemeFile,
    load_theme_file,
    render_theme_file,
    run_themes,
    write_theme_arguments,
)
from ._workbook import Workbook, open_workbook
from ._zotero import load_annotation_snapshot, sync_zotero

__all__ = [
    "THEMES_FILE",
    "Theme",
    "ThemeFile",
    "coder_model",
    "run_model_train",
    "Workbook",
    "compute_maps",
    "compute_snapshots",
    "delete_store",
    "load_annotation_snapshot",
    "load_map",
    "load_theme_file",
    "open_workbook",
    "passage_rows",
    "register_sources",
    "run_agreement",
    "run_briefs",
    "run_build",
    "run_code",
    "run_codebook_export",
    "run_codebook_import",
    "run_evaluate",
    "run_explain",
    "run_extract",
    "run_fieldwork",
    "run_render",
    "run_qdpx_export",
    "run_qdpx_import",
    "run_review",
    "run_suggest",
    "run_sync",
    "run_themes",
    "render_theme_file",
    "sync_zotero",
    "write_map",
    "write_theme_arguments",
]
