"""Measure the rule coding against passages coded by people.

:func:`compute_evaluation` codes each record ``{"id", "lang", "text", "codes"}`` with a
:class:`~evidence.coding._matcher.Matcher` and returns precision, recall and F1 per code, micro and
macro, per facet and per language, plus the passages with the most false positives and false
negatives; the result is plain JSON. :func:`format_evaluation` renders it as a table.

A development set of a hundred passages gives a figure with a wide margin: the micro F1, the
F1 of each language and the gap between the best and the worst language come with a 95%
bootstrap interval over passages (seeded, so the same file gives the same interval).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evidence.coding._agreement import percentile_interval
from evidence.coding._match import Match
from evidence.coding._matcher import Matcher
from evidence.coding._model import CoderModel, Passage, model_decisions

__all__ = ["PARTS", "compute_evaluation", "format_evaluation", "load_jsonl"]

_log = logging.getLogger(__name__)
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
    _log.warning(message)
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


PARTS = ("combined", "rules", "model")


def compute_evaluation(
    records: Iterable[Mapping[str, Any]],
    matcher: Matcher,
    *,
    model: CoderModel | None = None,
    part: str = "combined",
    worst: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Return the evaluation of the coder on human-coded ``records`` as a JSON-able dict.

    The coder is ``matcher``'s rules, refined by ``model`` when one is given: ``part``
    ``combined`` measures the two together (what ``evidence code`` uses), ``rules`` the rules
    alone, ``model`` the model's own decision (probability 0.5 or more) for its codes.

    Keys: ``micro``, ``macro``, ``per_code``, ``per_facet``, ``per_language``,
    ``language_gap``, ``per_pattern``, ``worst_false_positives``, ``worst_false_negatives``,
    ``n_records``, ``skipped``, ``unknown_codes``, ``codebook_version``, ``model_version``
    and ``part``.

    ``micro``, each language and ``language_gap`` carry ``f1_ci95``, a bootstrap interval from
    ``n_boot`` resamples of the passages (``None`` with fewer than two passages or ``n_boot``
    < 2). ``per_pattern`` counts, for each pattern that coded a passage, the passages where its
    code was right (``tp``) or wrong (``fp``), and those where it was the code's only pattern
    (``_alone``: removing the pattern would remove that coding); the costliest come first.
    """
    if part not in PARTS:
        raise ValueError(f"part {part!r} is not one of {', '.join(PARTS)}")
    tally = _Tally(set(matcher.codebook.codes))
    rows = list(records)
    matches = {
        i: matcher.match(r["text"], str(r.get("lang") or "other"))
        for i, r in enumerate(rows)
        if not _check(r)
    }
    predicted = _predicted(rows, matches, model, part)
    for position, record in enumerate(rows):
        tally.add(position, record, matches.get(position, []), predicted.get(position, set()))
    per_code = _per_code(tally.counts, matcher)
    micro, per_language, language_gap = _overall_scores(tally, n_boot, seed)
    return {
        "codebook_version": matcher.version,
        "model_version": model.version if model is not None and part != "rules" else "",
        "part": part if model is not None else "rules",
        "n_records": tally.n_records,
        "micro": micro,
        "macro": _macro(per_code),
        "per_code": per_code,
        "per_facet": _per_facet(tally.counts),
        "per_language": per_language,
        "language_gap": language_gap,
        "per_pattern": _per_pattern(tally.patterns),
        "worst_false_positives": _worst(tally.false_pos, worst),
        "worst_false_negatives": _worst(tally.false_neg, worst),
        "skipped": tally.skipped,
        "unknown_codes": dict(sorted(tally.unknown.items())),
    }


def _predicted(
    rows: list[Any], matches: Mapping[int, list[Match]], model: CoderModel | None, part: str
) -> dict[int, set[str]]:
    """Return the codes the coder gives each record: the rules', refined by the model."""
    rules = {i: {m.code for m in found} for i, found in matches.items()}
    if model is None or part == "rules":
        return rules
    order = sorted(rules)
    passages = [
        Passage(str(i), rows[i]["text"], str(rows[i].get("lang") or "other"), frozenset(rules[i]))
        for i in order
    ]
    decided, prob = model_decisions(model, passages)
    if part == "combined":
        return {i: set(codes) for i, codes in zip(order, decided, strict=True)}
    own = {c: j for j, c in enumerate(model.codes)}
    return {
        i: {c for c in rules[i] if c not in own} | {c for c, j in own.items() if prob[k, j] >= 0.5}
        for k, i in enumerate(order)
    }


@dataclass
class _Tally:
    """What the records of an evaluation add up to, counted record by record."""

    known: set[str]
    n_records: int = 0
    #: per code: passages by outcome (tp, fp, fn)
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    unknown: Counter[str] = field(default_factory=Counter)
    false_pos: list[dict[str, Any]] = field(default_factory=list)
    false_neg: list[dict[str, Any]] = field(default_factory=list)
    #: per record: language, tp, fp, fn
    outcomes: list[tuple[str, int, int, int]] = field(default_factory=list)
    #: per (code, pattern): passages by outcome
    patterns: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)

    def add(self, position: int, record: Any, matches: list[Match], predicted: set[str]) -> None:
        """Count ``record``, the ``position``-th, coded ``predicted`` (the rules' ``matches``
        behind them), or list it as skipped when malformed."""
        reason = _check(record)
        if reason:
            rid = record.get("id") if isinstance(record, Mapping) else None
            skipped = {"record": str(rid if rid is not None else position), "reason": reason}
            self.skipped.append(skipped)
            return
        self.n_records += 1
        lang = str(record.get("lang") or "other")
        text = record["text"]
        gold = set(record["codes"])
        self.unknown.update(c for c in gold if c not in self.known)
        self._count_patterns(matches, gold)
        fps = sorted(predicted - gold)
        fns = sorted(gold - predicted)
        self.outcomes.append((lang, len(gold & predicted), len(fps), len(fns)))
        for code in gold | predicted:
            outcome = (
                "tp" if code in gold and code in predicted else "fp" if code in predicted else "fn"
            )
            self.counts.setdefault(code, Counter())[outcome] += 1
        if fps:
            first = next((m for m in matches if m.code in fps), None)
            start = max(0, first.start - _SNIPPET // 2) if first is not None else 0
            snippet = text[start : start + _SNIPPET]
            self.false_pos.append(
                {"id": record["id"], "lang": lang, "codes": fps, "snippet": snippet}
            )
        if fns:
            self.false_neg.append(
                {"id": record["id"], "lang": lang, "codes": fns, "snippet": text[:_SNIPPET]}
            )

    def _count_patterns(self, matches: list[Match], gold: set[str]) -> None:
        """Count, for each pattern that coded the passage, whether its code was right."""
        fired: dict[str, set[str]] = {}
        for m in matches:
            fired.setdefault(m.code, set()).add(m.pattern)
        for code, sources in fired.items():
            outcome = "tp" if code in gold else "fp"
            for source in sources:
                tally = self.patterns.setdefault((code, source), Counter())
                tally[outcome] += 1
                if len(sources) == 1:
                    tally[outcome + "_alone"] += 1


def _per_code(counts: dict[str, Counter[str]], matcher: Matcher) -> dict[str, dict[str, Any]]:
    """Return the scores of each code, in codebook order (unknown codes last, by id)."""
    return {
        code: _scores(c["tp"], c["fp"], c["fn"])
        for code, c in sorted(counts.items(), key=lambda kv: _order(kv[0], matcher))
    }


def _per_facet(counts: dict[str, Counter[str]]) -> dict[str, dict[str, Any]]:
    """Return the scores of each facet, its codes' outcomes pooled, by facet id."""
    facets: dict[str, Counter[str]] = {}
    for code, c in counts.items():
        facets.setdefault(code.split(".", 1)[0], Counter()).update(c)
    return {f: _scores(c["tp"], c["fp"], c["fn"]) for f, c in sorted(facets.items())}


def _macro(per_code: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Return the unweighted means of the codes' precision, recall and F1."""
    f1s = [s["f1"] for s in per_code.values()]
    macro_p = [s["precision"] for s in per_code.values()]
    macro_r = [s["recall"] for s in per_code.values()]
    n_codes = len(per_code) or 1
    return {
        "precision": round(sum(macro_p) / n_codes, 4),
        "recall": round(sum(macro_r) / n_codes, 4),
        "f1": round(sum(f1s) / n_codes, 4),
        "n_codes": len(per_code),
    }


def _overall_scores(
    tally: _Tally, n_boot: int, seed: int
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, Any]]:
    """Return the micro scores, the scores per language and the gap between languages.

    Each F1 comes with its bootstrap interval (``f1_ci95``).
    """
    total = sum(tally.counts.values(), Counter())
    micro = _scores(total["tp"], total["fp"], total["fn"])
    by_lang: dict[str, list[int]] = {}
    for lang, *tp_fp_fn in tally.outcomes:
        sums = by_lang.setdefault(lang, [0, 0, 0])
        for k, value in enumerate(tp_fp_fn):
            sums[k] += value
    per_language = {lang: _scores(*by_lang[lang]) for lang in sorted(by_lang)}
    intervals = _bootstrap(tally.outcomes, list(per_language), n_boot, seed)
    micro["f1_ci95"] = intervals["micro"]
    for lang, scores in per_language.items():
        scores["f1_ci95"] = intervals[lang]
    f1_by_lang = {lang: s["f1"] for lang, s in per_language.items()}
    best = max(f1_by_lang, key=f1_by_lang.__getitem__, default="")
    worst_lang = min(f1_by_lang, key=f1_by_lang.__getitem__, default="")
    gap = {
        "f1": round(f1_by_lang[best] - f1_by_lang[worst_lang], 4) if best else 0.0,
        "best": best,
        "worst": worst_lang,
        "f1_ci95": intervals["gap"],
    }
    return micro, per_language, gap


def _per_pattern(patterns: dict[tuple[str, str], Counter[str]]) -> list[dict[str, Any]]:
    """Return the counts of each pattern, those behind most false positives alone first."""
    return [
        {
            "code": code,
            "pattern": source,
            "tp": tally["tp"],
            "fp": tally["fp"],
            "tp_alone": tally["tp_alone"],
            "fp_alone": tally["fp_alone"],
        }
        for (code, source), tally in sorted(
            patterns.items(),
            key=lambda kv: (-kv[1]["fp_alone"], -kv[1]["fp"], kv[1]["tp"], kv[0]),
        )
    ]


def _worst(errors: list[dict[str, Any]], worst: int) -> list[dict[str, Any]]:
    """Return the ``worst`` passages with the most wrong codes (ties in record order)."""
    return sorted(errors, key=lambda r: -len(r["codes"]))[:worst]


def _ci(samples: np.ndarray) -> list[float] | None:
    return percentile_interval(samples, 0.95)


def _bootstrap(
    outcomes: list[tuple[str, int, int, int]], langs: list[str], n_boot: int, seed: int
) -> dict[str, list[float] | None]:
    """Return 95% intervals of the micro F1, each language's F1 and the language gap.

    Passages are resampled with replacement; a language absent from a resample leaves that
    resample out of its interval and of the gap's.
    """
    keys = ["micro", "gap", *langs]
    if len(outcomes) < 2 or n_boot < 2:
        return dict.fromkeys(keys)
    counts = np.array([o[1:] for o in outcomes], dtype=np.float64)
    lang_of = np.array([langs.index(o[0]) for o in outcomes])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(outcomes), size=(n_boot, len(outcomes)))

    def f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(tp > 0, 2 * tp / (2 * tp + fp + fn), 0.0)

    resampled = counts[picks]
    languages = lang_of[picks]
    out: dict[str, list[float] | None] = {"micro": _ci(f1(*resampled.sum(axis=1).T))}
    by_lang = []
    for index, lang in enumerate(langs):
        mask = languages == index
        sums = (resampled * mask[..., None]).sum(axis=1)
        scores = np.where(mask.any(axis=1), f1(*sums.T), np.nan)
        out[lang] = _ci(scores)
        by_lang.append(scores)
    stacked = np.array(by_lang)
    # NaN (a language absent from the resample) propagates: that resample has no gap.
    out["gap"] = _ci(stacked.max(axis=0) - stacked.min(axis=0)) if len(langs) > 1 else None
    return out


def _order(code: str, matcher: Matcher) -> tuple[int, str]:
    codes = list(matcher.codebook.codes)
    return (codes.index(code) if code in matcher.codebook.codes else len(codes), code)


def _shown(interval: list[float] | None) -> str:
    return f"   F1 95% CI {interval[0]:.2f}-{interval[1]:.2f}" if interval else ""


def format_evaluation(result: Mapping[str, Any], *, patterns: int = 15) -> str:
    """Return the evaluation as a readable plain-text report.

    It lists the ``patterns`` patterns behind most false positives (0: none).
    """
    coder = f"codebook {result['codebook_version']}"
    if result.get("model_version"):
        coder += f" with model {result['model_version']}"
    lines = [
        f"Evaluation of {coder} on {result['n_records']} passages",
        "",
        f"{'':32} {'support':>7} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn",
    ]
    lines += [_row(code, s) for code, s in result["per_code"].items()]
    lines += ["", "By facet"] + [_row(f, s) for f, s in result["per_facet"].items()]
    lines += ["", "By language"] + [
        _row(lang, s) + _shown(s.get("f1_ci95")) for lang, s in result["per_language"].items()
    ]
    lines += _overall_lines(result)
    lines += _part_lines(result)
    lines += _curve_lines(result)
    lines += _costly_pattern_lines(result, patterns)
    lines += _problem_lines(result)
    return "\n".join(lines)


def _row(name: str, s: Mapping[str, Any]) -> str:
    return (
        f"{name:32} {s['support']:>7} {s['precision']:>6.2f} {s['recall']:>6.2f} "
        f"{s['f1']:>6.2f} {s['tp']:>4} {s['fp']:>3} {s['fn']:>3}"
    )


def _overall_lines(result: Mapping[str, Any]) -> list[str]:
    """Return the lines of the micro and macro scores and of the gap between languages."""
    macro = result["macro"]
    lines = [
        "",
        _row("micro", result["micro"]) + _shown(result["micro"].get("f1_ci95")),
        f"{'macro':32} {'':>7} {macro['precision']:>6.2f} {macro['recall']:>6.2f} "
        f"{macro['f1']:>6.2f}",
    ]
    gap = result.get("language_gap")
    if gap and gap.get("best"):
        lines.append(
            f"F1 gap between languages: {gap['f1']:.2f} ({gap['best']} - {gap['worst']})"
            + _shown(gap.get("f1_ci95"))
        )
    return lines


def _part_lines(result: Mapping[str, Any]) -> list[str]:
    """Return the micro F1 of each part of the coder alone, by facet and language."""
    parts = result.get("parts")
    if not parts:
        return []
    lines = ["", "Each part alone (micro F1; by facet; by language)"]
    for name, part in parts.items():
        facets = " ".join(f"{f} {s['f1']:.2f}" for f, s in part["per_facet"].items())
        langs = " ".join(f"{lang} {s['f1']:.2f}" for lang, s in part["per_language"].items())
        lines.append(f"  {name:<8} {part['micro']['f1']:.2f}   {facets}   {langs}")
    return lines


def _curve_lines(result: Mapping[str, Any]) -> list[str]:
    """Return the simulated reviews: F1 on the passages not yet reviewed."""
    curve = result.get("learning_curve")
    if not curve:
        return []
    lines = ["", "Learning curve (reviews in uncertainty order; F1 on the passages not reviewed)"]
    lines += [
        f"  {row['reviewed']:>4} reviewed: rules {row['rules']:.2f}, "
        f"rules and model {row['rules_and_model']:.2f}"
        for row in curve
    ]
    return lines


def _costly_pattern_lines(result: Mapping[str, Any], patterns: int) -> list[str]:
    """Return the lines of the ``patterns`` patterns behind most false positives."""
    costly = [p for p in result.get("per_pattern", ()) if p["fp"]][:patterns]
    if not costly:
        return []
    lines = ["", "Patterns behind false positives (passages: wrong, wrong alone, right)"]
    lines += [
        f"  {p['fp']:>3} {p['fp_alone']:>3} {p['tp']:>3}  {p['code']}: {p['pattern']}"
        for p in costly
    ]
    return lines


def _problem_lines(result: Mapping[str, Any]) -> list[str]:
    """Return the lines of the worst passages, the skipped records and the unknown codes."""
    lines: list[str] = []
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
    return lines
