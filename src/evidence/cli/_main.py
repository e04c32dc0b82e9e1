"""The ``evidence`` command: parses arguments and delegates; exit codes are decided here.

Exit codes: 0 all done; 1 done, but some items failed (a broken PDF, a malformed entry);
2 usage or configuration error. Every command that reports has ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from evidence.config import Settings, load_settings
from evidence.errors import EvidenceError
from evidence.store._store import Store, open_store

from ._coding import register as register_coding_commands

__all__ = ["main"]

EXIT_OK, EXIT_FAILED_ITEMS, EXIT_USAGE = 0, 1, 2


def _emit(args: argparse.Namespace, data: Any, text: Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str))
    else:
        print(text(data))


def _with_store(settings: Settings) -> Store:
    return open_store(settings.store)


def _failures_text(failures: Sequence[dict[str, str]]) -> list[str]:
    lines = [
        f"  ✗ {f['item']}: {f['reason']}" + (f" ({f['detail']})" if f.get("detail") else "")
        for f in failures
    ]
    return ([f"{len(failures)} item(s) failed:"] + lines) if failures else []


# -- commands --------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.workbook._pipeline import run_sync

    with _with_store(settings) as store:
        summary = run_sync(settings, store, full=args.full)
    _emit(args, summary, _sync_text)
    return EXIT_FAILED_ITEMS if summary["skipped"] or summary["missing"] else EXIT_OK


def _sync_text(s: dict[str, Any]) -> str:
    where = s.get("file") or s.get("library") or ""
    line = (
        f"sync ({s.get('route', '')}{': ' + str(where) if where else ''}): "
        f"{s.get('sources', 0)} sources (+{s.get('added', 0)} ~{s.get('updated', 0)} "
        f"-{s.get('removed', 0)}), {s.get('files', 0)} files, {s.get('missing', 0)} missing"
    )
    if "annotations" in s:
        line += f", {s['annotations']} annotations, {s.get('human_codings', 0)} human codings"
    if "requests" in s:
        line += f"; {s['requests']} request(s), library version {s.get('version', '')}"
    if s.get("zotero"):
        line += f"\n  Zotero not used: {s['zotero']}"
    skipped = s.get("skipped", [])
    return (
        line
        + f", {len(skipped)} entries skipped"
        + "".join(f"\n  ✗ {x['item']}: {x['reason']}" for x in skipped)
    )


def cmd_extract(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.workbook._pipeline import run_extract

    with _with_store(settings) as store:
        summary = run_extract(
            settings, store, jobs=args.jobs, ocr=args.ocr or None, progress=not args.json
        )
        failed = [f for f in store.failures() if f["stage"] == "extract"]
    summary["failures"] = failed
    _emit(
        args,
        summary,
        lambda s: "\n".join(
            [
                f"extract: {s['documents']} document(s) processed, {s['unchanged']} unchanged, "
                f"{s['passages']} passages written; status {s['status']}",
                *_failures_text(failed),
            ]
        ),
    )
    return EXIT_FAILED_ITEMS if failed else EXIT_OK


def cmd_code(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.workbook._pipeline import run_code

    with _with_store(settings) as store:
        summary = run_code(settings, store, progress=not args.json)
    _emit(
        args,
        summary,
        lambda s: (
            f"code (codebook {s['codebook_version']}): {s['documents']} document(s) coded, "
            f"{s['rule_codings']} rule codings; {s['human_decisions_applied']} human decisions "
            f"applied, {s['human_decisions_orphaned']} for passages not in the store"
            + "".join(f"\n  ✗ {x['item']}: {x['reason']}" for x in s["skipped"])
        ),
    )
    return EXIT_FAILED_ITEMS if summary["skipped"] else EXIT_OK


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    with _with_store(settings) as store:
        hits = store.search(args.query, args.limit)
    _emit(
        args,
        hits,
        lambda hs: "\n".join(
            [
                f"{h['source_key']}, p. {h['page_label']} [{h['section']}, {h['lang']}] {h['id']}\n"
                f"    {h['snippet']}"
                for h in hs
            ]
            or ["no passage matches"]
        ),
    )
    return EXIT_OK


def cmd_matrix(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.analysis._export import write_matrix_xlsx
    from evidence.analysis._figures import plot_gap_map, plot_heatmap, write_figure
    from evidence.analysis._matrix import MatrixFilters, pivot_matrix
    from evidence.errors import ConfigError
    from evidence.workbook._workbook import Workbook

    years = (None, None)
    if args.years:
        low, _, high = (part.strip() for part in args.years.partition("-"))
        if not (low or high) or not all(p.isdigit() for p in (low, high) if p):
            raise ConfigError(
                f"--years {args.years!r}: write a range such as 2010-2020, 2015- or -2020"
            )
        years = (int(low) if low else None, int(high) if high else None)
    filters = MatrixFilters(
        within=args.within,
        provenance=args.provenance,
        min_score=args.min_score,
        kinds=tuple(args.kind),
        langs=tuple(args.lang),
        years=years,
        countries=tuple(args.country),
        context=tuple(args.context),
        context_within=args.context_within,
    )
    with Workbook(settings) as wb:
        for option, value in (("--rows", args.rows), ("--cols", args.cols)):
            if not wb.codes(value):
                raise ConfigError(
                    f"{option} {value!r} matches no code of the codebook: give a "
                    "facet (form, target, cons, resp, setting, pop) or a code prefix"
                )
        unknown = [c for c in filters.context if c not in wb.codebook.codes]
        if unknown:
            raise ConfigError(f"--context {', '.join(unknown)}: not a code of the codebook")
        matrix = wb.matrix(args.rows, args.cols, filters, search=args.search)
        labels = wb.labels(args.labels or None)
        language = args.labels or settings.language
        if args.xlsx:
            cells = wb.matrix_passages(matrix, filters, search=args.search)
            write_matrix_xlsx(Path(args.xlsx), matrix, cells, labels=labels, lang=language)
        for path, plot in ((args.heatmap, plot_heatmap), (args.gap_map, plot_gap_map)):
            if path:
                import matplotlib.pyplot as plt

                ax = plot(matrix, labels=labels, lang=language)
                write_figure(ax.figure, Path(path))
                plt.close(ax.figure)
    records = matrix.to_dict(orient="records")
    _emit(args, records, lambda _: pivot_matrix(matrix).to_string())
    return EXIT_OK


def cmd_passages(args: argparse.Namespace, settings: Settings | None) -> int:
    from evidence.pdf._extract import extract_pdf

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
    _emit(
        args,
        data,
        lambda d: "\n\n".join(
            [
                f"{d['file']}: {d['status']}"
                + (f" — {d['reason']}" if d["reason"] else "")
                + f", {d['pages']} pages, {len(d['passages'])} passages, language {d['lang']}"
            ]
            + [
                f"[p. {p['page_label']} | {p['section']} | {p['lang']}]\n{p['text']}"
                for p in d["passages"]
            ]
        ),
    )
    return EXIT_OK if ex.status == "ok" else EXIT_FAILED_ITEMS


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    with _with_store(settings) as store:
        data = {**store.counts(), "failures": store.failures()}
    _emit(
        args,
        data,
        lambda d: "\n".join(
            [
                f"{d['sources']} sources, {d['documents']} documents ({d['documents_ok']} read), "
                f"{d['passages']} passages ({d['annotations']} annotations), codings "
                + (", ".join(f"{k}: {v}" for k, v in d["codings"].items()) or "none"),
                *_failures_text(d["failures"]),
            ]
        ),
    )
    return EXIT_FAILED_ITEMS if data["failures"] else EXIT_OK


def cmd_fieldwork(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.workbook._fieldwork import render_fieldwork_summary, run_briefs, run_fieldwork

    with _with_store(settings) as store:
        summary = run_fieldwork(settings, store)
        if args.briefs:
            from evidence.workbook._pipeline import run_code

            summary["code"] = run_code(settings, store, progress=False)
            summary["briefs"] = run_briefs(settings, store)
    _emit(
        args,
        summary,
        lambda s: (
            render_fieldwork_summary(s, review=args.review)
            + "".join(f"\n  wrote {p}" for p in s.get("briefs", []))
        ),
    )
    return EXIT_FAILED_ITEMS if summary["refused"] else EXIT_OK


def cmd_build(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.workbook._build import run_build

    summary = run_build(
        settings,
        from_scratch=args.from_scratch,
        jobs=args.jobs,
        render=not args.no_render,
        progress=not args.json,
    )
    _emit(args, summary, _build_text)
    return EXIT_FAILED_ITEMS if summary["failures"] else EXIT_OK


def _build_text(s: dict[str, Any]) -> str:
    st = s["status"]
    lines = [
        f"build: {st['sources']} sources, {st['documents']} documents ({st['documents_ok']} read),"
        f" {st['passages']} passages, codings "
        + (", ".join(f"{k}: {v}" for k, v in st["codings"].items()) or "none"),
        f"  extract: {s['extract']['documents']} processed, {s['extract']['unchanged']} unchanged;"
        f" code: {s['code']['documents']} document(s) coded",
    ]
    if s.get("chapters"):
        lines.append("  chapters: " + ", ".join(p for p in s["chapters"] if p.endswith(".html")))
    if s.get("briefs"):
        lines.append("  briefs: " + ", ".join(p for p in s["briefs"] if p.endswith(".md")))
    return "\n".join(lines + _failures_text(s["failures"]))


# -- parser ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidence",
        description="Literature review and evidence synthesis workbook. Commands act on the "
        "workbook in the current folder (the one holding evidence.toml).",
        epilog="Exit codes: 0 all done; 1 done, but some items failed; 2 usage or "
        "configuration error.",
    )
    parser.add_argument("-C", dest="root", metavar="DIR", help="run as if started in DIR")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Callable[..., int], help: str, json_flag: bool = True) -> Any:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON instead of text")
        return p

    p = add(
        "sync",
        cmd_sync,
        "load references (Zotero or the bibliography file) and register "
        "their documents by content hash",
    )
    p.add_argument("--full", action="store_true", help="read the whole Zotero library again")
    p = add("extract", cmd_extract, "turn new or changed PDFs into passages")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--ocr", action="store_true", help="OCR image-only pages (needs Tesseract)")
    add("code", cmd_code, "apply codebook.yml and the human decisions to passages")
    p = add("search", cmd_search, "full-text search of passages (FTS5 syntax)")
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20)
    p = add("matrix", cmd_matrix, "evidence matrix: distinct sources per pair of codes")
    p.add_argument("--rows", default="form", help="facet or code prefix for rows (default form)")
    p.add_argument("--cols", default="cons", help="facet or code prefix for columns (default cons)")
    p.add_argument("--xlsx", metavar="PATH", help="also write a spreadsheet")
    p.add_argument(
        "--within",
        choices=["passage", "source"],
        default="passage",
        help="codes co-occur within one passage (default) or one source",
    )
    p.add_argument(
        "--provenance",
        choices=["human", "rules", "suggestions"],
        default="rules",
        help="human decisions only; with codebook rules (default); or also model "
        "suggestions of at least --min-score",
    )
    p.add_argument(
        "--min-score",
        type=float,
        default=0.5,
        metavar="P",
        help="lowest probability of a suggestion counted (default 0.5)",
    )
    p.add_argument(
        "--kind",
        action="append",
        default=[],
        choices=["literature", "field"],
        help="keep sources of this type (repeatable)",
    )
    p.add_argument(
        "--lang",
        action="append",
        default=[],
        metavar="LANG",
        help="keep passages in this language: fr, nl, en (repeatable)",
    )
    p.add_argument("--years", metavar="FROM-TO", help="keep sources published in these years")
    p.add_argument(
        "--country",
        action="append",
        default=[],
        metavar="NAME",
        help="keep sources of this country or region (repeatable)",
    )
    p.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="CODE",
        help="keep passages carrying this setting or population code (repeatable; "
        "one of each facet named)",
    )
    p.add_argument(
        "--context-within",
        choices=["passage", "source"],
        default="passage",
        help="--context codes on the passage itself (default) or its source",
    )
    p.add_argument(
        "--search",
        default="",
        metavar="QUERY",
        help="keep passages matching this full-text query (FTS5 syntax)",
    )
    p.add_argument(
        "--labels",
        choices=["fr", "nl", "en"],
        help="language of code labels "
        "in the spreadsheet and figures (default: the report language)",
    )
    p.add_argument("--heatmap", metavar="PATH", help="also draw the heatmap (.svg, .pdf, .png)")
    p.add_argument(
        "--gap-map", metavar="PATH", help="also draw the evidence gap map (.svg, .pdf, .png)"
    )
    p = add("passages", cmd_passages, "show the passages of one PDF as the extractor sees them")
    p.add_argument("file")
    p.add_argument("--password", default="", help="password of an encrypted PDF")
    p.add_argument("--ocr", action="store_true", help="OCR image-only pages (needs Tesseract)")
    p = add("fieldwork", cmd_fieldwork, "import field notes: consent, pseudonymisation, passages")
    p.add_argument("--review", action="store_true", help="list what was replaced, and where")
    p.add_argument(
        "--briefs",
        action="store_true",
        help="also code, then write theme briefs and the recommendations table to reports/",
    )
    add("status", cmd_status, "what the store holds, and every item that failed")
    register_coding_commands(add)
    p = add("build", cmd_build, "sync, extract, code, then render the report chapters")
    p.add_argument("--from-scratch", action="store_true", help="delete the store first")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    p.add_argument("--no-render", action="store_true", help="stop before rendering chapters")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = None
        if args.command not in ("passages", "evaluate"):
            settings = load_settings(args.root)
        return int(args.func(args, settings))
    except EvidenceError as exc:
        print(f"evidence {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(
            f"evidence {args.command}: interrupted; run it again to complete the work",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
