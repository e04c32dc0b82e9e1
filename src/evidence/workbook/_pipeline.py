"""The command layer's work: wire the pure stages to the files and the store.

Each ``run_*`` function takes the settings and an open store, does one stage
incrementally, and returns a JSON-able summary with the items that failed. Nothing
here stops on a bad item: it is recorded with its reason and the rest goes on.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from evidence.coding import (
    SHIPPED_MODEL,
    Codebook,
    CoderModel,
    Coding,
    apply_model,
    check_codes,
    code_passages,
    compile_codebook,
    compute_final_decisions,
    load_codebook,
    load_decisions,
    load_model,
)
from evidence.config import Settings
from evidence.library import Source, hash_file, load_references
from evidence.pdf import EXTRACTOR_VERSION, Extraction, extract_many, ocr_languages
from evidence.records import CodingRow, PassageRow, make_passage_id
from evidence.store import Store

from ._countries import with_countries
from ._zotero import load_annotation_snapshot, sync_zotero

__all__ = [
    "codebook_cache",
    "coder_model",
    "passage_rows",
    "run_code",
    "run_extract",
    "run_sync",
    "register_sources",
]

_T = TypeVar("_T")


def _progress(items: Iterable[_T], *, total: int | None, desc: str, show: bool) -> Iterator[_T]:
    """Wrap ``items`` in a progress bar on stderr when asked and stderr is a terminal."""
    if not show or not sys.stderr.isatty():
        return iter(items)
    return iter(tqdm(items, total=total, desc=desc, unit="doc", leave=False, file=sys.stderr))


def _resolve(settings: Settings, file: str, base: Path) -> Path | None:
    """Find an attachment: as given, relative to the root or the .bib, then by name in pdf_dirs."""
    given = Path(os.path.expanduser(file))
    candidates = [given] if given.is_absolute() else [settings.root / given, base / given]
    candidates += [d / given.name for d in settings.pdf_dirs]
    return next((c for c in candidates if c.is_file()), None)


def register_sources(
    settings: Settings, store: Store, sources: Iterable[Source], origin: str, base: Path
) -> dict[str, Any]:
    """Write ``sources`` and their files (hashed by content) to the store; return counts.

    A file that is not on disk is registered as ``missing`` and reported, not fatal.
    Files whose size and modification time did not change are not hashed again.
    """
    sources = list(sources)
    counts = store.replace_sources(
        origin, with_countries(settings, [s.as_record() for s in sources])
    )
    known = store.file_hashes()
    missing: list[tuple[str, str, str]] = []
    files = 0
    for source in sources:
        records: list[dict[str, Any]] = []
        for file in source.files:
            found = _resolve(settings, file, base)
            if found is None:
                records.append(
                    {
                        "path": file,
                        "status": "missing",
                        "reason": f"file not found: {file}; put the PDF there or fix "
                        f"the file field of '{source.key}'",
                    }
                )
                missing.append((f"{source.key}: {file}", "missing", "file not found"))
                continue
            rel = settings.relative(found)
            stat = found.stat()
            size, mtime, sha = known.get(rel, (-1, -1.0, ""))
            if size != stat.st_size or mtime != stat.st_mtime or not sha:
                sha = hash_file(found)
            records.append(
                {"path": rel, "sha256": sha, "size": stat.st_size, "mtime": stat.st_mtime}
            )
            files += 1
        store.replace_documents(source.key, records)
    return {**counts, "sources": len(sources), "files": files, "missing": len(missing)}


def run_sync(settings: Settings, store: Store, *, full: bool = False) -> dict[str, Any]:
    """Bring references and their documents into the store; return the summary.

    With a ``[zotero]`` library configured, Zotero is synced (references, PDFs, annotations;
    ``full`` reads the whole library again instead of what changed); when it cannot be used
    and the store holds nothing synced from it, the committed snapshot is read instead.
    Otherwise the bibliography file is read by its extension (.bib, .ris, .json for
    CSL-JSON), with the committed annotation snapshot when there is one.
    """
    if settings.zotero.configured:
        summary = sync_zotero(settings, store, full=full)
        if "fallback" not in summary:
            return summary
        offline = _sync_file(settings, store)
        return {
            **offline,
            "route": "snapshot",
            "zotero": summary["fallback"],
            "skipped": summary["skipped"] + offline["skipped"],
        }
    return _sync_file(settings, store)


def _sync_file(settings: Settings, store: Store) -> dict[str, Any]:
    route, report = load_references(settings.bibliography)
    counts = register_sources(settings, store, report.sources, route, settings.bibliography.parent)
    failures = [(item, "malformed_entry", reason) for item, reason in report.skipped]
    annotations = load_annotation_snapshot(settings, store)
    failures += [(s["item"], "malformed_annotation", s["reason"]) for s in annotations["skipped"]]
    store.replace_failures("sync", failures)
    return {
        "stage": "sync",
        "route": route,
        "file": settings.relative(settings.bibliography),
        **counts,
        "annotations": annotations["annotations"],
        "human_codings": annotations["human_codings"],
        "skipped": [{"item": i, "reason": r} for i, _, r in failures],
    }


def _size(settings: Settings, path: str) -> int:
    try:
        return settings.path(path).stat().st_size
    except OSError:
        return 0


def passage_rows(source_key: str, extraction: Extraction) -> list[PassageRow]:
    """Turn an extraction into store rows with stable ids (repeats on a page get a count)."""
    seen: Counter[tuple[int, str]] = Counter()
    rows = []
    for p in extraction.passages:
        pid = make_passage_id(source_key, p.page_index, p.text, 0)
        occurrence = seen[(p.page_index, pid)]
        seen[(p.page_index, pid)] += 1
        if occurrence:
            pid = make_passage_id(source_key, p.page_index, p.text, occurrence)
        rows.append(
            PassageRow(
                id=pid,
                source_key=source_key,
                seq=p.seq,
                page_index=p.page_index,
                page_label=p.page_label,
                section=p.section,
                lang=p.lang,
                text=p.text,
            )
        )
    return rows


def run_extract(
    settings: Settings,
    store: Store,
    *,
    jobs: int | None = None,
    ocr: bool | None = None,
    executor: Executor | None = None,
    progress: bool = True,
    on_saved: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Extract passages from every new or changed document; return the summary.

    Each document's passages are written in one transaction as soon as it is done, so an
    interrupted run loses at most the documents in flight and the next run completes it.
    """
    use_ocr = settings.ocr if ocr is None else ocr
    # With OCR (when Tesseract is there), documents already stored whose pages need it are
    # read again; without Tesseract they would only fail the same way again.
    todo = store.documents_to_extract(EXTRACTOR_VERSION, ocr=use_ocr and bool(ocr_languages()))
    # Largest files first: a long book started last would leave the other workers idle.
    by_path = {
        str(settings.path(d.path)): d for d in sorted(todo, key=lambda d: -_size(settings, d.path))
    }
    n_jobs = jobs if jobs is not None else (settings.jobs or None)
    results = extract_many(
        list(by_path),
        executor=executor,
        jobs=n_jobs,
        ocr=use_ocr,
        timeout=settings.timeout,
    )
    statuses: Counter[str] = Counter()
    passages = 0
    for path, extraction in _progress(results, total=len(todo), desc="extract", show=progress):
        doc = by_path[path]
        rows = passage_rows(doc.source_key, extraction)
        passages += store.save_extraction(
            doc.id,
            sha256=doc.sha256,
            extractor_version=EXTRACTOR_VERSION,
            status=extraction.status,
            reason=extraction.reason,
            pages=extraction.pages,
            lang=extraction.lang,
            warnings=extraction.warnings,
            passages=rows,
        )
        statuses[extraction.status] += 1
        if on_saved is not None:
            on_saved(path)
    return {
        "stage": "extract",
        "extractor_version": EXTRACTOR_VERSION,
        "documents": len(todo),
        "unchanged": len(store.documents()) - len(todo),
        "passages": passages,
        "status": dict(sorted(statuses.items())),
        "needs_ocr": store.pages_needing_ocr(),
    }


def _decision_rows(
    settings: Settings, codes: Collection[str]
) -> tuple[list[CodingRow], list[dict[str, str]]]:
    """Human codings from the decisions file: the decision that stands per passage and code,
    and the file's problems by line (a decision on a code not in the codebook is left out)."""
    if not settings.decisions.is_file():
        return [], []
    loaded = load_decisions(settings.decisions)
    unknown = check_codes(loaded, codes)
    wrong = {line for line, _ in unknown}
    kept = [d for d in loaded.decisions if d.line not in wrong]
    rows = [
        CodingRow(
            passage_id=p,
            code=c,
            origin="human",
            provenance=f"review:{d.coder}",
            negated=d.decision == "reject",
            spans=json.dumps([{"date": d.date, "note": d.note}], ensure_ascii=False),
        )
        for (p, c), d in compute_final_decisions(kept).items()
    ]
    skipped = [
        {"item": f"{settings.relative(settings.decisions)}:{line}", "reason": reason}
        for line, reason in sorted([*loaded.skipped, *unknown])
    ]
    return rows, skipped


def codebook_cache(settings: Settings) -> Path:
    """Return the folder where the parsed codebook is kept between runs (git-ignored)."""
    return settings.root / ".evidence" / "cache"


def coder_model(settings: Settings, codebook: Codebook | None = None) -> CoderModel | None:
    """Return the learned layer the workbook codes with: its own model file when there is
    one, else the model shipped with the package; None when ``model = "none"``, or when the
    model knows codes the workbook's codebook lacks (it was trained for another codebook)."""
    if settings.model is None:
        return None
    path = settings.model if settings.model.is_file() else SHIPPED_MODEL
    if not path.is_file():
        return None
    model = load_model(path)
    if codebook is not None and not set(model.codes) <= set(codebook.codes):
        return None
    return model


def _model_note(model: CoderModel | None, codebook: Codebook) -> str:
    """Say when the model was trained on top of other rules than the codebook's."""
    if model is None:
        return "coded with the rules alone"
    trained = model.about.get("codebook_version", "")
    if trained and trained != codebook.version:
        return (
            f"model {model.version} was trained on codebook {trained}, this one is "
            f"{codebook.version}: retrain it (evidence model train) when you can"
        )
    return ""


def _rule_rows(codings: Iterable[Coding]) -> list[CodingRow]:
    return [
        CodingRow(
            passage_id=c.passage_id,
            code=c.code,
            origin="rule",
            provenance=c.provenance,
            spans=json.dumps([[m.start, m.end, m.pattern] for m in c.spans], ensure_ascii=False),
        )
        for c in codings
    ]


def run_code(settings: Settings, store: Store, *, progress: bool = True) -> dict[str, Any]:
    """Apply codebook.yml (refined by the coder's model) to passages not yet coded with them,
    then the human decisions."""
    codebook = load_codebook(settings.codebook, cache=codebook_cache(settings))
    model = coder_model(settings, codebook)
    version = codebook.version + (f"+{model.version}" if model is not None else "")
    documents = 0
    codings = 0
    todo = list(store.passages_to_code(version, settings.coded_sections))
    # Compiling the patterns costs about a second: only when there is something to code.
    matcher = compile_codebook(codebook) if todo else None
    for doc_id, rows in _progress(todo, total=len(todo), desc="code", show=progress):
        coded = code_passages(rows, matcher) if matcher is not None else []
        if model is not None:
            coded = apply_model(model, coded, rows)
        store.save_rule_codings(doc_id, version, _rule_rows(coded))
        documents += 1
        codings += len(coded)
    human, skipped = _decision_rows(settings, codebook.codes)
    applied = store.replace_codings("human", human, prefix="review:")
    store.replace_failures(
        "code", [(s["item"], "malformed_decision", s["reason"]) for s in skipped]
    )
    return {
        "stage": "code",
        "codebook_version": codebook.version,
        "model_version": model.version if model is not None else "",
        "model_note": _model_note(model, codebook),
        "documents": documents,
        "rule_codings": codings,
        "human_decisions": len(human),
        "human_decisions_applied": applied,
        "human_decisions_orphaned": len(human) - applied,
        "skipped": skipped,
    }
