"""The workbook's commands: sync, extract, code, search, matrix, passages, status, fieldwork,
build. Each takes the parsed arguments and the settings, delegates, prints, and returns its
exit code."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from evidence.analysis import (
    MatrixFilters,
    pivot_matrix,
    plot_gap_map,
    plot_heatmap,
    write_figure,
    write_matrix_xlsx,
)
from evidence.config import Settings
from evidence.errors import ConfigError
from evidence.pdf import extract_pdf
from evidence.places import find_country
from evidence.store import RANK_LIMIT, open_store
from evidence.workbook import (
    Workbook,
    run_briefs,
    run_build,
    run_code,
    run_extract,
    run_fieldwork,
    run_sync,
    write_map,
)

from ._output import (
    build_text,
    emit,
    failures_text,
    fieldwork_text,
    ocr_text,
    skipped_text,
    sync_text,
)

__all__ = [
    "EXIT_FAILED_ITEMS",
    "EXIT_OK",
    "cmd_build",
    "cmd_code",
    "cmd_extract",
    "cmd_fieldwork",
    "cmd_map",
    "cmd_matrix",
    "cmd_passages",
    "cmd_search",
    "cmd_status",
    "cmd_sync",
]

EXIT_OK, EXIT_FAILED_ITEMS = 0, 1


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence sync``: references and their documents into the store."""
    with open_store(settings.store) as store:
        summary = run_sync(settings, store, full=args.full)
    emit(args, summary, sync_text)
    return EXIT_FAILED_ITEMS if summary["skipped"] or summary["missing"] else EXIT_OK


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence extract``: new or changed PDFs into passages."""
    with open_store(settings.store) as store:
        summary = run_extract(
            settings, store, jobs=args.jobs, ocr=args.ocr or None, progress=not args.json
        )
        failed = [f for f in store.failures() if f["stage"] == "extract"]
    summary["failures"] = failed

    def text(s: dict[str, Any]) -> str:
        head = (
            f"extract: {s['documents']} document(s) processed, {s['unchanged']} unchanged, "
            f"{s['passages']} passages written; status {s['status']}"
        )
        return "\n".join([head, *failures_text(failed), *ocr_text(s["needs_ocr"])])

    emit(args, summary, text)
    return EXIT_FAILED_ITEMS if failed else EXIT_OK


def cmd_code(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence code``: the codebook's rules and the human decisions onto passages."""
    with open_store(settings.store) as store:
        summary = run_code(settings, store, progress=not args.json)
    emit(
        args,
        summary,
        lambda s: (
            f"code (codebook {s['codebook_version']}"
            + (f", model {s['model_version']}" if s["model_version"] else "")
            + f"): {s['documents']} document(s) coded, "
            f"{s['rule_codings']} rule codings; {s['human_decisions_applied']} human decisions "
            f"applied, {s['human_decisions_orphaned']} for passages not in the store"
            + (f"\n  {s['model_note']}" if s["model_note"] else "")
            + skipped_text(s["skipped"])
        ),
    )
    return EXIT_FAILED_ITEMS if summary["skipped"] else EXIT_OK


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence search``: search the passages; say how many match and how to see more."""
    with open_store(settings.store) as store:
        hits, _ranked, matches = store.search_page(args.query, args.limit)
    more = f"{RANK_LIMIT:,}+" if matches > RANK_LIMIT else f"{matches:,}"
    head = f"{more} passage(s) match" + (
        f"; the first {len(hits)} shown (--limit N shows more)" if matches > len(hits) else ""
    )
    emit(
        args,
        hits,
        lambda hs: "\n".join(
            [head]
            + [
                f"{h['source_key']}, p. {h['page_label']} [{h['section']}, {h['lang']}] {h['id']}\n"
                f"    {h['snippet']}"
                for h in hs
            ]
            if hs
            else ["no passage matches"]
        ),
    )
    return EXIT_OK


def _years(value: str | None) -> tuple[int | None, int | None]:
    if not value:
        return (None, None)
    low, _, high = (part.strip() for part in value.partition("-"))
    if not (low or high) or not all(p.isdigit() for p in (low, high) if p):
        raise ConfigError(f"--years {value!r}: write a range such as 2010-2020, 2015- or -2020")
    return (int(low) if low else None, int(high) if high else None)


def _matrix_filters(args: argparse.Namespace) -> MatrixFilters:
    return MatrixFilters(
        within=args.within,
        provenance=args.provenance,
        min_score=args.min_score,
        kinds=tuple(args.kind),
        langs=tuple(args.lang),
        years=_years(args.years),
        # A country as written and as its code: Belgique, België and BE all find BE.
        countries=tuple(dict.fromkeys(x for c in args.country for x in (c, find_country(c)) if x)),
        context=tuple(args.context),
        context_within=args.context_within,
    )


def _check_codes(wb: Workbook, args: argparse.Namespace, filters: MatrixFilters) -> None:
    for option, value in (("--rows", args.rows), ("--cols", args.cols)):
        if not wb.codes(value):
            raise ConfigError(
                f"{option} {value!r} matches no code of the codebook: give a "
                "facet (form, target, cons, resp, setting, pop) or a code prefix"
            )
    unknown = [c for c in filters.context if c not in wb.codebook.codes]
    if unknown:
        raise ConfigError(f"--context {', '.join(unknown)}: not a code of the codebook")


def cmd_matrix(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence matrix``: distinct sources per pair of codes, and its exports."""
    filters = _matrix_filters(args)
    with Workbook(settings) as wb:
        _check_codes(wb, args, filters)
        if args.with_suggestions is None:
            matrix = wb.matrix(args.rows, args.cols, filters, search=args.search)
        else:
            matrix = wb.matrix_with_suggestions(
                args.rows, args.cols, filters, min_score=args.with_suggestions, search=args.search
            )
        labels = wb.labels(args.labels or None)
        language = args.labels or settings.language
        if args.xlsx:
            cells = wb.matrix_passages(matrix, filters, search=args.search, lang=language)
            write_matrix_xlsx(Path(args.xlsx), matrix, cells, labels=labels, lang=language)
        for path, plot in ((args.heatmap, plot_heatmap), (args.gap_map, plot_gap_map)):
            if path:
                import matplotlib.pyplot as plt  # pyplot only when a figure is asked for

                ax = plot(matrix, labels=labels, lang=language)
                figure = ax.get_figure(root=True)
                assert figure is not None  # a plotted Axes always has its figure
                write_figure(figure, Path(path))
                plt.close(figure)
    emit(args, matrix.to_dict(orient="records"), lambda _: _matrix_text(matrix))
    return EXIT_OK


def cmd_map(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence map FILE.html``: the interactive evidence map of any facets and filters."""
    filters = _matrix_filters(args)
    if args.with_suggestions is not None:
        raise ConfigError("--with-suggestions: a map counts what the matrix counts; drop it")
    # Relative to the folder the command runs in: -C DIR runs it as if started in DIR.
    path = Path(args.root or ".").absolute() / args.file
    if path.suffix.lower() not in (".html", ".htm"):
        raise ConfigError(f"{args.file}: an evidence map is an HTML page; name it FILE.html")
    with Workbook(settings) as wb:
        _check_codes(wb, args, filters)
        summary = write_map(
            wb,
            path,
            args.rows,
            args.cols,
            filters,
            title=args.title,
            lang=args.labels,
            search=args.search,
        )
    emit(
        args,
        summary,
        lambda s: (
            f"{args.file}: {s['sources']} sources, {s['passages']} passages, "
            f"{s['cells']} cells, {s['bytes'] / 1e6:.1f} MB"
        ),
    )
    return EXIT_OK


def _matrix_text(matrix: pd.DataFrame) -> str:
    """The matrix of sources as a table; suggestions, when asked for, as ``+n`` beside."""
    if "suggested_sources" not in matrix:
        return pivot_matrix(matrix).to_string()
    shown = matrix.assign(
        sources=[
            f"{n} (+{s})" if s else str(n)
            for n, s in zip(matrix["sources"], matrix["suggested_sources"], strict=True)
        ]
    )
    note = "(+n: sources that model suggestions would add; not counted until a person accepts)"
    return pivot_matrix(shown).to_string() + "\n" + note


def cmd_passages(args: argparse.Namespace, settings: Settings | None) -> int:
    """``evidence passages FILE.pdf``: one PDF's passages as the extractor sees them."""
    ex = extract_pdf(args.file, password=args.password or None, ocr=args.ocr)
    data = {
        "file": args.file,
        "status": ex.status,
        "reason": ex.reason,
        "pages": ex.pages,
        "lang": ex.lang,
        "warnings": list(ex.warnings),
        "passages": [
            {
                "page_index": p.page_index,
                "page_label": p.page_label,
                "section": p.section,
                "lang": p.lang,
                "text": p.text,
            }
            for p in ex.passages
        ],
    }

    def text(d: dict[str, Any]) -> str:
        head = (
            f"{d['file']}: {d['status']}"
            + (f" — {d['reason']}" if d["reason"] else "")
            + f", {d['pages']} pages, {len(d['passages'])} passages, language {d['lang']}"
        )
        body = [
            f"[p. {p['page_label']} | {p['section']} | {p['lang']}]\n{p['text']}"
            for p in d["passages"]
        ]
        return "\n\n".join([head, *body])

    emit(args, data, text)
    return EXIT_OK if ex.status == "ok" else EXIT_FAILED_ITEMS


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence status``: what the store holds and every item that failed."""
    with open_store(settings.store) as store:
        data = {
            **store.counts(),
            "failures": store.failures(),
            "needs_ocr": store.pages_needing_ocr(),
        }

    def text(d: dict[str, Any]) -> str:
        head = (
            f"{d['sources']} sources, {d['documents']} documents ({d['documents_ok']} read), "
            f"{d['passages']} passages ({d['annotations']} annotations), codings "
            + (", ".join(f"{k}: {v}" for k, v in d["codings"].items()) or "none")
        )
        return "\n".join([head, *failures_text(d["failures"]), *ocr_text(d["needs_ocr"])])

    emit(args, data, text)
    return EXIT_FAILED_ITEMS if data["failures"] else EXIT_OK


def cmd_fieldwork(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence fieldwork``: field notes in (consent, pseudonymisation); briefs on request."""
    with open_store(settings.store) as store:
        summary = run_fieldwork(settings, store)
        if args.briefs:
            summary["code"] = run_code(settings, store, progress=False)
            summary["briefs"] = run_briefs(settings, store)
    emit(
        args,
        summary,
        lambda s: (
            fieldwork_text(s, review=args.review)
            + "".join(f"\n  wrote {p}" for p in s.get("briefs", []))
        ),
    )
    return EXIT_FAILED_ITEMS if summary["refused"] else EXIT_OK


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence build``: every stage, then the chapters."""
    summary = run_build(
        settings,
        from_scratch=args.from_scratch,
        jobs=args.jobs,
        render=not args.no_render,
        progress=not args.json,
        accept_drop=args.accept_drop,
    )
    emit(args, summary, build_text)
    return EXIT_FAILED_ITEMS if summary["failures"] else EXIT_OK
