"""Figures of a matrix: an annotated heatmap and an evidence gap map, print-ready.

Both draw on ``ax`` (a new figure when None) and return the axes; saving is the caller's
business, through :func:`write_figure`, which writes SVG, PDF or PNG byte for byte the same
on every run (no dates, fixed SVG ids), so rebuilt reports do not change for nothing.
Palettes are colour-blind safe and keep their order in grey (cividis); gaps are hatched,
so they read on paper without colour.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from evidence.errors import ConfigError
from evidence.i18n import texts

from ._matrix import pivot_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import PathCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

__all__ = ["plot_gap_map", "plot_heatmap", "plot_theme_organisations", "write_figure"]

_CMAP = "cividis"
_GAP = "#9a9a9a"
_UNKNOWN = "white"
_FORMATS = {".svg": "svg", ".pdf": "pdf", ".png": "png"}


def _words(lang: str) -> dict[str, str]:
    return texts("figure", lang)


def _new_axes(n_rows: int, n_cols: int, extra: float = 3.0) -> Axes:
    import matplotlib.pyplot as plt  # pyplot (and its backend) only when a figure is drawn

    width = max(6.0, 0.75 * n_cols + extra)
    _, ax = plt.subplots(figsize=(width, max(4.0, 0.5 * n_rows + 2.5)))
    return ax


def _label_axes(ax: Axes, rows: list[str], cols: list[str], labels: dict[str, str]) -> None:
    ax.set_xticks(np.arange(len(cols)), [labels.get(c, c) for c in cols])
    ax.set_yticks(np.arange(len(rows)), [labels.get(r, r) for r in rows])
    ax.tick_params(axis="x", labelrotation=45, length=0)
    ax.tick_params(axis="y", length=0)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")
    ax.set_xlabel("")
    ax.set_ylabel("")


def plot_heatmap(
    matrix: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    value: str = "sources",
    title: str = "",
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Draw the matrix as an annotated heatmap of ``value``; return the axes."""
    import seaborn as sns  # heavy (scipy, statsmodels hooks): only for a heatmap

    table = pivot_matrix(matrix, value).astype(float)
    names = labels or {}
    if ax is None:
        ax = _new_axes(len(table.index), len(table.columns))
    sns.heatmap(
        table,
        annot=True,
        fmt=".0f",
        cmap=f"{_CMAP}_r",
        linewidths=0.5,
        linecolor="white",
        vmin=0,
        ax=ax,
        annot_kws={"fontsize": 9},
        cbar_kws={"label": _words(lang).get(value, value)},
    )
    ax.set_xticks(np.arange(len(table.columns)) + 0.5, [names.get(c, c) for c in table.columns])
    ax.set_yticks(np.arange(len(table.index)) + 0.5, [names.get(r, r) for r in table.index])
    ax.tick_params(axis="x", labelrotation=45, length=0)
    ax.tick_params(axis="y", labelrotation=0, length=0)
    for tick in ax.get_xticklabels():
        tick.set_horizontalalignment("right")
        tick.set_rotation_mode("anchor")
    ax.set_xlabel("")
    ax.set_ylabel("")
    if title:
        ax.set_title(title)
    return ax


def plot_theme_organisations(
    table: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    title: str = "",
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Draw themes x organisations (``compute_theme_organisations``): per cell the theme
    passages of the organisation, as an annotated heatmap; return the axes. ``labels`` maps
    theme ids to their names."""
    matrix = table.rename(columns={"theme": "row", "organisation": "col"})
    return plot_heatmap(matrix, labels=labels, value="passages", title=title, lang=lang, ax=ax)


def _field_sources(matrix: pd.DataFrame, sources: np.ndarray) -> tuple[bool, np.ndarray]:
    """Whether every cell's count of field sources is known, and those counts (NaN if not)."""
    known = "field_sources" in matrix and matrix["field_sources"].notna().all()
    field = (
        pivot_matrix(matrix, "field_sources").to_numpy(dtype=float)
        if known
        else np.full_like(sources, np.nan)
    )
    return known, field


def _draw_grid(ax: Axes, rows: list[str], cols: list[str], labels: dict[str, str]) -> None:
    """Lay out one square cell per row and column, labelled, between light grid lines."""
    ax.set_xlim(-0.5, len(cols) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_aspect("equal")
    _label_axes(ax, rows, cols, labels)
    ax.set_xticks(np.arange(len(cols) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#dddddd", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _hatch_gaps(ax: Axes, sources: np.ndarray) -> None:
    """Hatch the cells no source speaks to, so gaps read on paper without colour."""
    # matplotlib only when a figure is drawn: a command that draws none starts faster
    from matplotlib.patches import Rectangle

    for i, j in zip(*np.nonzero(sources == 0), strict=True):
        ax.add_patch(
            Rectangle(
                (j - 0.42, i - 0.42),
                0.84,
                0.84,
                facecolor="none",
                edgecolor=_GAP,
                hatch="////",
                linewidth=0.6,
            )
        )


def _draw_bubbles(
    ax: Axes, sources: np.ndarray, field: np.ndarray, known: bool, peak: float, area: float
) -> tuple[PathCollection, np.ndarray]:
    """Draw one numbered bubble per cell with sources; return the bubbles and their counts."""
    # matplotlib only when a figure is drawn: a command that draws none starts faster
    from matplotlib import patheffects

    yy, xx = np.nonzero(sources > 0)
    values = sources[yy, xx]
    share = field[yy, xx] / values
    colour: dict[str, Any] = (
        {"c": share, "cmap": _CMAP, "vmin": 0, "vmax": 1} if known else {"color": _UNKNOWN}
    )
    points = ax.scatter(
        xx, yy, s=area * values / peak, edgecolors="black", linewidths=0.5, zorder=3, **colour
    )
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for x, y, n in zip(xx, yy, values, strict=True):
        ax.text(
            float(x),
            float(y),
            f"{int(n)}",
            ha="center",
            va="center",
            fontsize=8,
            zorder=4,
            path_effects=halo,
        )
    return points, values


def _share_bar(ax: Axes, points: PathCollection, words: dict[str, str]) -> None:
    """Add the colour bar of the field sources' share, from literature to field."""
    bar = ax.figure.colorbar(
        points, ax=ax, fraction=0.04, pad=0.02, ticks=[0, 0.5, 1], shrink=0.5, anchor=(0.0, 1.0)
    )
    bar.ax.set_yticklabels([f"0 % {words['literature']}", "50 %", f"100 % {words['field']}"])
    bar.set_label(words["field_share"])


def plot_gap_map(
    matrix: pd.DataFrame,
    *,
    labels: dict[str, str] | None = None,
    title: str = "",
    lang: str = "en",
    ax: Axes | None = None,
) -> Axes:
    """Draw the evidence gap map: one bubble per cell, area = sources, colour = share of
    field sources (literature to field), hatched squares where no source exists; return
    the axes."""
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    words = _words(lang)
    if ax is None:
        ax = _new_axes(len(rows), len(cols), extra=4.5)
    sources = pivot_matrix(matrix, "sources").to_numpy(dtype=float)
    known, field = _field_sources(matrix, sources)
    _draw_grid(ax, rows, cols, labels or {})
    _hatch_gaps(ax, sources)
    peak = max(float(np.nanmax(sources)) if sources.size else 0.0, 1.0)
    area = _bubble_area(ax)
    points, values = _draw_bubbles(ax, sources, field, known, peak, area)
    if known and len(values):
        _share_bar(ax, points, words)
    _size_legend(ax, peak, area, words, known)
    if title:
        ax.set_title(title)
    return ax


def _bubble_area(ax: Axes) -> float:
    """Return the marker area (points²) of a bubble that nearly fills one cell."""
    fig = ax.get_figure(root=True)
    assert fig is not None  # an Axes drawn by this module always has its figure
    box = ax.get_position()
    width, height = fig.get_size_inches()
    n_cols = ax.get_xlim()[1] - ax.get_xlim()[0]
    n_rows = ax.get_ylim()[0] - ax.get_ylim()[1]
    cell = min(box.width * width * 72 / n_cols, box.height * height * 72 / n_rows)
    return float((0.85 * cell) ** 2)


def _bubble_handles(peak: float, area: float, words: dict[str, str]) -> list[Line2D]:
    """Legend bubbles for one source, half the peak and the peak, sized as on the map."""
    # matplotlib only when a figure is drawn: a command that draws none starts faster
    from matplotlib.lines import Line2D

    steps = sorted({1, int(round(peak / 2)), int(peak)} - {0})
    return [
        Line2D(
            [],
            [],
            linestyle="",
            marker="o",
            markersize=float(np.sqrt(area * n / peak)),
            markerfacecolor="white",
            markeredgecolor="black",
            label=f"{n} {words['source'] if n == 1 else words['sources']}",
        )
        for n in steps
    ]


def _unknown_handle(words: dict[str, str]) -> Line2D:
    """The legend bubble of a cell whose share of field sources is not known."""
    # matplotlib only when a figure is drawn: a command that draws none starts faster
    from matplotlib.lines import Line2D

    return Line2D(
        [],
        [],
        linestyle="",
        marker="o",
        markersize=10,
        markerfacecolor=_UNKNOWN,
        markeredgecolor="black",
        label=words["unknown"],
    )


def _size_legend(ax: Axes, peak: float, area: float, words: dict[str, str], known: bool) -> None:
    """Add the legend beside the map: bubble sizes, the gap hatching, unknown shares."""
    # matplotlib only when a figure is drawn: a command that draws none starts faster
    from matplotlib.patches import Rectangle

    widest = float(np.sqrt(area))
    handles: list[Line2D | Rectangle] = [*_bubble_handles(peak, area, words)]
    handles.append(
        Rectangle((0, 0), 1, 1, facecolor="none", edgecolor=_GAP, hatch="////", label=words["gap"])
    )
    if not known:
        handles.append(_unknown_handle(words))
    size = 8.0
    # Handle length and row spacing count in font sizes: scaled to the widest bubble, it fits.
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.02, 0.45 if known else 1.0),
        frameon=False,
        fontsize=size,
        handlelength=widest / size,
        handletextpad=0.8,
        labelspacing=widest / size * 0.6,
        borderaxespad=0,
    )


# What each format records about its maker: no dates, so a figure is the same bytes each run.
_METADATA_BY_FORMAT: dict[str, dict[str, Any]] = {
    "svg": {"Date": None, "Creator": "evidence"},
    "pdf": {
        "CreationDate": None,
        "ModDate": None,
        "Creator": "evidence",
        "Producer": "evidence",
    },
    "png": {"Software": "evidence"},
}


def write_figure(fig: Figure, path: str | Path, *, dpi: int = 200) -> Path:
    """Save ``fig`` as SVG, PDF or PNG (from the suffix), identically on every run; return
    the path."""
    out = Path(path)
    fmt = _FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{out}: write figures as .svg, .pdf or .png")
    metadata: dict[str, Any] = _METADATA_BY_FORMAT[fmt]
    out.parent.mkdir(parents=True, exist_ok=True)
    # matplotlib only when a figure is drawn: a command that draws none starts faster
    import matplotlib as mpl

    with mpl.rc_context({"svg.hashsalt": "evidence", "svg.fonttype": "path", "pdf.fonttype": 42}):
        fig.savefig(out, format=fmt, dpi=dpi, bbox_inches="tight", metadata=metadata)
    return out
