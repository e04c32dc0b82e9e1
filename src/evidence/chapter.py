"""The content of a report chapter, as Markdown: headings, overview, evidence table, quotes.

Pure functions from data to text, so the chapter template notebook stays a thin
sequence of calls and every sentence of a chapter can be tested without running it.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .config import Chapter
from .matrix import pivot_matrix

__all__ = [
    "TEXT",
    "compute_key_quotes",
    "render_cell_annex",
    "render_evidence_table",
    "render_overview",
    "render_quotes",
    "render_sources",
    "render_title",
    "text",
]

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "overview": "Vue d'ensemble du corpus",
        "overview_line": "Le corpus compte {sources} sources, {documents} documents lus "
                         "({passages} passages) et {coded} passages codés.",
        "skipped": "{n} document(s) n'ont pas pu être lus ; voir `evidence status`.",
        "matrix": "Matrice des preuves",
        "matrix_caption": "Nombre de sources distinctes par croisement de codes.",
        "quotes": "Extraits clés",
        "sources": "Sources citées",
        "narrative": "Analyse",
        "no_quotes": "Aucun extrait ne porte ces deux codes à la fois.",
        "annex": "Annexe : les passages de chaque cellule",
        "more": "… et {n} autre(s) passage(s) ; voir le classeur Excel de la matrice.",
    },
    "nl": {
        "overview": "Overzicht van het corpus",
        "overview_line": "Het corpus telt {sources} bronnen, {documents} gelezen documenten "
                         "({passages} passages) en {coded} gecodeerde passages.",
        "skipped": "{n} document(en) konden niet gelezen worden; zie `evidence status`.",
        "matrix": "Evidentiematrix",
        "matrix_caption": "Aantal verschillende bronnen per combinatie van codes.",
        "quotes": "Kernfragmenten",
        "sources": "Geciteerde bronnen",
        "narrative": "Analyse",
        "no_quotes": "Geen fragment draagt beide codes tegelijk.",
        "annex": "Bijlage: de passages van elke cel",
        "more": "… en nog {n} passage(s); zie de Excel-werkmap van de matrix.",
    },
    "en": {
        "overview": "Overview of the corpus",
        "overview_line": "The corpus holds {sources} sources, {documents} documents read "
                         "({passages} passages) and {coded} coded passages.",
        "skipped": "{n} document(s) could not be read; see `evidence status`.",
        "matrix": "Evidence matrix",
        "matrix_caption": "Number of distinct sources per crossing of codes.",
        "quotes": "Key quotes",
        "sources": "Sources cited",
        "narrative": "Analysis",
        "no_quotes": "No passage carries both codes.",
        "annex": "Annex: the passages of each cell",
        "more": "… and {n} more passage(s); see the matrix workbook in Excel.",
    },
}


def text(key: str, lang: str, **values: object) -> str:
    """Return the fixed chapter text ``key`` in ``lang`` (fr, nl, en), filled with ``values``."""
    return TEXT.get(lang, TEXT["en"])[key].format(**values)


def render_title(chapter: Chapter, lang: str) -> str:
    """Return the chapter's level-1 heading."""
    return f"# {chapter.title_in(lang)}"


def render_overview(status: dict[str, object], coded: int, lang: str) -> str:
    """Return the overview paragraph: sources, documents read, passages, coded passages."""
    lines = [f"## {text('overview', lang)}", ""]
    lines.append(text(
        "overview_line", lang, sources=status["sources"], documents=status["documents_ok"],
        passages=status["passages"], coded=coded,
    ))
    failed = [f for f in status.get("failures", []) if f["stage"] == "extract"]  # type: ignore[union-attr]
    if failed:
        lines += ["", text("skipped", lang, n=len(failed))]
    return "\n".join(lines)


def render_evidence_table(matrix: pd.DataFrame, labels: dict[str, str]) -> str:
    """Return the matrix as a Markdown table of source counts, with code labels."""
    table = pivot_matrix(matrix)
    cols = list(table.columns)
    head = "| | " + " | ".join(labels.get(c, c) for c in cols) + " |"
    rule = "|---|" + "|".join("---:" for _ in cols) + "|"
    body = [
        f"| {labels.get(r, r)} | " + " | ".join(str(int(v)) for v in table.loc[r]) + " |"
        for r in table.index
    ]
    return "\n".join([head, rule, *body])


def compute_key_quotes(matrix: pd.DataFrame, cells: pd.DataFrame, limit: int) -> pd.DataFrame:
    """Return up to ``limit`` quotes, one per cell, from the best-supported cells first.

    ``cells`` holds the passages behind the cells (``compute_matrix_passages``); a passage
    already quoted for one cell is not quoted again for another.
    """
    ranked = matrix[matrix["sources"] > 0].sort_values(
        ["sources", "passages", "row", "col"], ascending=[False, False, True, True]
    )
    by_cell = {key: group for key, group in cells.groupby(["row", "col"], sort=False)}
    picked: list[dict[str, object]] = []
    seen: set[str] = set()
    for row, col in zip(ranked["row"], ranked["col"], strict=True):
        group = by_cell.get((row, col))
        if group is None:
            continue
        fresh = group[~group["id"].isin(seen)]
        if not fresh.empty:
            first = fresh.iloc[0].to_dict()
            seen.add(str(first["id"]))
            picked.append(first)
        if len(picked) >= limit:
            break
    columns = ["row", "col", "id", "source_key", "citation", "page_label", "lang", "text"]
    return pd.DataFrame(picked, columns=columns)


def render_quotes(quotes: pd.DataFrame, labels: dict[str, str], lang: str) -> str:
    """Return the key quotes as Markdown block quotes, each with its citation and page."""
    lines = [f"## {text('quotes', lang)}", ""]
    if quotes.empty:
        return "\n".join([*lines, text("no_quotes", lang)])
    for _, q in quotes.iterrows():
        lines.append(f"**{labels.get(q['row'], q['row'])} × {labels.get(q['col'], q['col'])}**")
        lines.append("")
        lines.append(f"> {q['text']}")
        lines.append(f"> — {q['citation']}")
        lines.append("")
    return "\n".join(lines).rstrip()


def render_cell_annex(
    cells: pd.DataFrame, labels: dict[str, str], lang: str, per_cell: int = 0
) -> str:
    """Return every non-empty cell's passages (``per_cell`` at most; 0: all) with citations."""
    lines = [f"## {text('annex', lang)}"]
    for (row, col), group in cells.groupby(["row", "col"], sort=False):
        lines += ["", f"### {labels.get(row, row)} × {labels.get(col, col)}", ""]
        shown = group if per_cell <= 0 else group.head(per_cell)
        lines += [f"- {p['citation']}: « {p['text']} »" if lang == "fr"
                  else f"- {p['citation']}: “{p['text']}”" for _, p in shown.iterrows()]
        if len(group) > len(shown):
            lines.append(f"- {text('more', lang, n=len(group) - len(shown))}")
    return "\n".join(lines)


def render_sources(sources: pd.DataFrame, keys: Sequence[str], lang: str) -> str:
    """Return the list of sources cited, one line each, sorted by citation key."""
    cited = sources[sources["key"].isin(set(keys))].sort_values("key")
    lines = [f"## {text('sources', lang)}", ""]
    for _, s in cited.iterrows():
        year = "" if pd.isna(s["year"]) else f" ({int(s['year'])})"
        lines.append(f"- `{s['key']}`: {s['title']}{year}")
    return "\n".join(lines)
