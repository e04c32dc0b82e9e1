"""Annotations as passages and human codings, and their committed snapshot files.

An annotation becomes a passage of origin ``annotation`` (section ``annotation``) whose id
comes from its reference, page and Zotero key, so it keeps its identity when its text or
comment is edited. Its tags that name a code (the code id, or a tag mapped in codebook.yml)
and its colour (when evidence.toml maps it) become human codings ``zotero:<author>``.

The snapshot (``zotero-annotations.csv`` and ``zotero-codings.csv`` beside the decisions
file) holds the same rows, sorted, so the advisor rebuilds them without Zotero access.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evidence.lang import detect_language
from evidence.records import CodingRow, PassageRow, make_passage_id

from ._items import Annotation

__all__ = [
    "ANNOTATION_COLUMNS",
    "CODING_COLUMNS",
    "AnnotationSet",
    "build_annotations",
    "code_annotation",
    "read_snapshot",
    "render_snapshot",
]

ANNOTATION_COLUMNS = (
    "passage_id",
    "source_key",
    "document",
    "seq",
    "lang",
    "zotero_key",
    "parent",
    "kind",
    "page_index",
    "page_label",
    "sort_index",
    "colour",
    "author",
    "date_modified",
    "tags",
    "text",
    "comment",
    "position",
)
CODING_COLUMNS = ("passage_id", "code", "coder", "date", "via", "source_key", "zotero_key")


@dataclass
class AnnotationSet:
    """Annotation passages (with the path of their document), human codings, snapshot rows."""

    passages: list[tuple[PassageRow, str]]
    codings: list[CodingRow]
    rows: list[dict[str, str]]
    coding_rows: list[dict[str, str]]


def code_annotation(
    annotation: Annotation,
    *,
    codes: Iterable[str],
    tag_map: Mapping[str, str],
    colours: Mapping[str, str],
) -> dict[str, list[str]]:
    """Return code -> how it was given (``tag:...``, ``colour:...``) for one annotation."""
    known = set(codes)
    folded = {t.casefold(): c for t, c in tag_map.items()}
    found: dict[str, list[str]] = {}
    for tag in annotation.tags:
        code = tag if tag in known else tag_map.get(tag) or folded.get(tag.casefold())
        if code:
            found.setdefault(code, []).append(f"tag:{tag}")
    if annotation.colour in colours:
        found.setdefault(colours[annotation.colour], []).append(f"colour:{annotation.colour}")
    return found


def _passage(a: Annotation, pid: str, source_key: str, seq: int, lang: str) -> PassageRow:
    extra = {
        "zotero_key": a.key,
        "parent": a.parent,
        "kind": a.kind,
        "colour": a.colour,
        "sort_index": a.sort_index,
        "position": a.position,
        "tags": list(a.tags),
        "author": a.author,
        "date_modified": a.date_modified,
    }
    # Image and note annotations carry no highlighted text: their comment is the passage.
    text = a.text or a.comment or f"[{a.kind}]"
    return PassageRow(
        id=pid,
        source_key=source_key,
        seq=seq,
        page_index=a.page_index,
        page_label=a.page_label,
        section="annotation",
        lang=lang,
        text=text,
        origin="annotation",
        comment=a.comment if a.text else "",
        extra=json.dumps(extra, sort_keys=True, ensure_ascii=False),
    )


def _coding_rows(
    pid: str, source_key: str, a: Annotation, given: Mapping[str, list[str]]
) -> list[dict[str, str]]:
    coder = a.author or "zotero"
    return [
        {
            "passage_id": pid,
            "code": code,
            "coder": coder,
            "date": a.date_modified,
            "via": "; ".join(sorted(vias)),
            "source_key": source_key,
            "zotero_key": a.key,
        }
        for code, vias in sorted(given.items())
    ]


def _codings(rows: Iterable[Mapping[str, str]]) -> list[CodingRow]:
    return [
        CodingRow(
            passage_id=r["passage_id"],
            code=r["code"],
            origin="human",
            provenance=f"zotero:{r['coder']}",
            spans=json.dumps([{"date": r["date"], "via": r["via"]}], ensure_ascii=False),
        )
        for r in rows
    ]


def _row(p: PassageRow, a: Annotation, document: str) -> dict[str, str]:
    return {
        "passage_id": p.id,
        "source_key": p.source_key,
        "document": document,
        "seq": str(p.seq),
        "lang": p.lang,
        "zotero_key": a.key,
        "parent": a.parent,
        "kind": a.kind,
        "page_index": "" if a.page_index is None else str(a.page_index),
        "page_label": a.page_label,
        "sort_index": a.sort_index,
        "colour": a.colour,
        "author": a.author,
        "date_modified": a.date_modified,
        "tags": json.dumps(list(a.tags), ensure_ascii=False),
        "text": a.text,
        "comment": a.comment,
        "position": "" if a.position is None else json.dumps(a.position, sort_keys=True),
    }


def build_annotations(
    annotations: Iterable[Annotation],
    *,
    source_keys: Mapping[str, str],
    languages: Mapping[str, str],
    documents: Mapping[str, str],
    codes: Iterable[str],
    tag_map: Mapping[str, str],
    colours: Mapping[str, str],
) -> AnnotationSet:
    """Return annotations as passages and human codings, numbered in reading order.

    ``source_keys`` maps a reference's Zotero key to its citation key, ``languages`` a
    citation key to the reference's language, ``documents`` an attachment key to the path
    its file is registered under.
    """
    codes = set(codes)
    ordered = sorted(
        annotations, key=lambda a: (source_keys[a.reference], a.parent, a.sort_index, a.key)
    )
    out = AnnotationSet([], [], [], [])
    seq: dict[str, int] = {}
    for a in ordered:
        source = source_keys[a.reference]
        pid = make_passage_id(source, a.page_index, f"zotero annotation {a.key}")
        n = seq[source] = seq.get(source, -1) + 1
        lang = detect_language(a.text or a.comment, default="") or languages.get(source) or "other"
        passage = _passage(a, pid, source, n, lang)
        document = documents.get(a.parent, "")
        out.passages.append((passage, document))
        out.rows.append(_row(passage, a, document))
        given = code_annotation(a, codes=codes, tag_map=tag_map, colours=colours)
        out.coding_rows.extend(_coding_rows(pid, source, a, given))
    out.coding_rows.sort(key=lambda r: (r["passage_id"], r["code"], r["coder"]))
    out.codings = _codings(out.coding_rows)
    return out


def render_snapshot(rows: Sequence[Mapping[str, str]], columns: Sequence[str]) -> str:
    """Return rows as CSV text (UTF-8, ``\\n`` line ends): the same rows give the same bytes."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _read(path: Path, columns: Sequence[str]) -> tuple[list[dict[str, str]], list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or ())]
        if missing:
            return [], [
                f"{path.name}: columns {', '.join(missing)} are missing; regenerate it "
                "with `evidence sync` against Zotero"
            ]
        return [dict(r) for r in reader], []


def _annotation(row: Mapping[str, str]) -> Annotation:
    """Return the annotation a snapshot row holds; raise ValueError or TypeError if malformed."""
    return Annotation(
        key=row["zotero_key"],
        parent=row["parent"],
        reference="",
        kind=row["kind"],
        text=row["text"],
        comment=row["comment"],
        page_label=row["page_label"],
        page_index=int(row["page_index"]) if row["page_index"] else None,
        position=json.loads(row["position"]) if row["position"] else None,
        sort_index=row["sort_index"],
        colour=row["colour"],
        tags=tuple(json.loads(row["tags"] or "[]")),
        author=row["author"],
        date_modified=row["date_modified"],
    )


def _snapshot_passages(
    path: Path, sources: set[str]
) -> tuple[list[tuple[PassageRow, str]], list[tuple[str, str]]]:
    """Return the annotation passages of the snapshot (with their document), rows skipped."""
    rows, errors = _read(path, ANNOTATION_COLUMNS) if path.is_file() else ([], [])
    problems = [(path.name, e) for e in errors]
    passages = []
    for line, r in enumerate(rows, start=2):
        if r["source_key"] not in sources:
            problems.append(
                (f"{path.name}:{line}", f"reference '{r['source_key']}' is not in the bibliography")
            )
            continue
        try:
            a = _annotation(r)
            passage = _passage(a, r["passage_id"], r["source_key"], int(r["seq"]), r["lang"])
        except (ValueError, TypeError) as exc:
            problems.append((f"{path.name}:{line}", f"malformed row ({exc})"))
            continue
        passages.append((passage, r["document"]))
    return passages, problems


def read_snapshot(
    annotations: Path, codings: Path, known_sources: Iterable[str]
) -> tuple[AnnotationSet, list[tuple[str, str]]]:
    """Read the committed snapshot; return its annotations and codings, and rows skipped.

    Rows of references that are not loaded, and malformed rows, are skipped with their line.
    """
    passages, problems = _snapshot_passages(annotations, set(known_sources))
    kept = {passage.id for passage, _ in passages}
    crows, errors = _read(codings, CODING_COLUMNS) if codings.is_file() else ([], [])
    problems += [(codings.name, e) for e in errors]
    coding_rows = [r for r in crows if r["passage_id"] in kept]
    return AnnotationSet(passages, _codings(coding_rows), [], coding_rows), problems
