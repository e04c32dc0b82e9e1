"""Theme briefs and the recommendations table, as Markdown built from both kinds of evidence.

A theme brief (one per chapter of evidence.toml) argues in about two pages: a claim per
best-supported cell that the literature and the field both document, each with a quote
from each; what the field adds; what only the literature documents; the triangulation
table; and the organisations whose material supports the theme, as those that could carry
it. The same data always give the same text: every choice is ordered. The counts and quotes
come from the matrix engine and its drill-down, so a brief counts what a chapter counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from evidence.analysis import compute_cell_evidence, compute_triangulation
from evidence.config import Chapter
from evidence.i18n import text, texts

from ._chapter import escape_markdown

__all__ = ["render_recommendations", "render_theme_brief", "render_triangulation"]


def _t(lang: str, key: str, **values: object) -> str:
    return text("brief", key, lang, **values)


def _quote(text: str, limit: int = 320) -> str:
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return escape_markdown(flat)


def _pick(group: pd.DataFrame, seen: set[str]) -> pd.Series | None:
    """The first unused passage of a reasonable length (then any unused one)."""
    fresh = group[~group["id"].isin(seen)]
    if fresh.empty:
        return None
    fitting = fresh[fresh["text"].str.len().between(60, 700)]
    row = (fitting if not fitting.empty else fresh).iloc[0]
    seen.add(str(row["id"]))
    return row


def _orgs(group: pd.DataFrame) -> str:
    return ", ".join(sorted(set(group["organisation"]) - {""})) or "—"


def render_triangulation(tri: pd.DataFrame, labels: dict[str, str], lang: str) -> str:
    """Return the triangulation table: per cell ``L2 · T1 ✔``, ``L1``, ``T2`` or empty."""
    letter = text("common", "field_letter", lang)
    rows = list(dict.fromkeys(tri["row"]))
    cols = list(dict.fromkeys(tri["col"]))
    cell = {
        (r, c): " · ".join(
            p for p in (f"L{lit}" if lit else "", f"{letter}{fld}" if fld else "") if p
        )
        + (" ✔" if lit and fld else "")
        for r, c, lit, fld in tri[["row", "col", "literature", "field"]].itertuples(index=False)
    }
    head = "| | " + " | ".join(labels.get(c, c) for c in cols) + " |"
    rule = "|---|" + "|".join(":---:" for _ in cols) + "|"
    body = [
        f"| {labels.get(r, r)} | " + " | ".join(cell[(r, c)] for c in cols) + " |" for r in rows
    ]
    return "\n".join([head, rule, *body, "", _t(lang, "legend")])


def _basis(tri: pd.DataFrame, cells: pd.DataFrame, lang: str) -> str:
    used = cells.drop_duplicates("source_key")
    return _t(
        lang,
        "basis",
        lit=int((used["kind"] != "field").sum()),
        field=int((used["kind"] == "field").sum()),
        orgs=len(set(used["organisation"]) - {""}),
        both=int((tri["evidence"] == "both").sum()),
        lonly=int((tri["evidence"] == "literature").sum()),
        fonly=int((tri["evidence"] == "field").sum()),
    )


def _claims(
    ranked: pd.DataFrame,
    by_cell: dict[tuple[str, str], pd.DataFrame],
    labels: dict[str, str],
    lang: str,
    seen: set[str],
    limit: int,
) -> list[str]:
    """The cells both kinds of evidence document, each argued with a quote from each."""
    out = [f"## {_t(lang, 'claims')}", ""]
    both = ranked[ranked["evidence"] == "both"].head(limit)
    for n, (r, c, lit, fld) in enumerate(
        both[["row", "col", "literature", "field"]].itertuples(index=False), start=1
    ):
        group = by_cell[(r, c)]
        row, col = labels.get(r, r), labels.get(c, c)
        orgs = _orgs(group[group["kind"] == "field"])
        out += [f"### {n}. {row} × {col}", ""]
        out += [_t(lang, "claim", row=row, col=col, lit=lit, field=fld, orgs=orgs), ""]
        for kind in ("literature", "field"):
            pick = _pick(group[(group["kind"] == "field") == (kind == "field")], seen)
            if pick is not None:
                out += [f"> {_quote(pick['text'])}", f"> — ({pick['citation']})", ""]
    if both.empty:
        out += [_t(lang, "no_claims"), ""]
    return out


def _field_adds(
    ranked: pd.DataFrame,
    by_cell: dict[tuple[str, str], pd.DataFrame],
    labels: dict[str, str],
    lang: str,
    seen: set[str],
    limit: int,
) -> list[str]:
    """The cells only the field documents, each with a short quote."""
    words = texts("common", lang)
    out = [f"## {_t(lang, 'field_adds')}", ""]
    field_only = ranked[ranked["evidence"] == "field"].head(limit)
    for r, c, fld in field_only[["row", "col", "field"]].itertuples(index=False):
        group = by_cell[(r, c)]
        pick = _pick(group, seen)
        quote = (
            f" {words['quote_open']}{_quote(pick['text'], 160)}{words['quote_close']}"
            f" ({pick['citation']})"
            if pick is not None
            else ""
        )
        out.append(
            f"- **{labels.get(r, r)} × {labels.get(c, c)}**{words['colon']}"
            + _t(lang, "field_line", field=fld, orgs=_orgs(group))
            + "."
            + quote
        )
    if field_only.empty:
        out.append(_t(lang, "none"))
    return out


def _literature_only(
    ranked: pd.DataFrame,
    by_cell: dict[tuple[str, str], pd.DataFrame],
    labels: dict[str, str],
    lang: str,
    limit: int,
) -> list[str]:
    """The cells only the literature documents, with their references."""
    colon = text("common", "colon", lang)
    out = [f"## {_t(lang, 'lit_only')}", ""]
    lit_only = ranked[ranked["evidence"] == "literature"].head(limit)
    for r, c, lit in lit_only[["row", "col", "literature"]].itertuples(index=False):
        refs = "; ".join(sorted(set(by_cell[(r, c)]["reference"])))
        out.append(
            f"- **{labels.get(r, r)} × {labels.get(c, c)}**{colon}"
            + _t(lang, "lit_line", lit=lit, refs=escape_markdown(refs))
            + "."
        )
    if lit_only.empty:
        out.append(_t(lang, "none"))
    return out


def render_theme_brief(
    chapter: Chapter,
    matrix: pd.DataFrame,
    cells: pd.DataFrame,
    sources: pd.DataFrame,
    labels: dict[str, str],
    lang: str,
    *,
    claims: int = 5,
    lines: int = 6,
) -> str:
    """Return the theme brief of ``chapter`` as Markdown (about two pages).

    ``matrix`` is the chapter's matrix of literature and field evidence, ``cells`` its
    drill-down; ``claims`` caps the argued cells, ``lines`` the other lists.
    """
    tri = compute_triangulation(matrix, cells)
    evidence = compute_cell_evidence(cells, sources, lang)
    evidence = evidence[evidence["section"] != "question"]
    by_cell = {key: g for key, g in evidence.groupby(["row", "col"], sort=False)}
    ranked = tri.assign(total=tri["literature"] + tri["field"]).sort_values(
        ["total", "field", "literature"], ascending=False, kind="stable"
    )
    seen: set[str] = set()
    out = [
        f"# {_t(lang, 'title', title=chapter.title_in(lang))}",
        "",
        f"*{_basis(tri, evidence, lang)}*",
        "",
        *_claims(ranked, by_cell, labels, lang, seen, claims),
        *_field_adds(ranked, by_cell, labels, lang, seen, lines),
        "",
        *_literature_only(ranked, by_cell, labels, lang, lines),
        "",
        f"## {_t(lang, 'table')}",
        "",
        render_triangulation(tri, labels, lang),
        "",
        f"## {_t(lang, 'carriers')}",
        "",
        *_carriers(evidence, sources, lang),
    ]
    return "\n".join(out).rstrip() + "\n"


def _carriers(cells: pd.DataFrame, sources: pd.DataFrame, lang: str) -> list[str]:
    field = cells[(cells["kind"] == "field") & (cells["organisation"] != "")]
    if field.empty:
        return [_t(lang, "no_carriers")]
    meta = sources.set_index("key")
    kinds = texts("kind", lang)
    stats = []
    for org, group in field.groupby("organisation"):
        keys = sorted(set(group["source_key"]))
        sectors = sorted({str(meta.at[k, "container"]) for k in keys} - {"", "nan"})
        types = sorted(
            {kinds.get(str(meta.at[k, "item_type"]), str(meta.at[k, "item_type"])) for k in keys}
        )
        n_cells = len(group[["row", "col"]].drop_duplicates())
        stats.append((-n_cells, -group["id"].nunique(), org, sectors, types))
    return [
        "- "
        + _t(
            lang,
            "carrier",
            org=org,
            cells=-nc,
            passages=-np_,
            sector=f" ({escape_markdown(', '.join(sectors))})" if sectors else "",
            kinds=", ".join(types).lower(),
        )
        for nc, np_, org, sectors, types in sorted(stats)
    ]


def render_recommendations(
    table: pd.DataFrame, labels: dict[str, str], lang: str, forms: Sequence[str] = ()
) -> str:
    """Return the recommendations table (``compute_recommendations``) as Markdown, by form.

    ``forms`` (all form codes) lets the note list the forms with no documented response.
    """
    evidence = texts("evidence", lang)
    out = [f"# {_t(lang, 'rec_title')}", "", "*" + _t(lang, "rec_intro") + "*"]
    for form, group in table.groupby("row", sort=False):
        out += [
            "",
            f"## {labels.get(form, form)}",
            "",
            _t(lang, "rec_head"),
            "|---|---:|---:|---|---|",
        ]
        for _, r in group.iterrows():
            refs = "; ".join(x for x in (r["literature_sources"], r["field_sources"]) if x)
            out.append(
                f"| {labels.get(r['col'], r['col'])} | {r['literature']} | {r['field']} | "
                f"{evidence[r['evidence']]} | {escape_markdown(refs)} |"
            )
    missing = [labels.get(f, f) for f in forms if f not in set(table["row"])]
    if missing:
        out += ["", _t(lang, "rec_none", forms=", ".join(missing))]
    return "\n".join(out) + "\n"
