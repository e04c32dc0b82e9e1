"""The coding commands' work: explain, review, suggest, evaluate, agreement, codebook exchange.

Each function reads the files and the store the workbook names, calls the pure functions of
the coding stage, writes what must be written, and returns a JSON-able summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidence.coding import (
    Decision,
    Match,
    Suggester,
    compile_codebook,
    compute_agreement,
    compute_coder_sets,
    compute_evaluation,
    compute_review_queue,
    compute_training_set,
    explain_passage,
    load_codebook,
    load_decisions,
    load_jsonl,
    load_qdc,
    record_decision,
    render_codebook_yaml,
    suggest_codes,
    train_suggester,
    write_qdc,
)
from evidence.config import Settings
from evidence.errors import ConfigError, DecisionsError
from evidence.records import CodingRow
from evidence.store import open_store

__all__ = [
    "run_agreement",
    "run_codebook_export",
    "run_codebook_import",
    "run_evaluate",
    "run_explain",
    "run_review",
    "run_suggest",
]


def run_explain(settings: Settings, passage_id: str) -> tuple[dict[str, Any], list[Match]]:
    """Return a passage with its codings, and every match of the codebook in its text."""
    with open_store(settings.store) as store:
        passage = store.passage(passage_id)
    if passage is None:
        raise ConfigError(
            f"no passage {passage_id} in the store; find ids with `evidence search QUERY`"
        )
    matcher = compile_codebook(load_codebook(settings.codebook))
    matches = explain_passage(passage["text"], passage["lang"], matcher)
    return {**passage, "matches": [m._asdict() for m in matches]}, matches


def _passage(settings: Settings, passage_id: str) -> dict[str, Any]:
    """Return the passage ``passage_id``, or say which stored ids come closest."""
    with open_store(settings.store) as store:
        passage = store.passage(passage_id)
        if passage is not None:
            return passage
        near = store.passage_ids_like(passage_id)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise DecisionsError(
        f"no passage {passage_id} in the store{hint} Find ids with `evidence search QUERY` "
        "or `evidence explain`; nothing was written"
    )


def run_review(
    settings: Settings,
    passage_id: str,
    code: str,
    decision: str,
    coder: str,
    note: str = "",
) -> dict[str, Any]:
    """Record one person's decision in the decisions file; return what was written.

    ``decision`` ``complete`` (code ``*``) says the coder reviewed every code of the
    passage. The file is checked whole and written under a lock; nothing is written when it
    has a problem, or the code or the passage is unknown (the closest are named).
    """
    if not coder:
        raise ConfigError("say who decides: --coder NAME (kept in the decisions file)")
    passage = _passage(settings, passage_id)
    new = Decision(passage_id, code, decision, coder, "", " ".join(note.split()))
    count = record_decision(
        settings.decisions,
        new,
        codes=list(load_codebook(settings.codebook).codes),
        passage_text=passage["text"],
    )
    return {
        "file": settings.relative(settings.decisions),
        "passage_id": passage_id,
        "code": code,
        "decision": decision,
        "coder": coder,
        "decisions": count,
    }


def _suggester(settings: Settings) -> tuple[Suggester, dict[str, str], set[str]]:
    with open_store(settings.store) as store:
        frame = store.passages_frame(list(settings.coded_sections))
    texts = dict(zip(frame["id"], frame["text"], strict=True))
    decisions = load_decisions(settings.decisions).decisions if settings.decisions.is_file() else []
    examples = compute_training_set(decisions, texts)
    codebook = load_codebook(settings.codebook)
    suggester = train_suggester(examples, list(codebook.codes))
    return suggester, texts, {e.passage_id for e in examples}


def run_suggest(settings: Settings, *, threshold: float = 0.5, limit: int = 20) -> dict[str, Any]:
    """Train on the reviewed passages, store suggestions (never counted), return the queue."""
    suggester, texts, reviewed = _suggester(settings)
    pairs = sorted(texts.items())
    suggestions = suggest_codes(suggester, pairs, reviewed=reviewed, threshold=threshold)
    rows = [
        CodingRow(s.passage_id, s.code, "model", s.model_version, score=round(s.probability, 4))
        for s in suggestions
    ]
    with open_store(settings.store) as store:
        written = store.replace_codings("model", rows)
    queue = compute_review_queue(suggester, pairs, reviewed=reviewed, limit=limit)
    return {
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


def run_evaluate(codebook: Path, file: str, *, boot: int = 1000) -> tuple[dict[str, Any], int]:
    """Measure the codebook's rules on a hand-coded JSONL file; return the result and the
    number of lines that could not be read."""
    problems: list[str] = []
    records = load_jsonl(file, problems=problems)
    matcher = compile_codebook(load_codebook(codebook))
    return compute_evaluation(records, matcher, n_boot=boot), len(problems)


def _rule_sets(settings: Settings) -> dict[str, set[str]]:
    """Return the rules' codes per passage: the rules decide every code of every passage."""
    with open_store(settings.store) as store:
        frame = store.codings_frame(effective=False)
    rules: dict[str, set[str]] = {}
    for pid, code, origin in zip(frame["passage_id"], frame["code"], frame["origin"], strict=True):
        if origin == "rule":
            rules.setdefault(pid, set()).add(code)
    return rules


def run_agreement(
    settings: Settings,
    *,
    coders: tuple[str, str] | None = None,
    rules: str = "",
    boot: int = 1000,
) -> dict[str, Any]:
    """Return kappa and alpha per code between two coders, or between the rules and one.

    Each code is compared on the passages where both said whether it applies: a code a
    reviewer did not decide on a passage is not reviewed there, unless they marked the
    passage complete (``evidence review PASSAGE '*' complete``).
    """
    if not settings.decisions.is_file():
        raise ConfigError(f"{settings.decisions}: no coding decisions yet; review passages first")
    sets = compute_coder_sets(load_decisions(settings.decisions).decisions)
    codes = list(load_codebook(settings.codebook).codes)
    if rules:
        person = sets.get(rules)
        if person is None:
            raise ConfigError(f"no decisions by coder '{rules}'; coders: {', '.join(sets)}")
        result = compute_agreement(
            _rule_sets(settings), person, codes, units=sorted(person), n_boot=boot
        )
        result["coders"] = ["rules", rules]
        return result
    ranked = sorted(sets, key=lambda c: (-len(sets[c]), c))
    names = tuple(coders) if coders else tuple(ranked[:2])
    if len(names) != 2 or any(n not in sets for n in names):
        raise ConfigError(
            f"agreement needs two coders with decisions; found: "
            f"{', '.join(sets) or 'none'} (name them with --coders A B)"
        )
    result = compute_agreement(sets[names[0]], sets[names[1]], codes, n_boot=boot)
    result["coders"] = list(names)
    return result


def run_codebook_export(settings: Settings, file: str, *, lang: str = "en") -> dict[str, Any]:
    """Write the codebook as a REFI-QDA codebook (.qdc); return what was written."""
    write_qdc(file, load_codebook(settings.codebook), lang=lang)
    return {"action": "export", "file": file}


def run_codebook_import(file: str, out: str) -> dict[str, Any]:
    """Read a REFI-QDA codebook and write it as codebook YAML to ``out``; return counts."""
    codes = load_qdc(file)
    Path(out).write_text(render_codebook_yaml(codes), encoding="utf-8")
    return {"action": "import", "file": file, "codes": len(codes), "written": str(out)}
