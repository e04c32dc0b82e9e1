"""Interactive exploration in JupyterLab: search, filter, read the matrix, open a cell.

:class:`Explorer` builds ipywidgets: a full-text search box, facet and evidence filters, a
matrix of buttons (one per cell, shaded by its count) that updates when a filter changes,
and the passages of the selected cell with their citation, provenance, highlighted matches
and a link to the PDF page. Callbacks are plain methods (``refresh``, ``run_search``,
``select_cell``) so tests drive them without a browser. Codings are loaded once (every code
of the codebook, with languages); each change only recomputes from memory.

In JupyterLab the widgets' callbacks run on a kernel subshell thread (ipykernel 7): the store
gives each thread its own connection, and a callback that fails says so in the widget
instead of leaving the previous figures on screen as if they were current. Links open the
PDF through the Jupyter server that runs the kernel (``/files/...#page=N``), or in Zotero.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ipywidgets as w
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from evidence.analysis import MatrixFilters, compute_matrix
from evidence.coding import Codebook
from evidence.errors import SearchSyntaxError
from evidence.i18n import texts
from evidence.store import Store, load_matrix_data

from ._queries import load_cell_passages, search_passages

__all__ = ["Explorer", "build_explorer", "find_files_base"]

_LOG = logging.getLogger(__name__)

_CMAP = colormaps["cividis_r"]
_CONTEXT_FACETS = ("setting", "pop")


class Explorer:
    """The exploration widgets over one store and codebook; display ``explorer.widget``."""

    def __init__(
        self,
        store: Store,
        codebook: Codebook,
        *,
        rows: str = "form",
        cols: str = "cons",
        lang: str = "en",
        root: Path | None = None,
        zotero_library: str = "library",
        limit: int = 30,
        link_base: str | None = None,
    ) -> None:
        self.store, self.codebook, self.root = store, codebook, root
        self.zotero_library, self.limit, self.link_base = zotero_library, limit, link_base
        self.query, self.shown = "", _HITS_SHOWN
        self.text = texts("explorer", lang)
        self.lang = lang
        self.labels = {c: codebook.label(c, lang) for c in codebook.codes}
        self.data = load_matrix_data(store, list(codebook.codes), langs=True)
        self.hits: Any = None
        self.matrix = pd.DataFrame()
        self.cell = pd.DataFrame()
        self.selected: tuple[str, str] | None = None
        self.buttons: dict[tuple[str, str], w.Button] = {}
        self._build(rows, cols, codebook, lang)
        self.refresh()

    # -- widgets ---------------------------------------------------------------------------
    def _build(self, rows: str, cols: str, codebook: Codebook, lang: str) -> None:
        t = self.text
        self.search = w.Text(
            description=t["search"],
            placeholder=t["placeholder"],
            continuous_update=False,
            layout=w.Layout(width="70%"),
        )
        self.search.add_class("evidence-search")
        self.search_info = w.HTML()
        self.more = w.Button(description=t["show_more"], layout=w.Layout(display="none"))
        self.more.add_class("evidence-more")
        self.more.on_click(lambda _b: self._safely(self.show_more))
        self.error = w.HTML()
        self.error.add_class("evidence-failure")
        controls = self._filters(rows, cols, codebook, lang)
        self.value = w.ToggleButtons(
            options=[(t[v], v) for v in ("sources", "passages", "documents")],
            description=t["value"],
            style={"button_width": "7.5em", **_WIDE},
        )
        self.status = w.HTML()
        self.grid = w.GridBox(layout=w.Layout(grid_gap="2px"))
        self.grid.add_class("evidence-matrix")
        self.passages = w.HTML(value=f"<p>{t['pick']}</p>")
        self.passages.add_class("evidence-passages")
        for control in (*controls, self.value):
            control.observe(lambda _c: self._safely(self._changed), names="value")
        self.search.observe(
            lambda change: self._safely(self.run_search, change["new"]), names="value"
        )
        filters = w.VBox(controls, layout=w.Layout(width="36%", min_width="340px"))
        main = w.VBox(
            [self.value, self.status, self.grid, self.passages], layout=w.Layout(width="64%")
        )
        self.widget = w.VBox(
            [self.search, self.search_info, self.more, self.error, w.HBox([filters, main])]
        )
        self.widget.add_class("evidence-explorer")

    def _filters(self, rows: str, cols: str, codebook: Codebook, lang: str) -> list[w.Widget]:
        """Make the filter controls, each with a layout of its own; return them in order."""
        t = self.text
        facets = [(codebook.facet_label(f, lang), f) for f in codebook.facets]
        self.rows = _dropdown(t["rows"], facets, rows)
        self.cols = _dropdown(t["cols"], facets, cols)
        self.within = w.ToggleButtons(
            options=[(t["passage"], "passage"), (t["source"], "source")],
            description=t["within"],
            style={"button_width": "7.5em", **_WIDE},
        )
        self.provenance = _dropdown(
            t["provenance"], [(t[p], p) for p in ("human", "rules", "suggestions")], "rules"
        )
        self.min_score = w.FloatSlider(
            style=_WIDE,
            value=0.5,
            min=0.0,
            max=1.0,
            step=0.05,
            description=t["min_score"],
            disabled=True,
            continuous_update=False,
            layout=_box(),
        )
        empty = t["nothing"]
        self.kinds = _choices(
            t["kinds"], [(t["literature"], "literature"), (t["field"], "field")], empty=empty
        )
        self.langs = _choices(t["langs"], self._languages(), empty=empty)
        self.years = self._year_range()
        self.countries = _choices(t["countries"], self._countries(), empty=empty)
        context = [
            (self.labels[c], c)
            for c in codebook.codes
            if codebook.codes[c].facet in _CONTEXT_FACETS
        ]
        self.context = _choices(t["context"], context, rows=6, empty=empty)
        controls = {
            "rows": self.rows,
            "cols": self.cols,
            "within": self.within,
            "provenance": self.provenance,
            "min-score": self.min_score,
            "kinds": self.kinds,
            "langs": self.langs,
            "years": self.years,
            "countries": self.countries,
            "context": self.context,
        }
        for name, control in controls.items():
            control.add_class(f"evidence-filter-{name}")  # for styles and the browser test
        return list(controls.values())

    def _languages(self) -> list[str]:
        codings = self.data.codings
        if "lang" not in codings:
            return []
        return sorted(str(x) for x in codings["lang"].dropna().unique())

    def _countries(self) -> list[tuple[str, str]]:
        """The countries the library holds, named in the explorer's language, by name."""
        names = texts("country", self.lang)
        held = {str(c) for c in self.data.sources["country"] if isinstance(c, str) and c}
        return sorted(((names.get(c, c), c) for c in held), key=lambda o: o[0].casefold())

    def _year_range(self) -> w.IntRangeSlider:
        years = pd.to_numeric(self.data.sources["year"], errors="coerce").dropna().astype(int)
        low, high = (int(years.min()), int(years.max())) if len(years) else (2000, 2000)
        return w.IntRangeSlider(
            style=_WIDE,
            value=(low, high),
            min=low,
            max=high,
            step=1,
            description=self.text["years"],
            continuous_update=False,
            layout=_box(),
        )

    def _changed(self) -> None:
        self.min_score.disabled = self.provenance.value != "suggestions"
        self.refresh()

    def _safely(self, callback: Callable[..., object], *args: object) -> None:
        """Run a widget's callback; show its failure in the widget instead of losing it.

        ipywidgets would only log an exception raised here, and the matrix would keep showing
        the figures of the previous state as if they were current.
        """
        try:
            callback(*args)
        except Exception as exc:  # noqa: BLE001 - shown to the person, and logged
            _LOG.exception("explorer update failed")
            self.error.value = (
                f"<div class='evidence-error' style='color:#b00020'>"
                f"{html.escape(self.text['failed'])}: {html.escape(type(exc).__name__)}: "
                f"{html.escape(str(exc))}</div>"
            )
        else:
            self.error.value = ""

    # -- state and callbacks ---------------------------------------------------------------
    @property
    def filters(self) -> MatrixFilters:
        """Return the filters the widgets currently describe."""
        years = tuple(self.years.value)
        whole = years == (self.years.min, self.years.max)
        return MatrixFilters(
            within=self.within.value,
            provenance=self.provenance.value,
            min_score=float(self.min_score.value),
            kinds=tuple(self.kinds.value),
            langs=tuple(self.langs.value),
            years=(None, None) if whole else years,
            countries=tuple(self.countries.value),
            context=tuple(self.context.value),
        )

    def _codes(self, facet: str) -> list[str]:
        return [c.id for c in self.codebook.codes_of(facet)]

    def refresh(self) -> pd.DataFrame:
        """Recompute the matrix from the widgets' values, redraw it; return the matrix."""
        self.matrix = compute_matrix(
            self.data.codings,
            self._codes(self.rows.value),
            self._codes(self.cols.value),
            filters=self.filters,
            sources=self.data.sources,
            passage_ids=self.hits,
        )
        self._draw()
        if (
            self.selected
            and self.selected[0] in set(self.matrix["row"])
            and self.selected[1] in set(self.matrix["col"])
        ):
            self.select_cell(*self.selected)
        else:
            self.selected = None
            self.cell = pd.DataFrame()
            self.passages.value = f"<p>{self.text['pick']}</p>"
        return self.matrix

    def run_search(self, query: str) -> pd.DataFrame:
        """Keep only passages matching ``query`` (plain words, or FTS5 syntax; empty: all),
        list the best hits and recompute the matrix; return the hits shown."""
        query = query.strip()
        if not query:
            self.hits, self.search_info.value, self.query = None, "", ""
            self.more.layout.display = "none"
            self.refresh()
            return pd.DataFrame()
        try:
            ids = self.store.search_ids(query)
            hits = search_passages(self.store, query, limit=_HITS_SHOWN)
        except SearchSyntaxError as exc:
            self.search_info.value = (
                f"<span class='evidence-error'>{self.text['error']}: {html.escape(str(exc))}</span>"
            )
            return pd.DataFrame()
        self.hits, self.query, self.shown = ids, query, _HITS_SHOWN
        self._show_hits(hits)
        self.refresh()
        return hits

    def show_more(self) -> pd.DataFrame:
        """List more hits of the current search; return the hits shown."""
        if not self.query:
            return pd.DataFrame()
        self.shown += _HITS_MORE
        hits = search_passages(self.store, self.query, limit=self.shown)
        self._show_hits(hits)
        return hits

    def _show_hits(self, hits: pd.DataFrame) -> None:
        n = len(self.hits) if self.hits is not None else 0
        items = "".join(
            f"<li><b>{html.escape(h['source_key'])}</b>, p. {html.escape(str(h['page_label']))}"
            f": {_marked(h['snippet'])}</li>"
            for h in hits.to_dict("records")
        )
        count = self.text["hits"].format(n=f"{n:,}")
        if n > len(hits):
            count += " · " + self.text["shown"].format(k=len(hits))
        self.search_info.value = (
            f"<div class='evidence-hits'>"
            f"<span class='evidence-hit-count'>{html.escape(count)}</span>"
            f"<ul>{items}</ul></div>"
        )
        self.more.layout.display = "" if n > len(hits) else "none"

    def select_cell(self, row: str, col: str) -> pd.DataFrame:
        """Show the passages of one cell (citation, provenance, highlights, PDF link);
        return them."""
        self.selected = (row, col)
        self.cell = load_cell_passages(
            self.store,
            self.data,
            row,
            col,
            filters=self.filters,
            passage_ids=self.hits,
            root=self.root,
            zotero_library=self.zotero_library,
            limit=self.limit,
            lang=self.lang,
            link_base=self.link_base,
        )
        self.passages.value = self._passages_html(row, col, self.cell)
        return self.cell

    # -- drawing -----------------------------------------------------------------------------
    def _draw(self) -> None:
        value = self.value.value
        m = self.matrix
        rows, cols = list(dict.fromkeys(m["row"])), list(dict.fromkeys(m["col"]))
        peak = max(int(m[value].fillna(0).max()) if len(m) else 0, 1)
        children: list[w.Widget] = [w.HTML("")]
        children += [
            w.HTML(
                f"<div class='evidence-col' title='{html.escape(c)}'>"
                f"{html.escape(self.labels.get(c, c))}</div>"
            )
            for c in cols
        ]
        counts = m.set_index(["row", "col"])[value].fillna(0).astype(int)
        self.buttons = {}
        for i, r in enumerate(rows):
            children.append(
                w.HTML(f"<b title='{html.escape(r)}'>{html.escape(self.labels.get(r, r))}</b>")
            )
            for j, c in enumerate(cols):
                self.buttons[(r, c)] = self._button(r, c, int(counts[(r, c)]), peak, i, j)
                children.append(self.buttons[(r, c)])
        self.grid.children = children
        self.grid.layout.grid_template_columns = f"14em repeat({len(cols)}, minmax(3.2em, 1fr))"
        t = self.text
        self.status.value = html.escape(
            t["total"].format(filled=int((m["sources"] > 0).sum()), cells=len(m))
        )

    def _button(self, row: str, col: str, n: int, peak: int, i: int, j: int) -> w.Button:
        shade = _CMAP(0.08 + 0.92 * n / peak) if n else (0.97, 0.97, 0.97, 1.0)
        dark = n and 0.2126 * shade[0] + 0.7152 * shade[1] + 0.0722 * shade[2] < 0.5
        button = w.Button(
            description=str(n) if n else "·",
            disabled=not n,
            tooltip=f"{self.labels.get(row, row)} × {self.labels.get(col, col)}",
            layout=w.Layout(width="auto", height="2.2em"),
        )
        button.style.button_color = to_hex(shade)
        button.style.text_color = "white" if dark else "black"
        button.add_class("evidence-cell")
        button.add_class(f"evidence-cell-{i}-{j}")
        button.add_class(f"evidence-at-{row}:{col}")
        button.on_click(lambda _b, r=row, c=col: self._safely(self.select_cell, r, c))
        return button

    def _passages_html(self, row: str, col: str, cell: pd.DataFrame) -> str:
        t = self.text
        m = self.matrix
        counts = m[(m["row"] == row) & (m["col"] == col)]
        n, sources = (
            (int(counts["passages"].iloc[0]), int(counts["sources"].iloc[0]))
            if len(counts)
            else (len(cell), cell["source_key"].nunique())
        )
        head = t["cell"].format(
            row=self.labels.get(row, row), col=self.labels.get(col, col), n=n, s=sources
        )
        parts = [f"<h4 class='evidence-cell-title'>{html.escape(head)}</h4>"]
        for p in cell.to_dict("records"):
            cite = html.escape(str(p["citation"]))
            if p["link"]:
                cite = (
                    f"<a class='evidence-open' href='{html.escape(p['link'])}' target='_blank' "
                    f"rel='noopener' title='{html.escape(t['open'])}'>{cite}</a>"
                )
            meta = " · ".join(html.escape(str(x)) for x in (p["lang"], p["provenance"]) if x)
            parts.append(
                f"<div class='evidence-passage' style='margin:0.6em 0'>"
                f"<div>{cite} <small>[{meta}]</small></div>"
                f"<div style='white-space:pre-wrap'>{p['highlighted']}</div></div>"
            )
        if n > len(cell):
            parts.append(f"<p>{html.escape(t['more'].format(n=n - len(cell)))}</p>")
        return "\n".join(parts)


_WIDE = {"description_width": "8.5em"}
_HITS_SHOWN = 5  # hits listed under the search box; "more" lists _HITS_MORE more each time
_HITS_MORE = 10


def _box() -> w.Layout:
    # One layout per control: a layout shared by several controls hides or moves them all.
    return w.Layout(width="98%")


def _dropdown(description: str, options: list[Any], value: str) -> w.Dropdown:
    return w.Dropdown(
        style=_WIDE, options=options, value=value, description=description, layout=_box()
    )


def _choices(
    description: str, options: list[Any], rows: int = 0, empty: str = ""
) -> w.SelectMultiple:
    """A multiple choice; disabled, with a tooltip saying why (``empty``), when there is
    nothing to offer. It stays in place, so its neighbours never move or vanish with it."""
    control = w.SelectMultiple(
        style=_WIDE,
        options=options,
        description=description,
        rows=rows or min(4, max(len(options), 1)),
        layout=_box(),
        disabled=not options,
    )
    if not options:
        control.tooltip = empty
        control.add_class("evidence-empty")
    return control


def _marked(snippet: str) -> str:
    """Return a search snippet (matches in square brackets) as HTML with ``<mark>``."""
    return html.escape(snippet).replace("[", "<mark>").replace("]", "</mark>")


def find_files_base(root: Path | None) -> str | None:
    """Return the URL path under which the Jupyter server running this kernel serves the
    folder ``root`` (``/files/wb/``), or None outside a kernel a Jupyter server started or
    when ``root`` is outside the server's root folder."""
    if root is None or "JPY_SESSION_NAME" not in os.environ:
        return None
    # jupyter_server is there whenever a Jupyter server started this kernel; imported only then.
    from jupyter_server.serverapp import list_running_servers

    parent = os.environ.get("JPY_PARENT_PID", "")
    folder = Path(root).resolve()
    found: list[tuple[bool, int, str]] = []
    for info in list_running_servers():
        served = Path(info.get("root_dir") or info.get("notebook_dir") or "/").resolve()
        try:
            inside = folder.relative_to(served)
        except ValueError:
            continue
        path = quote(inside.as_posix()) + "/" if inside.parts else ""
        base = f"{info.get('base_url') or '/'}files/{path}"
        found.append((str(info.get("pid")) == parent, len(served.parts), base))
    return max(found)[2] if found else None


def build_explorer(
    workbook: Any, *, rows: str = "form", cols: str = "cons", lang: str | None = None
) -> Explorer:
    """Return an :class:`Explorer` over a workbook's store and codebook, labels in ``lang``
    (default: the report language); PDFs open through the Jupyter server when it serves the
    workbook's folder."""
    links = workbook.link_options()
    return Explorer(
        workbook.store,
        workbook.codebook,
        rows=rows,
        cols=cols,
        lang=lang or workbook.settings.language,
        root=links["root"],
        zotero_library=links["zotero_library"],
        link_base=find_files_base(links["root"]),
    )
