"""Measure the rule coding against passages coded by people.

:func:`compute_evaluation` codes each record ``{"id", "lang", "text", "codes"}`` with a
:class:`~evidence.coding.Matcher` and returns precision, recall and F1 per code, micro and
macro, per facet and per language, plus the passages with the most false positives and false
negatives; the result is plain JSON. :func:`format_evaluation` renders it as a table.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from evidence.coding import Matcher

__all__ = ["load_jsonl", "compute_evaluation", "format_evaluation"]

log = logging.getLogger(__name__)
_SNIPPET = 160


def load_jsonl(path: str | Path, *, problems: list[str] | None = None) -> list[dict[str, Any]]:
    """Return the JSON objects of a JSON Lines file, skipping blank and malformed lines.

    Each skipped line is logged and, when ``problems`` is given, appended to it with its number.
    """
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                _report(problems, f"{path}:{number}: not valid JSON ({err.msg}); line skipped")
                continue
            if not isinstance(value, dict):
                _report(problems, f"{path}:{number}: not a JSON object; line skipped")
                continue
            out.append(value)
    return out


def _report(problems: list[str] | None, message: str) -> None:
    log.warning(message)
    if problems is not None:
        problems.append(message)


def _scores(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "support": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _check(record: Any) -> str:
    if not isinstance(record, Mapping):
        return "not an object"
    for key, kind in (("id", str), ("text", str), ("codes", list)):
        if not isinstance(record.get(key), kind):
            return f"{key!r} is missing or not a {kind.__name__}"
    if not all(isinstance(c, str) for c in record["codes"]):
        return "'codes' must be a list of code ids"
    return ""


def compute_evaluation(
    records: Iterable[Mapping[str, Any]], matcher: Matcher, *, worst: int = 10
) -> dict[str, Any]:
    """Return the evaluation of ``matcher`` on human-coded ``records`` as a JSON-able dict.

    Keys: ``micro``, ``macro``, ``per_code``, ``per_facet``, ``per_language``,
    ``worst_false_positives``, ``worst_false_negatives``, ``n_records``, ``skipped``,
    ``unknown_codes`` and ``codebook_version``.
    """
    known = set(matcher.codebook.codes)
    counts: dict[str, Counter[str]] = {}
    by_lang: dict[str, Counter[str]] = {}
    skipped: list[dict[str, str]] = []
    unknown: Counter[str] = Counter()
    false_pos: list[dict[str, Any]] = []
    false_neg: list[dict[str, Any]] = []
    n_records = 0
    for position, record in enumerate(records):
        reason = _check(record)
        if reason:
            rid = record.get("id") if isinstance(record, Mapping) else None
            skipped.append({"record": str(rid if rid is not None else position), "reason": reason})
            continue
        n_records += 1
        lang = str(record.get("lang") or "other")
        text = record["text"]
        gold = set(record["codes"])
        unknown.update(c for c in gold if c not in known)
        matches = matcher.match(text, lang)
        predicted = {m.code for m in matches}
        lang_counts = by_lang.setdefault(lang, Counter())
        for code in gold | predicted:
            outcome = (
                "tp" if code in gold and code in predicted else "fp" if code in predicted else "fn"
            )
            counts.setdefault(code, Counter())[outcome] += 1
            lang_counts[outcome] += 1
        fps = sorted(predicted - gold)
        fns = sorted(gold - predicted)
        if fps:
            first = next(m for m in matches if m.code in fps)
            start = max(0, first.start - _SNIPPET // 2)
            snippet = text[start : start + _SNIPPET]
            false_pos.append({"id": record["id"], "lang": lang, "codes": fps, "snippet": snippet})
        if fns:
            false_neg.append(
                {"id": record["id"], "lang": lang, "codes": fns, "snippet": text[:_SNIPPET]}
            )
    per_code = {
        code: _scores(c["tp"], c["fp"], c["fn"])
        for code, c in sorted(counts.items(), key=lambda kv: _order(kv[0], matcher))
    }
    total = sum(counts.values(), Counter())
    facets: dict[str, Counter[str]] = {}
    for code, c in counts.items():
        facets.setdefault(code.split(".", 1)[0], Counter()).update(c)
    f1s = [s["f1"] for s in per_code.values()]
    macro_p = [s["precision"] for s in per_code.values()]
    macro_r = [s["recall"] for s in per_code.values()]
    n_codes = len(per_code) or 1
    return {
        "codebook_version": matcher.version,
        "n_records": n_records,
        "micro": _scores(total["tp"], total["fp"], total["fn"]),
        "macro": {
            "precision": round(sum(macro_p) / n_codes, 4),
            "recall": round(sum(macro_r) / n_codes, 4),
            "f1": round(sum(f1s) / n_codes, 4),
            "n_codes": len(per_code),
        },
        "per_code": per_code,
        "per_facet": {f: _scores(c["tp"], c["fp"], c["fn"]) for f, c in sorted(facets.items())},
        "per_language": {
            lang: _scores(c["tp"], c["fp"], c["fn"]) for lang, c in sorted(by_lang.items())
        },
        "worst_false_positives": sorted(false_pos, key=lambda r: -len(r["codes"]))[:worst],
        "worst_false_negatives": sorted(false_neg, key=lambda r: -len(r["codes"]))[:worst],
        "skipped": skipped,
        "unknown_codes": dict(sorted(unknown.items())),
    }


def _order(code: str, matcher: Matcher) -> tuple[int, str]:
    codes = list(matcher.codebook.codes)
    return (codes.index(code) if code in matcher.codebook.codes else len(codes), code)


def format_evaluation(result: Mapping[str, Any]) -> str:
    """Return the evaluation as a readable plain-text report."""
    lines = [
        f"Evaluation of codebook {result['codebook_version']} on {result['n_records']} passages",
        "",
        f"{'':32} {'support':>7} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn",
    ]

    def row(name: str, s: Mapping[str, Any]) -> str:
        return (
            f"{name:32} {s['support']:>7} {s['precision']:>6.2f} {s['recall']:>6.2f} "
            f"{s['f1']:>6.2f} {s['tp']:>4} {s['fp']:>3} {s['fn']:>3}"
        )

    lines += [row(code, s) for code, s in result["per_code"].items()]
    lines += ["", "By facet"] + [row(f, s) for f, s in result["per_facet"].items()]
    lines += ["", "By language"] + [row(lang, s) for lang, s in result["per_language"].items()]
    macro = result["macro"]
    lines += [
        "",
        row("micro", result["micro"]),
        f"{'macro':32} {'':>7} {macro['precision']:>6.2f} {macro['recall']:>6.2f} "
        f"{macro['f1']:>6.2f}",
    ]
    for key, title in (
        ("worst_false_positives", "Worst false positives"),
        ("worst_false_negatives", "Worst false negatives"),
    ):
        if result.get(key):
            lines += ["", title]
            for item in result[key]:
                snippet = " ".join(item["snippet"].split())
                lines.append(f"  {item['id']} [{item['lang']}] {', '.join(item['codes'])}")
                lines.append(f"      {snippet}")
    if result.get("skipped"):
        lines += ["", "Skipped records"]
        lines += [f"  {s['record']}: {s['reason']}" for s in result["skipped"]]
    if result.get("unknown_codes"):
        unknown = ", ".join(f"{c} ({n})" for c, n in result["unknown_codes"].items())
        lines += ["", f"Codes not in the codebook: {unknown}"]
    return "\n".join(lines)
