"""Coding commands of the command line: explain, review, suggest, evaluate, agreement,
codebook exchange. Each parses nothing itself: ``register`` adds the sub-commands and each
``cmd_*`` delegates to the pure functions of the coding modules, then prints.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evidence.config import Settings
from evidence.errors import ConfigError
from evidence.records import CodingRow
from evidence.store._store import open_store

__all__ = ["register"]


def _print(args: argparse.Namespace, data: Any, text: Callable[[Any], str]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text(data))


def cmd_explain(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.coding._codebook import load_codebook
    from evidence.coding._matcher import compile_codebook, explain_passage, render_highlighted

    with open_store(settings.store) as store:
        passage = store.passage(args.passage_id)
    if passage is None:
        raise ConfigError(
            f"no passage {args.passage_id} in the store; find ids with `evidence search QUERY`"
        )
    matcher = compile_codebook(load_codebook(settings.codebook))
    matches = explain_passage(passage["text"], passage["lang"], matcher)
    data = {**passage, "matches": [m._asdict() for m in matches]}

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

    _print(args, data, text)
    return 0


def cmd_review(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.coding._decisions import add_decision, load_decisions, write_decisions

    if not args.coder:
        raise ConfigError("say who decides: --coder NAME (kept in the decisions file)")
    with open_store(settings.store) as store:
        passage = store.passage(args.passage_id)
    if passage is None:
        raise ConfigError(f"no passage {args.passage_id} in the store")
    existing = load_decisions(settings.decisions).decisions if settings.decisions.is_file() else []
    decisions = add_decision(
        existing,
        args.passage_id,
        args.code,
        args.decision,
        args.coder,
        passage_text=passage["text"],
        note=args.note,
    )
    write_decisions(settings.decisions, decisions)
    data = {
        "file": settings.relative(settings.decisions),
        "passage_id": args.passage_id,
        "code": args.code,
        "decision": args.decision,
        "coder": args.coder,
        "decisions": len(decisions),
    }
    _print(
        args,
        data,
        lambda d: (
            f"{d['decision']} {d['code']} on {d['passage_id']} by "
            f"{d['coder']}: written to {d['file']} ({d['decisions']} decisions); "
            "run `evidence code` to apply it"
        ),
    )
    return 0


def _suggester(settings: Settings) -> tuple[Any, dict[str, str], set[str]]:
    from evidence.coding._codebook import load_codebook
    from evidence.coding._decisions import load_decisions
    from evidence.coding._suggest import compute_training_set, train_suggester

    with open_store(settings.store) as store:
        frame = store.passages_frame(list(settings.coded_sections))
    texts = dict(zip(frame["id"], frame["text"], strict=True))
    decisions = load_decisions(settings.decisions).decisions if settings.decisions.is_file() else []
    examples = compute_training_set(decisions, texts)
    codebook = load_codebook(settings.codebook)
    suggester = train_suggester(examples, list(codebook.codes))
    return suggester, texts, {e.passage_id for e in examples}


def cmd_suggest(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.coding._suggest import compute_review_queue, suggest_codes

    suggester, texts, reviewed = _suggester(settings)
    pairs = sorted(texts.items())
    suggestions = suggest_codes(suggester, pairs, reviewed=reviewed, threshold=args.threshold)
    with open_store(settings.store) as store:
        written = store.replace_codings(
            "model",
            [
                CodingRow(
                    s.passage_id, s.code, "model", s.model_version, score=round(s.probability, 4)
                )
                for s in suggestions
            ],
        )
    queue = compute_review_queue(suggester, pairs, reviewed=reviewed, limit=args.limit)
    data = {
        "model_version": suggester.model_version,
        "examples": suggester.n_examples,
        "codes": list(suggester.codes),
        "not_trained": suggester.skipped,
        "suggestions": written,
        "queue": [
            {"passage_id": q.passage_id, "uncertainty": round(q.uncertainty, 3), "code": q.code}
            for q in queue
        ],
    }

    def text(d: dict[str, Any]) -> str:
        lines = [
            f"model {d['model_version']}: {d['examples']} reviewed passages, "
            f"{len(d['codes'])} code(s) trained, {d['suggestions']} suggestion(s) stored "
            "(origin model; never counted until a person accepts them)"
        ]
        lines += [f"  no model for {c}: {why}" for c, why in sorted(d["not_trained"].items())]
        if d["queue"]:
            lines.append("review first (most uncertain):")
            lines += [
                f"  {q['passage_id']}  {q['code']}  uncertainty {q['uncertainty']}"
                for q in d["queue"]
            ]
        return "\n".join(lines)

    _print(args, data, text)
    return 0


def cmd_evaluate(args: argparse.Namespace, settings: Settings | None) -> int:
    from evidence.coding._codebook import load_codebook
    from evidence.coding._evaluate import compute_evaluation, format_evaluation, load_jsonl
    from evidence.coding._matcher import compile_codebook
    from evidence.config import load_settings

    codebook_path = Path(args.codebook) if args.codebook else load_settings(args.root).codebook
    problems: list[str] = []
    records = load_jsonl(args.file, problems=problems)
    matcher = compile_codebook(load_codebook(codebook_path))
    result = compute_evaluation(records, matcher, n_boot=args.boot)
    _print(args, result, format_evaluation)
    return 1 if problems or result.get("skipped") else 0


def cmd_agreement(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.coding._agreement import compute_agreement, compute_coder_sets
    from evidence.coding._codebook import load_codebook
    from evidence.coding._decisions import load_decisions

    if not settings.decisions.is_file():
        raise ConfigError(f"{settings.decisions}: no coding decisions yet; review passages first")
    sets = compute_coder_sets(load_decisions(settings.decisions).decisions)
    codes = list(load_codebook(settings.codebook).codes)
    if args.rules:
        person = sets.get(args.rules)
        if person is None:
            raise ConfigError(f"no decisions by coder '{args.rules}'; coders: {', '.join(sets)}")
        with open_store(settings.store) as store:
            frame = store.codings_frame(effective=False)
        rules: dict[str, set[str]] = {}
        for pid, code, origin in zip(
            frame["passage_id"], frame["code"], frame["origin"], strict=True
        ):
            if origin == "rule":
                rules.setdefault(pid, set()).add(code)
        names, a, b, units = ("rules", args.rules), rules, person, sorted(person)
    else:
        ranked = sorted(sets, key=lambda c: (-len(sets[c]), c))
        names = tuple(args.coders) if args.coders else tuple(ranked[:2])
        if len(names) != 2 or any(n not in sets for n in names):
            raise ConfigError(
                f"agreement needs two coders with decisions; found: "
                f"{', '.join(sets) or 'none'} (name them with --coders A B)"
            )
        a, b, units = sets[names[0]], sets[names[1]], None
    result = compute_agreement(a, b, codes, units=units, n_boot=args.boot)
    result["coders"] = list(names)

    def text(d: dict[str, Any]) -> str:
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

    _print(args, result, text)
    return 0


def cmd_codebook(args: argparse.Namespace, settings: Settings) -> int:
    from evidence.coding._codebook import load_codebook
    from evidence.coding._qdc import load_qdc, render_codebook_yaml, write_qdc

    if args.action == "export":
        write_qdc(args.file, load_codebook(settings.codebook), lang=args.lang)
        data = {"action": "export", "file": args.file}
    else:
        codes = load_qdc(args.file)
        out = Path(args.out)
        out.write_text(render_codebook_yaml(codes), encoding="utf-8")
        data = {"action": "import", "file": args.file, "codes": len(codes), "written": str(out)}
    _print(args, data, lambda d: json.dumps(d, ensure_ascii=False))
    return 0


def register(add: Callable[..., argparse.ArgumentParser]) -> None:
    """Add the coding sub-commands through the command line's ``add`` helper."""
    p = add("explain", cmd_explain, "show a passage with the words each code matched")
    p.add_argument("passage_id")
    p = add("review", cmd_review, "accept, reject or add a code on a passage (decisions file)")
    p.add_argument("passage_id")
    p.add_argument("code")
    p.add_argument("decision", choices=("accept", "reject", "add"))
    p.add_argument("--coder", default="", help="who decides (kept in the file)")
    p.add_argument("--note", default="", help="why, in a few words")
    p = add(
        "suggest",
        cmd_suggest,
        "learn from reviewed passages and suggest codes, with a "
        "review queue ordered by uncertainty",
    )
    p.add_argument("--threshold", type=float, default=0.5)
    p.add_argument("--limit", type=int, default=20, help="passages in the review queue")
    p = add(
        "evaluate",
        cmd_evaluate,
        "precision, recall and F1 of the rules on a hand-coded "
        "JSONL file ({id, lang, text, codes})",
    )
    p.add_argument("file")
    p.add_argument("--codebook", default="", help="codebook file (default: the workbook's)")
    p.add_argument(
        "--boot", type=int, default=1000, help="bootstrap resamples for the intervals (0: none)"
    )
    p = add(
        "agreement",
        cmd_agreement,
        "Cohen's kappa and Krippendorff's alpha per code "
        "between two coders, or the rules and a coder",
    )
    p.add_argument("--coders", nargs=2, metavar=("A", "B"))
    p.add_argument("--rules", metavar="CODER", help="compare the rules with this coder")
    p.add_argument("--boot", type=int, default=1000, help="bootstrap resamples")
    p = add("codebook", cmd_codebook, "export or import the codebook as REFI-QDA (.qdc)")
    p.add_argument("action", choices=("export", "import"))
    p.add_argument("file")
    p.add_argument("--lang", default="en", help="label language of the export")
    p.add_argument("--out", default="codebook-import.yml", help="where an import is written")
