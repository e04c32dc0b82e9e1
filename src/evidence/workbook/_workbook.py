"""The workbook as notebooks see it: settings, store and codebook behind a few verbs.

``open_workbook()`` finds ``evidence.toml`` in the current folder (or a parent) and
returns a ``Workbook`` whose methods return DataFrames: the same data the command line
reports, so a notebook and ``evidence ...`` are two faces of one API.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from evidence.analysis import (
    MatrixFilters,
    ThemeSettings,
    compute_confirmation,
    compute_matrix,
    compute_matrix_codings,
    compute_theme_organisations,
    compute_theme_proposals,
    select_codings,
)
from evidence.coding import Codebook, load_codebook
from evidence.config import Chapter, Settings, load_settings
from evidence.errors import ConfigError
from evidence.store import MatrixData, Store, load_matrix_data, open_store

from ._fieldwork import run_fieldwork
from ._pipeline import codebook_cache, run_code, run_extract, run_sync
from ._queries import load_cell_passages, load_matrix_passages, search_passages

__all__ = ["Workbook", "open_workbook"]


class Workbook:
    """One workbook: its settings, its store (opened on first use) and its codebook."""

    def __init__(self, settings: Settings, store: Store | None = None):
        self.settings = settings
        if store is not None:
            # A store opened by the caller (a build holds one): used, and left open on close.
            self.__dict__["store"] = store
            self._borrowed = True
        else:
            self._borrowed = False

    @cached_property
    def store(self) -> Store:
        """The SQLite store, opened (and created or migrated) on first use."""
        return open_store(self.settings.store)

    @cached_property
    def codebook(self) -> Codebook:
        """The codebook, loaded and validated on first use."""
        return load_codebook(self.settings.codebook, cache=codebook_cache(self.settings))

    def close(self) -> None:
        """Close the store if it was opened."""
        if "store" in self.__dict__:
            if not self._borrowed:
                self.store.close()
            del self.__dict__["store"]

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refresh(self, *, progress: bool = False, fieldwork: bool = False) -> dict[str, Any]:
        """Bring the store up to date (sync, extract, code; incremental); return the summaries.

        ``fieldwork=True`` imports the field notes too (consent, pseudonymisation) before coding.
        """
        done = {
            "sync": run_sync(self.settings, self.store),
            "extract": run_extract(self.settings, self.store, progress=progress),
        }
        if fieldwork:
            done["fieldwork"] = run_fieldwork(self.settings, self.store)
        return done | {"code": run_code(self.settings, self.store, progress=progress)}

    def explore(self, *, rows: str = "form", cols: str = "cons", lang: str | None = None) -> Any:
        """Return the interactive explorer (ipywidgets) over this workbook; display its
        ``widget`` in JupyterLab. Labels and controls in ``lang`` (default: report language)."""
        # ipywidgets is only needed in JupyterLab: the command line and builds never load it.
        from ._explore import build_explorer

        return build_explorer(self, rows=rows, cols=cols, lang=lang)

    def chapter(self, chapter_id: str) -> Chapter:
        """Return the chapter defined in evidence.toml with id ``chapter_id``."""
        for chapter in self.settings.chapters:
            if chapter.id == chapter_id:
                return chapter
        known = ", ".join(c.id for c in self.settings.chapters) or "none"
        raise ConfigError(
            f"{self.settings.root / 'evidence.toml'}: no chapter '{chapter_id}' (known: {known})"
        )

    def narrative(self, chapter: Chapter) -> str:
        """Return the coordinator's narrative Markdown of ``chapter`` ("" when it has none)."""
        if not chapter.narrative:
            return ""
        path = self.settings.path(chapter.narrative)
        if not path.is_file():
            raise ConfigError(
                f"{path}: narrative of chapter '{chapter.id}' not found; write it or fix "
                "narrative in evidence.toml"
            )
        return path.read_text(encoding="utf-8")

    def chapter_filters(self, chapter: Chapter) -> MatrixFilters:
        """Return what ``chapter`` counts: its kinds of evidence, people's codings only when
        it asks for confirmed codings (``confirmed_only``)."""
        provenance = "human" if chapter.confirmed_only else "rules"
        return MatrixFilters(kinds=chapter.kinds, provenance=provenance)

    def overview(self, filters: MatrixFilters | None = None) -> dict[str, Any]:
        """Return the sources, documents read, passages and coded passages that ``filters``'
        kinds of evidence hold (every kind by default), and the documents not read."""
        return self.store.overview((filters or MatrixFilters()).kinds)

    def passage_counts(self, filters: MatrixFilters | None = None) -> dict[str, int]:
        """Return the number of passages per source of ``filters``' kinds (all by default)."""
        return self.store.passage_counts((filters or MatrixFilters()).kinds)

    def confirmation(
        self, matrix: pd.DataFrame, filters: MatrixFilters | None = None
    ) -> dict[str, int]:
        """Return how many of the codings behind ``matrix``'s cells a person confirmed."""
        f = filters or MatrixFilters()
        codes = sorted(set(matrix["row"]) | set(matrix["col"]) | set(f.context))
        data = self.matrix_data(codes, filters=f)
        members = compute_matrix_codings(data.codings, matrix, filters=f, sources=data.sources)
        return compute_confirmation(members)

    # -- codes ---------------------------------------------------------------------------------
    def codes(self, facet_or_codes: str | list[str]) -> list[str]:
        """Return code ids of a facet (``"form"``), a prefix (``"cons.user.*"``) or a list."""
        if isinstance(facet_or_codes, list):
            return facet_or_codes
        ids = list(self.codebook.codes)
        pattern = facet_or_codes.rstrip("*").rstrip(".")
        return [i for i in ids if i == pattern or i.startswith(pattern + ".")]

    def labels(self, lang: str | None = None) -> dict[str, str]:
        """Return code id -> label in ``lang`` (default: the workbook's report language)."""
        language = lang or self.settings.language
        return {c.id: self.codebook.label(c.id, language) for c in self.codebook.codes.values()}

    # -- data ----------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Return what the store holds, every item that failed with its reason, and the
        documents with pages that OCR would read (``needs_ocr``)."""
        return {
            **self.store.counts(),
            "failures": self.store.failures(),
            "needs_ocr": self.store.pages_needing_ocr(),
        }

    def scanned_pages(self) -> pd.DataFrame:
        """Return one row per document with pages that OCR would read (image-only pages,
        text without a Unicode map): source_key, path, and which pages; ``evidence extract
        --ocr`` reads them."""
        rows = [
            {"source_key": d["source_key"], "path": d["path"], "pages": "; ".join(d["pages"])}
            for d in self.store.pages_needing_ocr()
        ]
        return pd.DataFrame(rows, columns=["source_key", "path", "pages"])

    def sources(self) -> pd.DataFrame:
        """Return the sources (one row per reference)."""
        return self.store.sources_frame()

    def documents(self) -> pd.DataFrame:
        """Return the documents with their extraction status and reason."""
        return self.store.documents_frame()

    def passages(self, sections: list[str] | None = None) -> pd.DataFrame:
        """Return passages, optionally only those of some sections."""
        return self.store.passages_frame(sections)

    def codings(self, *, effective: bool = True) -> pd.DataFrame:
        """Return codings with their origin and provenance (human decisions applied)."""
        return self.store.codings_frame(effective=effective)

    def search(self, query: str, limit: int = 20) -> pd.DataFrame:
        """Return full-text search hits (FTS5 syntax) with key, page label and snippet.

        Hits are ranked by relevance when at most 20,000 passages match, else in document order
        (the ``ranked`` column says which), so a search stays fast on a large store.
        """
        return search_passages(self.store, query, limit)

    def matrix(
        self,
        rows: str | list[str] = "form",
        cols: str | list[str] = "cons",
        filters: MatrixFilters | None = None,
        *,
        search: str = "",
    ) -> pd.DataFrame:
        """Return the long evidence matrix for two facets (or code lists): per cell the
        distinct sources, passages, documents and field sources; ``search`` (FTS5 syntax)
        keeps the passages that match it."""
        f = filters or MatrixFilters()
        row_codes, col_codes = self.codes(rows), self.codes(cols)
        data = self.matrix_data([*row_codes, *col_codes, *f.context], filters=f)
        return compute_matrix(
            data.codings,
            row_codes,
            col_codes,
            filters=f,
            sources=data.sources,
            passage_ids=self._hits(search),
        )

    def matrix_with_suggestions(
        self,
        rows: str | list[str] = "form",
        cols: str | list[str] = "cons",
        filters: MatrixFilters | None = None,
        *,
        min_score: float = 0.5,
        search: str = "",
    ) -> pd.DataFrame:
        """Return :meth:`matrix` (rule codings and people's decisions) with, beside each count,
        what model suggestions of at least ``min_score`` would add: ``suggested_sources`` and
        ``suggested_passages``. The counts themselves never include suggestions."""
        f = filters or MatrixFilters()
        counted = self.matrix(rows, cols, replace(f, provenance="rules"), search=search)
        suggesting = replace(f, provenance="suggestions", min_score=min_score)
        wider = self.matrix(rows, cols, suggesting, search=search)
        return counted.assign(
            suggested_sources=wider["sources"] - counted["sources"],
            suggested_passages=wider["passages"] - counted["passages"],
        )

    def matrix_data(self, codes: list[str], filters: MatrixFilters | None = None) -> MatrixData:
        """Return the codings of ``codes`` as matrices read them, with what ``filters`` need
        (reused until the store changes)."""
        f = filters or MatrixFilters()
        return load_matrix_data(
            self.store, codes, langs=bool(f.langs), scores=f.provenance == "suggestions"
        )

    def counted_codings(self, *, confirmed: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return the codings that count, of every code (a person's only when ``confirmed``),
        and the sources: the matrices' decision rule, read by the matrices' loader."""
        f = MatrixFilters(provenance="human" if confirmed else "rules")
        data = self.matrix_data(list(self.codebook.codes), filters=f)
        return select_codings(data.codings, f, data.sources), data.sources

    def themes(
        self, *, confirmed: bool = False, settings: ThemeSettings | None = None
    ) -> pd.DataFrame:
        """Return the themes the field material proposes (``compute_theme_proposals``): codes
        its passages and interviews raise together, the most widely raised first."""
        codings, sources = self.counted_codings(confirmed=confirmed)
        return compute_theme_proposals(codings, sources, settings)

    def theme_organisations(
        self, themes: dict[str, Any], *, confirmed: bool = False
    ) -> pd.DataFrame:
        """Return themes (id -> codes) x organisations: the theme passages of each."""
        codings, sources = self.counted_codings(confirmed=confirmed)
        return compute_theme_organisations(codings, sources, themes)

    def _hits(self, search: str) -> Any:
        return self.store.search_ids(search) if search.strip() else None

    def link_options(self) -> dict[str, Any]:
        """Return what links to PDFs need: the workbook root (documents' paths are relative
        to it) and the Zotero library prefix (``library`` or ``groups/<id>``)."""
        zotero = self.settings.zotero
        library = "library" if zotero.library_type == "user" else f"groups/{zotero.library_id}"
        return {"root": self.settings.root, "zotero_library": library}

    def _links(self, lang: str | None, link_base: str | None = None) -> dict[str, Any]:
        return {
            **self.link_options(),
            "lang": lang or self.settings.language,
            "link_base": link_base,
        }

    def report_link_base(self) -> str:
        """Return the prefix that reaches the workbook's folder from a chapter in reports/
        (``../``): links relative to the chapter open the PDFs whether the chapter is read
        from disk or served by JupyterLab."""
        reports = self.settings.reports.resolve()
        root = self.settings.root.resolve()
        up = os.path.relpath(root, reports).replace(os.sep, "/")
        return "" if up == "." else f"{up}/"

    def cell(
        self,
        row: str,
        col: str,
        filters: MatrixFilters | None = None,
        *,
        search: str = "",
        lang: str | None = None,
        link_base: str | None = None,
    ) -> pd.DataFrame:
        """Return the passages behind one matrix cell: citation, page label, language,
        provenance, highlighted matches and a link opening the PDF at the page (under
        ``link_base``, a URL prefix for the workbook folder, else as ``file://``)."""
        f = filters or MatrixFilters()
        data = self.matrix_data([row, col, *f.context], filters=f)
        return load_cell_passages(
            self.store,
            data,
            row,
            col,
            filters=f,
            passage_ids=self._hits(search),
            **self._links(lang, link_base),
        )

    def matrix_passages(
        self,
        matrix: pd.DataFrame,
        filters: MatrixFilters | None = None,
        *,
        search: str = "",
        lang: str | None = None,
        link_base: str | None = None,
    ) -> pd.DataFrame:
        """Return the passages behind every non-empty cell of ``matrix``, with row and col
        (citations in ``lang``, by default the report language; links as :meth:`cell`)."""
        f = filters or MatrixFilters()
        codes = sorted(set(matrix["row"]) | set(matrix["col"]) | set(f.context))
        data = self.matrix_data(codes, filters=f)
        return load_matrix_passages(
            self.store,
            data,
            matrix,
            filters=f,
            passage_ids=self._hits(search),
            **self._links(lang, link_base),
        )


def open_workbook(root: str | Path | None = None) -> Workbook:
    """Return the workbook whose ``evidence.toml`` is at or above ``root`` (default: cwd)."""
    return Workbook(load_settings(root))
