"""The command line's grammar: one sub-command per verb, each with ``--json``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import evidence
from evidence.pdf import ENGINE

from . import _coding, _commands, _exchange, _themes

__all__ = ["make_parser"]

_Add = Callable[..., argparse.ArgumentParser]


def make_parser() -> argparse.ArgumentParser:
    """Return the parser of the ``evidence`` command."""
    parser = argparse.ArgumentParser(
        prog="evidence",
        description="Literature review and evidence synthesis workbook. Commands act on the "
        "workbook in the current folder (the one holding evidence.toml).",
        epilog="Exit codes: 0 all done; 1 done, but some items failed; 2 usage or "
        "configuration error; 3 the build failed (a chapter failed to render, a drastic drop "
        "of the literature, an internal error): nothing was published.",
    )
    parser.add_argument("-C", dest="root", metavar="DIR", help="run as if started in DIR")
    parser.add_argument(
        "--version",
        action="version",
        version=f"evidence {evidence.__version__} (evidence-workbook; PDF engine PyMuPDF "
        f"{ENGINE['pymupdf']}, MuPDF {ENGINE['mupdf']})",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, func: Callable[..., int], help: str, json_flag: bool = True) -> Any:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(func=func)
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON instead of text")
        return p

    _add_library(add)
    _add_matrix(add)
    _add_other(add)
    _add_coding(add)
    p = add("build", _commands.cmd_build, "sync, extract, code, then render the report chapters")
    p.add_argument("--from-scratch", action="store_true", help="delete the store first")
    p.add_argument("--jobs", type=_jobs, default=None, help=_JOBS_HELP)
    p.add_argument("--no-render", action="store_true", help="stop before rendering chapters")
    p.add_argument(
        "--accept-drop",
        action="store_true",
        help="publish even when the literature fell by more than half (or to nothing) since "
        "the last published build",
    )
    return parser


_JOBS_HELP = "worker processes (default: [extract] jobs of evidence.toml; 0: one per core)"


def _whole(value: str, *, least: int) -> int:
    try:
        number = int(value)
    except ValueError:
        number = least - 1
    if number < least:
        raise argparse.ArgumentTypeError(f"{value!r}: give a whole number, {least} or more")
    return number


def _jobs(value: str) -> int:
    """A number of worker processes: 0 (one per core) or more."""
    return _whole(value, least=0)


def _positive(value: str) -> int:
    """A count of 1 or more."""
    return _whole(value, least=1)


def _count(value: str) -> int:
    """A count of 0 or more."""
    return _whole(value, least=0)


def _probability(value: str) -> float:
    """A probability between 0 and 1."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value!r}: give a probability between 0 and 1")
    return number


def _add_library(add: _Add) -> None:
    p = add(
        "sync",
        _commands.cmd_sync,
        "load references (Zotero or the bibliography file) and register "
        "their documents by content hash",
    )
    p.add_argument("--full", action="store_true", help="read the whole Zotero library again")
    p = add("extract", _commands.cmd_extract, "turn new or changed PDFs into passages")
    p.add_argument("--jobs", type=_jobs, default=None, help=_JOBS_HELP)
    p.add_argument("--ocr", action="store_true", help="OCR image-only pages (needs Tesseract)")
    add("code", _commands.cmd_code, "apply codebook.yml and the human decisions to passages")
    p = add(
        "search",
        _commands.cmd_search,
        "search the passages: plain words match their inflections (violences sans-abri); "
        "FTS5 syntax with AND, OR, NOT, NEAR, * or after fts:",
    )
    p.add_argument("query")
    p.add_argument("--limit", type=_positive, default=20, help="hits shown (default 20)")


def _add_matrix(add: _Add) -> None:
    p = add("matrix", _commands.cmd_matrix, "evidence matrix: distinct sources per pair of codes")
    p.add_argument("--rows", default="form", help="facet or code prefix for rows (default form)")
    p.add_argument("--cols", default="cons", help="facet or code prefix for columns (default cons)")
    p.add_argument("--xlsx", metavar="PATH", help="also write a spreadsheet")
    _add_matrix_filters(p)
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
    p = add(
        "map",
        _commands.cmd_map,
        "write the interactive evidence map: one self-contained HTML page for any browser",
    )
    p.add_argument("file", metavar="FILE.html", help="the page to write")
    p.add_argument("--rows", default="form", help="facet or code prefix for rows (default form)")
    p.add_argument("--cols", default="cons", help="facet or code prefix for columns (default cons)")
    p.add_argument(
        "--labels",
        choices=["fr", "nl", "en"],
        help="language of the page and its code labels (default: the report language)",
    )
    p.add_argument("--title", default="", help="the page's title (default: the workbook's name)")
    _add_matrix_filters(p)


def _add_matrix_filters(p: argparse.ArgumentParser) -> None:
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
        "--with-suggestions",
        type=_probability,
        default=None,
        metavar="P",
        help="show beside each count what model suggestions of probability P or more would "
        "add (labelled +n; never counted)",
    )
    p.add_argument(
        "--min-score",
        type=_probability,
        default=0.5,
        metavar="P",
        help="lowest probability of a suggestion counted (default 0.5)",
    )
    p.add_argument(
        "--kind",
        choices=["literature", "field"],
        help="keep sources of this type (repeatable)",
        action="append",
        default=[],
    )
    p.add_argument(
        "--lang",
        metavar="LANG",
        help="keep passages in this language: fr, nl, en (repeatable)",
        action="append",
        default=[],
    )
    p.add_argument("--years", metavar="FROM-TO", help="keep sources published in these years")
    p.add_argument(
        "--country",
        metavar="NAME",
        help="keep sources of this country, by name or code: Belgique, België, BE (repeatable)",
        action="append",
        default=[],
    )
    p.add_argument(
        "--context",
        metavar="CODE",
        help="keep passages carrying this setting or population code (repeatable; "
        "one of each facet named)",
        action="append",
        default=[],
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
        help="keep passages matching this search (plain words, or FTS5 syntax)",
    )


def _add_other(add: _Add) -> None:
    p = add(
        "passages",
        _commands.cmd_passages,
        "show the passages of one PDF as the extractor sees them",
    )
    p.add_argument("file")
    p.add_argument("--password", default="", help="password of an encrypted PDF")
    p.add_argument("--ocr", action="store_true", help="OCR image-only pages (needs Tesseract)")
    p = add(
        "fieldwork",
        _commands.cmd_fieldwork,
        "import field notes: consent, pseudonymisation, passages",
    )
    p.add_argument("--review", action="store_true", help="list what was replaced, and where")
    p.add_argument(
        "--briefs",
        action="store_true",
        help="also code, then write theme briefs and the recommendations table to reports/",
    )
    add("status", _commands.cmd_status, "what the store holds, and every item that failed")
    p = add(
        "themes",
        _themes.cmd_themes,
        "propose themes from the codes the field material raises together; compare them with "
        "themes.yml and the last run",
    )
    p.add_argument("--init", action="store_true", help="write a first themes.yml (never over one)")
    p.add_argument(
        "--write",
        action="store_true",
        help="write the argument of each theme of themes.yml to reports/themes/ (md, html, docx)",
    )
    p.add_argument("--confirmed", action="store_true", help="count only codings a person confirmed")
    p.add_argument("--lang", choices=("fr", "nl", "en"), default=None, help="arguments' language")
    p.add_argument(
        "--closeness",
        type=float,
        default=None,
        help="how close codes must be to form a theme, 0 to 1 (default 0.3)",
    )


def _add_coding(add: _Add) -> None:
    p = add("explain", _coding.cmd_explain, "show a passage with the words each code matched")
    p.add_argument("passage_id")
    p = add(
        "review",
        _coding.cmd_review,
        "accept, reject or add a code on a passage, or mark it fully reviewed (--complete), "
        "in the decisions file",
    )
    p.add_argument("passage_id")
    p.add_argument("code", nargs="?", default="", help="a code id of codebook.yml")
    p.add_argument("decision", nargs="?", default="", choices=("", "accept", "reject", "add"))
    p.add_argument(
        "--complete",
        action="store_true",
        help="every code of the passage was reviewed: the codes not accepted or added are "
        "absent (for agreement and learning)",
    )
    p.add_argument("--coder", default="", help="who decides (kept in the file)")
    p.add_argument("--note", default="", help="why, in a few words")
    p = add(
        "suggest",
        _coding.cmd_suggest,
        "learn from reviewed passages and suggest codes, with a "
        "review queue ordered by uncertainty",
    )
    p.add_argument("--threshold", type=_probability, default=0.5)
    p.add_argument("--limit", type=_positive, default=20, help="passages in the review queue")
    _add_measures(add)
    p = add("codebook", _coding.cmd_codebook, "export or import the codebook as REFI-QDA (.qdc)")
    p.add_argument("action", choices=("export", "import"))
    p.add_argument("file")
    p.add_argument("--lang", default="en", help="label language of the export")
    p.add_argument("--out", default="codebook-import.yml", help="where an import is written")
    p = add(
        "qdpx",
        _exchange.cmd_qdpx,
        "export or import the coded project as REFI-QDA (.qdpx: NVivo, ATLAS.ti, MAXQDA, "
        "QualCoder)",
    )
    p.add_argument("action", choices=("export", "import"))
    p.add_argument("file")
    p.add_argument("--lang", default="", help="label language of the export (default: report)")
    p.add_argument("--map", default="", help="CSV of code GUID or name -> codebook id (import)")
    p.add_argument(
        "--consent",
        action="store_true",
        help="the project's text sources have recorded consent: import them as field notes",
    )


def _add_measures(add: _Add) -> None:
    p = add(
        "evaluate",
        _coding.cmd_evaluate,
        "precision, recall and F1 of the rules on a hand-coded "
        "JSONL file ({id, lang, text, codes})",
    )
    p.add_argument("file")
    p.add_argument("--codebook", default="", help="codebook file (default: the workbook's)")
    p.add_argument(
        "--boot", type=_count, default=1000, help="bootstrap resamples for the intervals (0: none)"
    )
    p.add_argument(
        "--model",
        default="",
        metavar="PATH|none",
        help="the coder's model to measure (default: the one the workbook codes with); none: "
        "the rules alone",
    )
    p.add_argument(
        "--learning-curve",
        action="store_true",
        help="also simulate reviewing 25, 50, 100, 200 passages in uncertainty order",
    )
    p = add("model", _coding.cmd_model, "train or show the coder's learned layer")
    p.add_argument("action", choices=("train", "show"))
    p.add_argument("file", nargs="?", default="", help="hand-coded JSONL file to learn from")
    p.add_argument("--out", default="", help="where the model is written (default: the workbook's)")
    p.add_argument(
        "--with-decisions",
        action="store_true",
        help="also learn from the workbook's reviewed passages (the decisions file)",
    )
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    p.add_argument("--seed", type=int, default=0, help="seed of the folds")
    p = add(
        "agreement",
        _coding.cmd_agreement,
        "Cohen's kappa and Krippendorff's alpha per code "
        "between two coders, or the rules and a coder",
    )
    p.add_argument("--coders", nargs=2, metavar=("A", "B"))
    p.add_argument("--rules", metavar="CODER", help="compare the rules with this coder")
    p.add_argument("--boot", type=_count, default=1000, help="bootstrap resamples")
