"""Report: chapters, theme briefs and the recommendations note, and their publishing.

The chapter's content is pure functions from data to Markdown (``render_*``,
``compute_key_quotes``, ``compute_changes``) that the chapter template notebook calls;
:func:`render_chapters` executes that notebook for each chapter with papermill and turns it
into Markdown, HTML, DOCX (and PDF) with pandoc, in a folder made by :func:`stage_reports`;
:func:`publish_staging` publishes that folder whole, in one rename, only when everything in
it succeeded (:func:`discard_staging` keeps a failed one aside), under :func:`build_lock`.
:func:`render_theme_argument` writes the two-page argument of a theme of themes.yml,
and :func:`write_theme_documents` renders the arguments through the same pandoc path.
"""

from ._briefs import render_recommendations, render_theme_brief, render_triangulation
from ._chapter import (
    chapter_text,
    cite,
    compute_changes,
    compute_key_quotes,
    compute_snapshot,
    escape_markdown,
    render_cell_annex,
    render_changes,
    render_confirmation,
    render_evidence_table,
    render_overview,
    render_quotes,
    render_title,
)
from ._map import COMPRESS_OVER, render_map
from ._publish import (
    CHROMIUM_HEADLESS,
    build_lock,
    compute_fingerprint,
    find_pdf_printer,
    is_up_to_date,
    render_chapters,
    render_documents,
    strip_run_metadata,
    write_manifest,
)
from ._themes import render_theme_argument, write_theme_documents
from ._versions import discard_staging, find_published, publish_staging, stage_reports

__all__ = [
    "CHROMIUM_HEADLESS",
    "COMPRESS_OVER",
    "build_lock",
    "chapter_text",
    "cite",
    "compute_changes",
    "compute_fingerprint",
    "compute_key_quotes",
    "compute_snapshot",
    "discard_staging",
    "escape_markdown",
    "find_pdf_printer",
    "find_published",
    "is_up_to_date",
    "render_cell_annex",
    "render_changes",
    "render_chapters",
    "render_confirmation",
    "render_documents",
    "render_evidence_table",
    "render_map",
    "render_overview",
    "render_quotes",
    "render_recommendations",
    "render_theme_argument",
    "render_theme_brief",
    "render_title",
    "publish_staging",
    "render_triangulation",
    "stage_reports",
    "strip_run_metadata",
    "write_manifest",
    "write_theme_documents",
]
