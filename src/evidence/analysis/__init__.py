"""Analysis: evidence matrices, the passages behind their cells, citations, figures, exports.

Pure functions, frames in and new frames out: :func:`compute_matrix` counts the sources behind
each crossing of codes under :class:`MatrixFilters`; :func:`describe_passages` turns the
passages behind a cell into quotes with their citation, provenance and links;
:func:`compute_triangulation` and :func:`compute_recommendations` set literature and field
evidence side by side from the same matrix; ``plot_*`` draw and ``write_*`` save.
"""

from ._citations import STYLES, compute_field_references, format_citation, read_authors
from ._drilldown import (
    CELL_COLUMNS,
    describe_cells,
    describe_passages,
    format_pdf_link,
    format_zotero_link,
    render_passage_html,
)
from ._export import SHEETS, write_matrix_xlsx, write_recommendations_xlsx
from ._figures import plot_gap_map, plot_heatmap, plot_theme_organisations, write_figure
from ._map import CONTEXT_FACETS, EXCERPT, compute_map, cut_excerpt, excerpt_length
from ._matrix import (
    PROVENANCES,
    MatrixFilters,
    compute_cell_codings,
    compute_matrix,
    compute_matrix_codings,
    pivot_matrix,
    select_codings,
)
from ._support import (
    CLOSE,
    SUPPORT_COLUMNS,
    compute_confirmation,
    compute_support,
    rank_by_support,
)
from ._themes import (
    THEME_COLUMNS,
    ThemeSettings,
    compute_code_similarity,
    compute_theme_carriers,
    compute_theme_literature,
    compute_theme_organisations,
    compute_theme_passages,
    compute_theme_proposals,
    compute_theme_tensions,
    name_theme,
)
from ._triangulation import (
    compute_cell_evidence,
    compute_recommendations,
    compute_triangulation,
    select_codes,
)

__all__ = [
    "CELL_COLUMNS",
    "CLOSE",
    "CONTEXT_FACETS",
    "EXCERPT",
    "SUPPORT_COLUMNS",
    "PROVENANCES",
    "SHEETS",
    "THEME_COLUMNS",
    "ThemeSettings",
    "STYLES",
    "MatrixFilters",
    "compute_cell_codings",
    "compute_code_similarity",
    "compute_cell_evidence",
    "compute_confirmation",
    "compute_field_references",
    "compute_map",
    "compute_matrix",
    "compute_matrix_codings",
    "compute_recommendations",
    "compute_support",
    "compute_theme_carriers",
    "compute_theme_literature",
    "compute_theme_organisations",
    "compute_theme_passages",
    "compute_theme_proposals",
    "compute_theme_tensions",
    "compute_triangulation",
    "cut_excerpt",
    "describe_cells",
    "describe_passages",
    "excerpt_length",
    "format_citation",
    "format_pdf_link",
    "format_zotero_link",
    "name_theme",
    "pivot_matrix",
    "plot_gap_map",
    "plot_heatmap",
    "plot_theme_organisations",
    "rank_by_support",
    "read_authors",
    "render_passage_html",
    "select_codes",
    "select_codings",
    "write_figure",
    "write_matrix_xlsx",
    "write_recommendations_xlsx",
]
