"""The content of a report chapter, as Markdown: headings, overview, evidence table, quotes.

Pure functions from data to text, so the chapter template notebook stays a thin
sequence of calls and every sentence of a chapter can be tested without running it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from evidence import i18n
from evidence.config import Chapter

__all__ = [
    "chapter_text",
    "cite",
    "compute_changes",
    "compute_snapshot",
    "escape_markdown",
    "render_changes",
    "compute_key_quotes",
    "render_confirmation",
    "render_cell_annex",
    "render_evidence_table",
    "render_overview",
    "render_quotes",
    "render_title",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~^$@])")


def escape_markdown(value: str) -> str:
    """Return ``value`` with pandoc Markdown's special characters escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(value.split()))


def cite(key: str, page: str = "", refs: dict[str, str] | None = None) -> str:
    """Return a pandoc citation of ``key`` at ``page``: ``[@{key}, p. 12]``.

    Sources outside the bibliography (field material) are cited as plain text from ``refs``
    (key -> reference such as ``Entretien ORG03, 2025``): ``(Entretien ORG03, 2025, §4)``.
    """
    if refs and key in refs:
        return (
            f"({escape_markdown(refs[key])}, {page})" if page else f"({escape_markdown(refs[key])})"
        )
    return f"[@{{{key}}}, p. {page}]" if page else f"[@{{{key}}}]"


def chapter_text(key: str, lang: str, **values: object) -> str:
    """Return the fixed chapter text ``key`` in ``lang`` (fr, nl, en), filled with ``values``."""
    return i18n.text("chapter", key, lang, **values)


def render_title(chapter: Chapter, lang: str) -> str:
    """Return the chapter's level-1 heading."""
    return f"# {chapter.title_in(lang)}"


def render_overview(overview: dict[str, int], lang: str, evidence: str = "literature") -> str:
    """Return the overview paragraph: what the chapter counts, its sources, documents read,
    passages and coded passages (``Workbook.overview``), and the documents not read."""
    lines = [f"## {chapter_text('overview', lang)}", ""]
    lines.append(
        chapter_text(
            "overview_line",
            lang,
            sources=overview["sources"],
            documents=overview["documents_ok"],
            passages=overview["passages"],
            coded=overview["coded"],
        )
        + " "
        + chapter_text(f"scope_{evidence}", lang)
    )
    if overview.get("unread"):
        lines += ["", chapter_text("skipped", lang, n=overview["unread"])]
    return "\n".join(lines)


def render_confirmation(confirmation: dict[str, int], lang: str, *, only: bool = False) -> str:
    """Return the sentence saying how much of the chapter's evidence a person confirmed."""
    n, k = confirmation["codings"], confirmation["confirmed"]
    if only:
        return chapter_text("confirmation_only", lang, n=n)
    share = round(100 * k / n) if n else 0
    return chapter_text("confirmation", lang, n=n, k=k, share=share)


def _count(row: pd.Series, both: bool, field_letter: str) -> str:
    total = int(row["sources"])
    if not both or not total:
        return str(total)
    field = int(row["field_sources"])
    parts = [
        f"L{total - field}" if total - field else "",
        f"{field_letter}{field}" if field else "",
    ]
    return f"{total} ({' · '.join(p for p in parts if p)})"


_SHORT_HEADER = 12  # column labels longer than this are numbered, with a legend


def render_evidence_table(
    matrix: pd.DataFrame, labels: dict[str, str], *, both: bool = False, lang: str = "fr"
) -> str:
    """Return the matrix as a Markdown table of source counts, with code labels.

    With ``both`` (a chapter counting literature and field material), each count says how
    many sources are literature (L) and field material (T, V or F). So that the table fits
    a printed page (HTML, PDF and DOCX alike), long column labels become numbers explained
    in a legend under the table, and the row labels get the widest column.
    """
    letter = i18n.text("common", "field_letter", lang)
    cells = {(r["row"], r["col"]): _count(r, both, letter) for _, r in matrix.iterrows()}
    rows = list(dict.fromkeys(matrix["row"]))
    cols = list(dict.fromkeys(matrix["col"]))
    names = [labels.get(c, c) for c in cols]
    numbered = any(len(n) > _SHORT_HEADER for n in names)
    heads = [str(i) for i in range(1, len(cols) + 1)] if numbered else names
    # pandoc sizes the columns by the dashes of this line once it is longer than 72
    # characters: the row labels get about 40 % of the width, the counts share the rest.
    count_dashes = 10 if both else 6
    label_dashes = max(40, 80 - count_dashes * len(cols))
    head = "| | " + " | ".join(escape_markdown(h) for h in heads) + " |"
    rule = f"|:{'-' * label_dashes}|" + "|".join("-" * count_dashes + ":" for _ in cols) + "|"
    body = [
        f"| {escape_markdown(labels.get(r, r))} | " + " | ".join(cells[(r, c)] for c in cols) + " |"
        for r in rows
    ]
    table = "\n".join([head, rule, *body])
    if not numbered:
        return table
    legend = " · ".join(f"**{i}** {escape_markdown(n)}" for i, n in enumerate(names, start=1))
    return f"{table}\n\n*{chapter_text('legend', lang)}* {legend}"


def compute_key_quotes(
    matrix: pd.DataFrame, cells: pd.DataFrame, limit: int, *, last: Sequence[str] = ()
) -> pd.DataFrame:
    """Return up to ``limit`` quotes, one per cell, from the best-supported cells first.

    ``cells`` holds the passages behind the cells, each cell's best-supported first (the
    drill-down, ``Workbook.matrix_passages``), so a cell's quote is the passage that argues
    it best; a passage already quoted for one cell is not quoted again for another.
    Passages of the sources in ``last`` are quoted only when a cell has no other.
    """
    demoted = set(last)
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
        fresh = pd.concat(
            [fresh[~fresh["source_key"].isin(demoted)], fresh[fresh["source_key"].isin(demoted)]]
        )
        if not fresh.empty:
            first = fresh.iloc[0].to_dict()
            seen.add(str(first["id"]))
            picked.append(first)
        if len(picked) >= limit:
            break
    columns = ["row", "col", "id", "source_key", "citation", "page_label", "lang", "text"]
    columns += [c for c in ("kind", "confirmed", "far", "link") if c in cells.columns]
    return pd.DataFrame(picked, columns=columns)


def _provenance(p: pd.Series | dict[str, object], lang: str, both: bool) -> str:
    """Return what a quote rests on: confirmed by a person or automatic, and its kind."""
    words = [chapter_text("confirmed" if bool(p.get("confirmed")) else "automatic", lang)]
    if both:
        words.insert(0, chapter_text("field" if p.get("kind") == "field" else "literature", lang))
    return " · ".join(words)


def _opening(p: pd.Series | dict[str, object], lang: str) -> str:
    """Return `` · [open the PDF](link)`` for a passage with a link to its page, else ""."""
    link = p.get("link")
    if not isinstance(link, str) or not link:
        return ""
    return f" · [{chapter_text('open_pdf', lang)}]({link.replace(')', '%29').replace(' ', '%20')})"


def render_quotes(
    quotes: pd.DataFrame,
    labels: dict[str, str],
    lang: str,
    refs: dict[str, str] | None = None,
    *,
    both: bool = False,
) -> str:
    """Return the key quotes as Markdown block quotes, each with its citation and page and
    what it rests on (a person's confirmation or the rules; with ``both``, its kind)."""
    lines = [f"## {chapter_text('quotes', lang)}", ""]
    if quotes.empty:
        return "\n".join([*lines, chapter_text("no_quotes", lang)])
    for _, q in quotes.iterrows():
        lines.append(f"**{labels.get(q['row'], q['row'])} × {labels.get(q['col'], q['col'])}**")
        lines.append("")
        lines.append(f"> {escape_markdown(str(q['text']))}")
        lines.append(
            f"> {cite(str(q['source_key']), str(q['page_label']), refs)} · "
            f"*{_provenance(q, lang, both)}*{_opening(q, lang)}"
        )
        lines.append("")
    return "\n".join(lines).rstrip()


def render_cell_annex(
    cells: pd.DataFrame,
    labels: dict[str, str],
    lang: str,
    per_cell: int = 0,
    refs: dict[str, str] | None = None,
    *,
    both: bool = False,
) -> str:
    """Return every non-empty cell's passages (``per_cell`` at most; 0: all) with citations
    and what each rests on, best-supported first."""
    lines = [f"## {chapter_text('annex', lang)}"]
    for (row, col), group in cells.groupby(["row", "col"], sort=False):
        lines += ["", f"### {labels.get(row, row)} × {labels.get(col, col)}", ""]
        shown = group if per_cell <= 0 else group.head(per_cell)
        open_q, close_q = (
            i18n.text("common", "quote_open", lang),
            i18n.text("common", "quote_close", lang),
        )
        lines += [
            f"- {open_q}{escape_markdown(str(p['text']))}{close_q} "
            f"{cite(str(p['source_key']), str(p['page_label']), refs)} · "
            f"*{_provenance(p, lang, both)}*{_opening(p, lang)}"
            for _, p in shown.iterrows()
        ]
        if len(group) > len(shown):
            lines.append(f"- {chapter_text('more', lang, n=len(group) - len(shown))}")
    return "\n".join(lines)


def compute_snapshot(per_source: Mapping[str, int], matrix: pd.DataFrame) -> dict[str, Any]:
    """Return the chapter's data in brief: passages per source (``per_source``, e.g.
    ``Workbook.passage_counts``) and sources per non-empty cell."""
    cells = matrix[matrix["sources"] > 0]
    return {
        "sources": {str(k): int(v) for k, v in sorted(per_source.items())},
        "cells": {
            f"{r}|{c}": int(n)
            for r, c, n in sorted(zip(cells["row"], cells["col"], cells["sources"], strict=True))
        },
    }


def compute_changes(current: dict[str, Any], baseline: dict[str, Any]) -> dict[str, Any]:
    """Return what changed from ``baseline`` to ``current`` (two ``compute_snapshot`` results).

    ``baseline`` is the previous build's snapshot; its ``built`` date (when that build was
    made) and ``since`` date (since when its data had not changed), when given, say when.
    The same data again is ``unchanged`` since ``since``.
    """
    if not baseline:
        return {"first_build": True}
    old_s, new_s = baseline.get("sources", {}), current.get("sources", {})
    old_c, new_c = baseline.get("cells", {}), current.get("cells", {})
    if old_s == new_s and old_c == new_c:
        return {"first_build": False, "unchanged": True, "since": baseline.get("since", "")}
    cells = {
        k: (old_c.get(k, 0), new_c.get(k, 0))
        for k in sorted({*old_c, *new_c})
        if old_c.get(k, 0) != new_c.get(k, 0)
    }
    return {
        "first_build": False,
        "unchanged": False,
        "since": baseline.get("built", ""),
        "new_sources": sorted(set(new_s) - set(old_s)),
        "removed_sources": sorted(set(old_s) - set(new_s)),
        "passages_delta": sum(new_s.values()) - sum(old_s.values()),
        "cells": cells,
    }


def render_changes(changes: dict[str, Any], labels: dict[str, str], lang: str) -> str:
    """Return the "what changed since the last build" section: the differences from the
    previous build and its date, or that nothing changed and since when."""
    lines = [f"## {chapter_text('changes', lang)}", ""]
    if changes.get("first_build"):
        return "\n".join([*lines, chapter_text("first_build", lang)])
    since = changes.get("since", "")
    if changes.get("unchanged"):
        same = chapter_text("no_change_since", lang, date=since) if since else ""
        return "\n".join([*lines, same or chapter_text("no_change", lang)])
    body = [chapter_text("changes_since", lang, date=since)] if since else []
    if changes.get("new_sources"):
        body.append(chapter_text("new_sources", lang, keys=", ".join(changes["new_sources"])))
    if changes.get("removed_sources"):
        body.append(
            chapter_text("removed_sources", lang, keys=", ".join(changes["removed_sources"]))
        )
    if changes.get("passages_delta"):
        delta = changes["passages_delta"]
        body.append(chapter_text("new_passages", lang, n=max(delta, 0), delta=delta))
    if changes.get("cells"):
        body.append(chapter_text("changed_cells", lang))
        body.append("")
        for key, (old, new) in changes["cells"].items():
            row, col = key.split("|")
            body.append(f"- {labels.get(row, row)} × {labels.get(col, col)}: {old} → {new}")
    if len(body) == (1 if since else 0):
        body.append(chapter_text("no_change", lang))
    return "\n".join(lines + body)
