"""The coding commands: explain, review, suggest, evaluate, agreement, codebook exchange.

Each delegates to the workbook's ``run_*`` function and prints its summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evidence.coding import (
    ALL_CODES,
    SHIPPED_MODEL,
    CoderModel,
    format_evaluation,
    load_model,
    render_highlighted,
)
from evidence.config import Settings, load_settings
from evidence.errors import ConfigError
from evidence.workbook import (
    coder_model,
    run_agreement,
    run_codebook_export,
    run_codebook_import,
    run_evaluate,
    run_explain,
    run_model_train,
    run_review,
    run_suggest,
)

from ._output import emit

__all__ = [
    "cmd_agreement",
    "cmd_codebook",
    "cmd_evaluate",
    "cmd_explain",
    "cmd_model",
    "cmd_review",
    "cmd_suggest",
]


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence explain``: a passage, the words each code matched, its codings."""
    data, matches = run_explain(settings, args.passage_id)

    def text(d: dict[str, Any]) -> str:
        lines = [
            f"{d['source_key']}, p. {d['page_label']} [{d['section']}, {d['lang']}] {d['id']}",
            "",
            render_highlighted(d["text"], matches, fmt="ansi"),
            "",
        ]
        lines += [f"  {m.code:<28} {m.status:<7} {m.pattern!r} → “{m.text}”" for m in matches]
        lines += [
            f"  coded {c['code']} ({c['origin']}, {c['provenance']})"
            + (" [rejected]" if c["negated"] else "")
            for c in d["codings"]
        ]
        return "\n".join(lines)

    emit(args, data, text)
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence review``: one person's decision, into the decisions file."""
    if bool(args.code) != bool(args.decision) or not (args.code or args.complete):
        raise ConfigError(
            "give a code and a decision (evidence review PASSAGE_ID CODE accept|reject|add), "
            "--complete, or both"
        )
    decisions = [(args.code, args.decision)] if args.code else []
    decisions += [(ALL_CODES, "complete")] if args.complete else []
    done = [
        run_review(settings, args.passage_id, code, decision, args.coder, note=args.note)
        for code, decision in decisions
    ]
    emit(args, done[0] if len(done) == 1 else done, lambda _: "\n".join(map(_review_text, done)))
    return 0


def _review_text(d: dict[str, Any]) -> str:
    return (
        f"{d['decision']} {d['code']} on {d['passage_id']} by {d['coder']}: written to "
        f"{d['file']} ({d['decisions']} decisions); run `evidence code` to apply it"
    )


def _suggest_text(d: dict[str, Any]) -> str:
    lines = [
        f"model {d['model_version']}: {d['examples']} reviewed passages, "
        f"{len(d['codes'])} code(s) trained, {d['suggestions']} suggestion(s) stored "
        "(origin model; never counted until a person accepts them)"
    ]
    lines += [f"  no model for {c}: {why}" for c, why in sorted(d["not_trained"].items())]
    if d["reliability"]:
        lines.append("reliability on held-out folds (probability: how often right):")
        lines += [
            f"  {r['bin'][0]:.1f}-{r['bin'][1]:.1f}: mean {r['mean_probability']:.2f}, "
            f"observed {r['observed']:.2f} (n={r['n']})"
            for r in d["reliability"]
        ]
    if d["queue"]:
        lines.append("review first (most corrections expected):")
        lines += [
            f"  {q['passage_id']}  {q['code']}  expected corrections {q['expected_gain']}"
            for q in d["queue"]
        ]
    return "\n".join(lines)


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence suggest``: learned suggestions and the review queue."""
    emit(args, run_suggest(settings, threshold=args.threshold, limit=args.limit), _suggest_text)
    return 0


def _evaluated_model(args: argparse.Namespace) -> CoderModel | None:
    """The model ``evaluate`` measures: --model PATH, none, or the one the workbook codes with
    (the shipped model outside a workbook)."""
    if args.model == "none":
        return None
    if args.model:
        return load_model(args.model)
    try:
        return coder_model(load_settings(args.root))
    except ConfigError:
        return load_model(SHIPPED_MODEL) if SHIPPED_MODEL.is_file() else None


def cmd_evaluate(args: argparse.Namespace, settings: Settings | None) -> int:
    """``evidence evaluate``: the coder against hand-coded passages."""
    codebook = Path(args.codebook) if args.codebook else load_settings(args.root).codebook
    result, problems = run_evaluate(
        codebook,
        args.file,
        boot=args.boot,
        model=_evaluated_model(args),
        learning_curve=args.learning_curve,
    )
    emit(args, result, format_evaluation)
    return 1 if problems or result.get("skipped") else 0


def _model_text(d: dict[str, Any]) -> str:
    cv = d.get("cross_validation", {})
    rules, both = cv.get("rules", {}).get("f1"), cv.get("rules_and_model", {}).get("f1")
    lines = [
        f"model {d['model_version']} written to {d['file']}: {d['passages']} passages of "
        f"{d['training_file']} (sha256 {d['training_sha256'][:12]}…)"
        + (f" and {d['reviewed_passages']} reviewed passages" if d["reviewed_passages"] else ""),
        f"  {cv.get('folds')}-fold cross-validated micro-F1: rules {rules}, rules and model {both}",
        f"  keeps rule hits in context for: {', '.join(d['keeps']) or 'no code'}",
        f"  adds codes no rule found for: {', '.join(d['adds']) or 'no code'}",
    ]
    changed = d.get("changed", {})
    if changed.get("previous"):
        f1 = changed["cross_validated_f1"]
        lines.append(
            f"  changed from {changed['previous']}: cross-validated F1 {f1['before']} -> "
            f"{f1['after']}; parts changed for {len(changed['parts'])} code(s)"
        )
    return "\n".join(lines)


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence model train|show``: the coder's learned layer."""
    if args.action == "train":
        if not args.file:
            raise ConfigError("evidence model train needs the hand-coded JSONL file to learn from")
        data = run_model_train(
            settings,
            args.file,
            out=args.out or None,
            with_decisions=args.with_decisions,
            folds=args.folds,
            seed=args.seed,
        )
        emit(args, data, _model_text)
        return 0
    model = coder_model(settings)
    shown = (
        {"model": None}
        if model is None
        else {"model_version": model.version, **model.about, "codes": len(model.codes)}
    )
    emit(args, shown, _model_show_text)
    return 0


def _model_show_text(d: dict[str, Any]) -> str:
    if d.get("model") is None and "model_version" not in d:
        return 'no model: the rules code alone ([workbook] model = "none" or no model file)'
    cv = d.get("cross_validation", {})
    rules, both = cv.get("rules", {}).get("f1"), cv.get("rules_and_model", {}).get("f1")
    return "\n".join(
        [
            f"model {d['model_version']} for codebook {d['codebook_version']}, {d['codes']} codes",
            f"  trained on {d['passages']} passages of {d['training_file']} "
            f"(sha256 {d['training_sha256'][:12]}…) and {d['reviewed_passages']} reviewed",
            f"  {cv.get('folds')}-fold cross-validated micro-F1: rules {rules}, "
            f"rules and model {both}",
        ]
    )


def _agreement_text(d: dict[str, Any]) -> str:
    lines = [
        f"agreement {d['coders'][0]} vs {d['coders'][1]} on {d['units']} passage(s): "
        f"mean kappa {d['mean_kappa']}, mean alpha {d['mean_alpha']}"
    ]
    for code, e in d["per_code"].items():
        if e["a_positive"] or e["b_positive"]:
            lines.append(
                f"  {code:<28} kappa {e['kappa']} {e['kappa_ci']}  "
                f"alpha {e['alpha']} {e['alpha_ci']}"
            )
    return "\n".join(lines)


def cmd_agreement(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence agreement``: kappa and alpha between two coders, or rules and a coder."""
    coders = tuple(args.coders) if args.coders else None
    result = run_agreement(settings, coders=coders, rules=args.rules or "", boot=args.boot)
    emit(args, result, _agreement_text)
    return 0


def cmd_codebook(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence codebook export|import``: the codebook as REFI-QDA."""
    if args.action == "export":
        data = run_codebook_export(settings, args.file, lang=args.lang)
    else:
        data = run_codebook_import(args.file, args.out)
    emit(args, data, _codebook_text)
    return 0


def _codebook_text(d: dict[str, Any]) -> str:
    if d["action"] == "export":
        return (
            f"wrote {d['codes']} codes in {d['facets']} facets to {d['file']} "
            "(REFI-QDA codebook; patterns stay in codebook.yml)"
        )
    made = f" made by {d['origin']}" if d["origin"] else ""
    return (
        f"imported {d['codes']} codes in {d['facets']} facets and {d['sets']} code sets from "
        f"{d['file']}{made}; wrote {d['written']}: fill in its patterns, then merge it into "
        "codebook.yml"
    )
