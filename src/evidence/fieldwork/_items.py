"""Field material: interview notes, testimonies, focus groups and meetings as sources.

A note's metadata (organisation, sector, kind, date, language, consent) comes from its YAML
front matter or from ``metadata.csv`` in the fieldwork folder. A note without recorded
consent is refused. The accepted note is split into speaker turns (``Q:``, ``Interviewer:``,
``P01:``) or paragraphs, and pseudonymised before anything leaves this module: the source
record and the passages it returns hold pseudonyms only. Everything here is pure; the
command layer reads the files and writes the store and the key.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from evidence.lang import detect_language
from evidence.records import PassageRow, make_passage_id

from ._metadata import Metadata
from ._pseudonymise import NameMatcher, PseudonymKey, pseudonymise_text
from ._turns import is_known_speaker, split_turns

__all__ = ["FIELD_VERSION", "FieldItem", "compute_field_item"]

FIELD_VERSION = "field-1"


@dataclass(frozen=True)
class FieldItem:
    """One imported note, pseudonymised: its source record, passages and what was replaced.

    ``replaced`` holds (category, pseudonym, passage label) for the review report;
    ``fingerprint`` changes whenever anything stored for the item would change.
    """

    key: str
    path: str
    record: dict[str, Any]
    passages: tuple[PassageRow, ...]
    replaced: tuple[tuple[str, str, str], ...]
    warnings: tuple[str, ...]
    fingerprint: str


def _slug(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


def compute_field_item(
    path: str,
    body: str,
    meta: Metadata,
    matcher: NameMatcher,
    key: PseudonymKey,
    *,
    taken: frozenset[str] = frozenset(),
) -> tuple[FieldItem, PseudonymKey]:
    """Return the pseudonymised item of one accepted note and the key after it.

    ``path`` is the note's path relative to the workbook; it is pseudonymised too, as file
    names often hold a person's or an organisation's name. ``taken`` lists source keys
    already given to other notes, so two notes never share one.
    """
    replaced: list[tuple[str, str, str]] = []

    def clean(text: str, where: str) -> str:
        nonlocal key
        done = pseudonymise_text(text, matcher, key)
        key = done.key
        replaced.extend((r.category, r.pseudonym, where) for r in done.replacements)
        return done.text

    safe_path = clean(path, "file")
    stem = safe_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    source_key = "field-" + (_slug(stem) or "note")
    n = 2
    while source_key in taken:
        source_key = f"field-{_slug(stem)}-{n}"
        n += 1
    organisation = clean(meta.organisation, "metadata") if meta.organisation else ""
    sector = clean(meta.sector, "metadata") if meta.sector else ""
    title = clean(meta.title, "metadata") if meta.title else ""
    rows: list[PassageRow] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for turn in split_turns(body):
        label = f"§{turn.number}"
        text = clean(turn.text, label)
        speaker = clean(turn.speaker, label) if turn.speaker else ""
        if speaker and not is_known_speaker(speaker):
            warnings.append(
                f"{label}: the speaker label is neither a role nor a pseudonym; "
                "if it is a name, add it to the names list"
            )
        lang = detect_language(text, default=meta.language or "other")
        if lang not in ("fr", "nl", "en") and meta.language:
            lang = meta.language
        pid = make_passage_id(source_key, turn.number, text, 0)
        occurrence = seen.get(pid, 0)
        seen[pid] = occurrence + 1
        if occurrence:
            pid = make_passage_id(source_key, turn.number, text, occurrence)
        extra = {"speaker": speaker, "role": turn.role} if turn.speaker else {}
        rows.append(
            PassageRow(
                id=pid,
                source_key=source_key,
                seq=turn.number,
                page_index=turn.number,
                page_label=label,
                section=turn.section,
                lang=lang,
                text=text,
                origin="field",
                extra=json.dumps(extra, ensure_ascii=False, sort_keys=True),
            )
        )
    langs = [r.lang for r in rows if r.section == "body"]
    lang = meta.language or (max(set(langs), key=langs.count) if langs else "")
    record = {
        "key": source_key,
        "kind": "field",
        "item_type": meta.kind,
        "title": title,
        "authors": [organisation] if organisation else [],
        "year": meta.year,
        "container": sector,
        "lang": lang,
        # Every field of the record is in ``data``: the store rewrites a source when it changes.
        "data": {
            "title": title,
            "lang": lang,
            "organisation": organisation,
            "sector": sector,
            "kind": meta.kind,
            "date": meta.date,
            "consent": True,
            "file": safe_path,
            "version": FIELD_VERSION,
        },
    }
    material = json.dumps(
        [record, [(r.id, r.section, r.lang, r.extra) for r in rows]],
        sort_keys=True,
        ensure_ascii=False,
    )
    item = FieldItem(
        key=source_key,
        path=safe_path,
        record=record,
        passages=tuple(rows),
        replaced=tuple(replaced),
        warnings=tuple(warnings),
        fingerprint=hashlib.sha256(material.encode("utf-8")).hexdigest(),
    )
    return item, key
