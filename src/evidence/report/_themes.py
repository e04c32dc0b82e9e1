"""The argument of a theme of themes.yml: about two pages, written from field and literature.

:func:`render_theme_argument` turns what the analysis computed for one theme (its passages
with their text, what the literature says, the tensions between organisations, the
organisations able to carry it) into Markdown with pandoc citations; the same data always
give the same text. :func:`write_theme_documents` renders the arguments to Markdown, HTML
and DOCX through the pandoc path of the chapters, and replaces the published files only when
every argument rendered.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from evidence.i18n import text, texts

from ._chapter import escape_markdown
from ._publish import _with_bibliography, render_documents

__all__ = ["render_theme_argument", "write_theme_documents"]


def _t(lang: str, key: str, **values: object) -> str:
    return text("theme", key, lang, **values)


def _short(value: str, limit: int = 420) -> str:
    flat = " ".join(str(value).split())
    if len(flat) > limit:
        flat = flat[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"
    return escape_markdown(flat)


def _names(values: Sequence[str], limit: int = 4) -> str:
    shown = list(values)[:limit]
    more = len(values) - len(shown)
    joined = ", ".join(shown)
    return f"{joined} (+{more})" if more > 0 else joined


def _pick_quotes(quotes: pd.DataFrame, order: Sequence[str], limit: int) -> pd.DataFrame:
    """One passage per organisation, in ``order``: confirmed codes first, then the most of
    the theme's codes, then a readable length, then the passage id."""
    if quotes.empty:
        return quotes
    ranked = quotes.assign(
        _confirmed=[len(c) for c in quotes["confirmed"]],
        _codes=[len(c) for c in quotes["codes"]],
        _fits=quotes["text"].str.len().between(60, 700),
        _org=quotes["organisation"].map({o: i for i, o in enumerate(order)}).fillna(len(order)),
    ).sort_values(
        ["_org", "_confirmed", "_codes", "_fits", "id"],
        ascending=[True, False, False, False, True],
        kind="stable",
    )
    picked, quoted, texts_seen = [], set(), set()
    for _, row in ranked.iterrows():
        flat = " ".join(str(row["text"]).split())
        # Two organisations saying the same words are quoted once: the next gets another passage.
        if row["organisation"] not in quoted and flat not in texts_seen:
            quoted.add(row["organisation"])
            texts_seen.add(flat)
            picked.append(row)
    return pd.DataFrame(picked).head(limit)


def _problem(quotes: pd.DataFrame, order: Sequence[str], lang: str, limit: int) -> list[str]:
    out = [f"## {_t(lang, 'problem')}", ""]
    kinds = texts("kind", lang)
    for _, q in _pick_quotes(quotes, order, limit).iterrows():
        who = _t(
            lang,
            "said",
            org=q["organisation"],
            kind=kinds.get(str(q["item_type"]), str(q["item_type"])).lower(),
            date=q["date"] or text("common", "undated", lang),
        )
        place = f", {q['page_label']}" if q["page_label"] else ""
        # A hard line break (a backslash at the end of the line) puts who said it below.
        out += [f"> {_short(q['text'])}\\", f"> — {escape_markdown(who + place)}", ""]
    if quotes.empty:
        out += [_t(lang, "none"), ""]
    return out


def _literature(literature: Mapping[str, Any], labels: dict[str, str], lang: str) -> list[str]:
    together = list(literature["together"])
    refs = "[" + "; ".join(f"@{{{k}}}" for k in together) + "]" if together else ""
    status = literature["status"]
    line = _t(lang, status, n=len(together), refs=refs if status == "documented" else "")
    if status == "thin" and refs:
        line = _t(lang, status, n=len(together), refs=" " + refs)
    out = [f"## {_t(lang, 'literature')}", "", line, ""]
    out += [
        "- " + _t(lang, "per_code", code=labels.get(code, code), n=n)
        for code, n in literature["per_code"].items()
    ]
    return [*out, ""]


def _tensions(tensions: pd.DataFrame, labels: dict[str, str], lang: str, limit: int) -> list[str]:
    out = [f"## {_t(lang, 'tensions')}", ""]
    for _, row in tensions.head(limit).iterrows():
        out.append(
            "- "
            + _t(
                lang,
                "tension",
                code=labels.get(row["code"], row["code"]),
                having=_names(row["with"]),
                lacking=_names(row["without"]),
            )
        )
    if tensions.empty:
        out.append(_t(lang, "none"))
    return [*out, ""]


def _questions(
    literature: Mapping[str, Any],
    tensions: pd.DataFrame,
    carriers: pd.DataFrame,
    labels: dict[str, str],
    lang: str,
) -> list[str]:
    asked = [_t(lang, "q_missing", code=labels.get(c, c)) for c in literature["missing"][:2]]
    if literature["status"] != "documented":
        asked.append(_t(lang, "q_thin"))
    theme_split = tensions[tensions["theme_code"]] if not tensions.empty else tensions
    for _, row in theme_split.head(2).iterrows():
        asked.append(
            _t(
                lang,
                "q_tension",
                code=labels.get(row["code"], row["code"]),
                having=_names(row["with"], 2),
                lacking=_names(row["without"], 2),
            )
        )
    by_code: dict[str, list[str]] = {}
    for org, codes in zip(carriers["organisation"], carriers["codes"], strict=True):
        for code in codes:
            by_code.setdefault(code, []).append(org)
    single = [(c, orgs[0]) for c, orgs in sorted(by_code.items()) if len(orgs) == 1]
    asked += [_t(lang, "q_single", code=labels.get(c, c), org=o) for c, o in single[:1]]
    out = [f"## {_t(lang, 'questions')}", ""]
    out += [f"{n}. {q}" for n, q in enumerate(asked, start=1)] or [_t(lang, "none")]
    return [*out, ""]


def _carriers(carriers: pd.DataFrame, codes: Sequence[str], lang: str, limit: int) -> list[str]:
    out = [f"## {_t(lang, 'carriers')}", ""]
    if carriers.empty:
        return [*out, _t(lang, "none"), ""]
    # The dashes set pandoc's relative column widths: the reasons get the room.
    out += [_t(lang, "head"), "|" + "|".join("-" * w for w in (15, 16, 12, 37)) + "|"]
    number = {code: n for n, code in enumerate(codes, start=1)}
    for _, c in carriers.head(limit).iterrows():
        why = _t(
            lang,
            "why",
            covered=len(c["codes"]),
            total=len(set(codes)),
            confirmed=c["confirmed"],
            items=c["interviews"],
            passages=c["passages"],
        )
        # Codes by their number in the opening line: the table stays narrow enough to print.
        brings = ", ".join(str(number[code]) for code in c["codes"] if code in number)
        sectors = ", ".join(c["sectors"]) or "—"
        out.append(
            f"| {c['organisation']} | {escape_markdown(sectors)} | {escape_markdown(brings)} | "
            f"{why} |"
        )
    return [*out, ""]


def render_theme_argument(
    theme: Mapping[str, Any],
    quotes: pd.DataFrame,
    literature: Mapping[str, Any],
    tensions: pd.DataFrame,
    carriers: pd.DataFrame,
    labels: dict[str, str],
    lang: str,
    *,
    max_quotes: int = 6,
    max_tensions: int = 4,
    max_carriers: int = 8,
) -> str:
    """Return the argument of ``theme`` as Markdown with pandoc citations (about two pages).

    ``theme``: ``title`` (in ``lang``), ``codes``, ``note``. ``quotes``: its field passages
    (``compute_theme_passages`` with id, text, item_type, date and citation), at most one
    quoted per organisation, in the carriers' order. ``literature``:
    ``compute_theme_literature``; ``tensions`` and ``carriers``: the analysis' frames.
    """
    codes = list(theme["codes"])
    basis = _t(
        lang,
        "basis",
        orgs=quotes["organisation"].nunique(),
        items=quotes["source_key"].nunique(),
        n=len(quotes),
        codes=", ".join(f"({n}) {labels.get(c, c)}" for n, c in enumerate(codes, start=1)),
    )
    out = [f"# {escape_markdown(str(theme['title']))}", "", f"*{escape_markdown(basis)}*", ""]
    if theme.get("note"):
        out += [_t(lang, "note", note=escape_markdown(str(theme["note"]))), ""]
    out += _problem(quotes, list(carriers["organisation"]), lang, max_quotes)
    out += _literature(literature, labels, lang)
    out += _tensions(tensions, labels, lang, max_tensions)
    out += _questions(literature, tensions, carriers, labels, lang)
    out += _carriers(carriers, codes, lang, max_carriers)
    return "\n".join(out).rstrip() + "\n"


def write_theme_documents(
    arguments: Mapping[str, tuple[str, str]],
    folder: Path,
    *,
    bibliography: Path,
    lang: str,
    paper: str = "a4",
) -> list[Path]:
    """Render each argument (id -> (title, Markdown)) to ``folder/<id>.md``, ``.html`` and
    ``.docx`` with pandoc, as the chapters are, laid out for ``paper`` (a4 or letter); return
    the paths written.

    Everything is rendered in a staging folder first: a failing argument raises and leaves
    the published ones as they were.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=folder, prefix=".staging-") as tmp:
        staging = Path(tmp)
        for stem, (title, body) in sorted(arguments.items()):
            source = staging / "sources" / f"{stem}.md"
            source.parent.mkdir(exist_ok=True)
            source.write_text(body, encoding="utf-8")
            _with_bibliography(source, lang)
            rendered = render_documents(
                source,
                stem,
                staging,
                bibliography=bibliography,
                lang=lang,
                title=title,
                pdf=False,
                paper=paper,
            )
            written += [p.name for p in rendered]
        for name in written:
            os.replace(staging / name, folder / name)
        shutil.rmtree(staging / "sources", ignore_errors=True)
    return [folder / name for name in written]
