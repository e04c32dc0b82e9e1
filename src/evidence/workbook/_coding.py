"""The coding commands' work: explain, review, suggest, evaluate, agreement, codebook exchange.

Each function reads the files and the store the workbook names, calls the pure functions of
the coding stage, writes what must be written, and returns a JSON-able summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evidence.coding import (
    CoderModel,
    Decision,
    Labels,
    Match,
    Matcher,
    Passage,
    Suggester,
    TrainingPassage,
    code_passages,
    compile_codebook,
    compute_agreement,
    compute_coder_sets,
    compute_evaluation,
    compute_final_labels,
    compute_learning_curve,
    compute_reliability,
    compute_review_queue,
    compute_training_set,
    cross_validate,
    explain_passage,
    file_digest,
    load_codebook,
    load_decisions,
    load_jsonl,
    load_qdc_book,
    record_decision,
    render_codebook_yaml,
    render_model,
    suggest_codes,
    train_model,
    train_suggester,
    write_qdc,
)
from evidence.config import Settings
from evidence.errors import ConfigError, DecisionsError
from evidence.files import write_atomic
from evidence.records import CodingRow
from evidence.store import open_store

from ._pipeline import coder_model

__all__ = [
    "run_agreement",
    "run_codebook_export",
    "run_codebook_import",
    "run_evaluate",
    "run_explain",
    "run_model_train",
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
    """Train on the reviewed passages, store suggestions (never counted), and return the
    review queue (expected corrections first) and the reliability of the probabilities."""
    suggester, texts, reviewed = _suggester(settings)
    pairs = sorted(texts.items())
    suggestions = suggest_codes(suggester, pairs, reviewed=reviewed, threshold=threshold)
    rows = [
        CodingRow(s.passage_id, s.code, "model", s.model_version, score=round(s.probability, 4))
        for s in suggestions
    ]
    with open_store(settings.store) as store:
        written = store.replace_codings("model", rows)
        frame = store.codings_frame()
    coded: dict[str, set[str]] = {}
    for pid, code in zip(frame["passage_id"], frame["code"], strict=True):
        coded.setdefault(pid, set()).add(code)
    queue = compute_review_queue(suggester, pairs, reviewed=reviewed, coded=coded, limit=limit)
    return {
        "model_version": suggester.model_version,
        "examples": suggester.n_examples,
        "codes": list(suggester.codes),
        "not_trained": suggester.skipped,
        "suggestions": written,
        "reliability": compute_reliability(suggester),
        "queue": [
            {"passage_id": q.passage_id, "expected_gain": round(q.uncertainty, 3), "code": q.code}
            for q in queue
        ],
    }


def run_evaluate(
    codebook: Path,
    file: str,
    *,
    boot: int = 1000,
    model: CoderModel | None = None,
    learning_curve: bool = False,
) -> tuple[dict[str, Any], int]:
    """Measure the coder on a hand-coded JSONL file; return the result and the number of
    lines that could not be read.

    With a ``model``, the result measures the rules with the model (what ``evidence code``
    uses), and ``parts`` gives the rules alone and the model alone; ``learning_curve`` adds
    the simulated reviews of :func:`~evidence.coding.compute_learning_curve`.
    """
    problems: list[str] = []
    records = load_jsonl(file, problems=problems)
    matcher = compile_codebook(load_codebook(codebook))
    result = compute_evaluation(records, matcher, model=model, n_boot=boot)
    if model is not None:
        result["parts"] = {
            part: _summary(compute_evaluation(records, matcher, model=model, part=part, n_boot=0))
            for part in ("rules", "model")
        }
    if learning_curve:
        valid = [r for r in records if isinstance(r.get("codes"), list) and r.get("text")]
        result["learning_curve"] = compute_learning_curve(
            _examples(valid, matcher), list(matcher.codebook.codes)
        )
    return result, len(problems)


def _summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The headline figures of an evaluation: micro, per facet, per language, the gap."""
    keys = ("part", "micro", "per_facet", "per_language", "language_gap")
    return {k: result[k] for k in keys}


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
    """Write the codebook as a REFI-QDA codebook (.qdc); return what was written.

    A ``.qdpx`` name is refused: a project is written by ``evidence qdpx export``.
    """
    if Path(file).suffix.lower() == ".qdpx":
        raise ConfigError(
            f"{file}: a .qdpx file is a whole REFI-QDA project; write the codebook to a .qdc "
            "file, or the project with `evidence qdpx export`"
        )
    codebook = load_codebook(settings.codebook)
    write_qdc(file, codebook, lang=lang)
    return {
        "action": "export",
        "file": file,
        "facets": len(codebook.facets),
        "codes": len(codebook.codes),
    }


def run_codebook_import(file: str, out: str) -> dict[str, Any]:
    """Read a REFI-QDA codebook and write it as codebook YAML to ``out``; return counts.

    The counts say what was imported: facets (top codes, and ``imported`` for the codes of a
    flat codebook), codes, code sets, and the tool that made the file.
    """
    book = load_qdc_book(file)
    text = render_codebook_yaml(book.codes, sets=book.sets, origin=book.origin)
    write_atomic(out, text)
    facets = [c for c in book.codes if "." not in c.id]
    return {
        "action": "import",
        "file": file,
        "origin": book.origin,
        "facets": len(facets),
        "codes": len(book.codes) - len(facets),
        "sets": len(book.sets),
        "written": str(out),
    }


def _examples(records: Sequence[Mapping[str, Any]], matcher: Matcher) -> list[TrainingPassage]:
    """Return hand-coded JSONL records as training passages coded by the rules."""
    rows = [(str(r["id"]), str(r["text"]), str(r.get("lang") or "other")) for r in records]
    hits: dict[str, set[str]] = {}
    for c in code_passages(rows, matcher):
        hits.setdefault(c.passage_id, set()).add(c.code)
    return [
        TrainingPassage(
            Passage(pid, text, lang, frozenset(hits.get(pid, ()))),
            Labels(frozenset(r["codes"]), complete=True),
            str(r.get("source_url") or pid),
        )
        for (pid, text, lang), r in zip(rows, records, strict=True)
    ]


def _reviewed(settings: Settings, matcher: Matcher) -> list[TrainingPassage]:
    """Return the workbook's reviewed passages: what the decisions that stand say of them."""
    labels = compute_final_labels(load_decisions(settings.decisions).decisions)
    with open_store(settings.store) as store:
        frame = store.passages_frame()
    frame = frame[frame["id"].isin(list(labels))]
    rows = list(zip(frame["id"], frame["text"], frame["lang"], strict=True))
    hits: dict[str, set[str]] = {}
    for c in code_passages(rows, matcher):
        hits.setdefault(c.passage_id, set()).add(c.code)
    return [
        TrainingPassage(Passage(pid, text, lang, frozenset(hits.get(pid, ()))), labels[pid], key)
        for (pid, text, lang), key in zip(rows, frame["source_key"], strict=True)
    ]


def run_model_train(
    settings: Settings,
    train_file: str,
    *,
    out: str | None = None,
    with_decisions: bool = False,
    folds: int = 5,
    seed: int = 0,
) -> dict[str, Any]:
    """Train the coder's model on a hand-coded JSONL file (and the workbook's reviewed
    passages), write it, and return its figures and what changed from the model in use."""
    codebook = load_codebook(settings.codebook)
    matcher = compile_codebook(codebook)
    records = [r for r in load_jsonl(train_file) if isinstance(r.get("codes"), list)]
    examples = _examples(records, matcher)
    reviewed = _reviewed(settings, matcher) if with_decisions else []
    codes = list(codebook.codes)
    cv = cross_validate([*examples, *reviewed], codes, folds=folds, seed=seed)
    about = {
        "codebook_version": codebook.version,
        "training_file": Path(train_file).name,
        "training_sha256": file_digest(Path(train_file).read_bytes()),
        "passages": len(examples),
        "reviewed_passages": len(reviewed),
        "cross_validation": cv,
    }
    model = train_model([*examples, *reviewed], codes, folds=folds, seed=seed, about=about)
    target = Path(out) if out else (settings.model or settings.path("data/coder-model.json"))
    before = coder_model(settings)
    write_atomic(target, render_model(model))
    return {
        "file": settings.relative(target),
        "model_version": model.version,
        **about,
        "keeps": sorted(c for c in codes if model.keep[c] > 0),
        "adds": sorted(c for c in codes if model.add[c] <= 1),
        "changed": _changes(before, model),
    }


def _changes(before: CoderModel | None, after: CoderModel) -> dict[str, Any]:
    """Return what the new model does differently: codes whose parts changed, and the
    cross-validated figures before and after."""
    if before is None:
        return {"previous": None}
    parts = {
        c: {
            "before": [before.keep.get(c, 0.0), before.add.get(c, 1.01)],
            "after": [after.keep[c], after.add[c]],
        }
        for c in after.codes
        if (before.keep.get(c, 0.0), before.add.get(c, 1.01)) != (after.keep[c], after.add[c])
    }
    figure = lambda m: m.about.get("cross_validation", {}).get("rules_and_model", {}).get("f1")  # noqa: E731
    return {
        "previous": before.version,
        "cross_validated_f1": {"before": figure(before), "after": figure(after)},
        "parts": parts,
    }
