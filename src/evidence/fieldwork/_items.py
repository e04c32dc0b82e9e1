"""An accepted field note as a source: its record and passages, pseudonymised.

The note is split into speaker turns (``Q:``, ``Interviewer:``, ``P01:``) or paragraphs, and
pseudonymised before anything leaves this module: the source record and the passages hold
pseudonyms only. Its metadata was checked before (consent first, see ``_metadata``).
Everything here is pure; the command layer reads the files and writes the store and the key.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from evidence.lang import detect_language
from evidence.places import read_country
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


@dataclass
class _Pseudonymiser:
    """Pseudonymises text after text with one key, recording what it replaced and where."""

    matcher: NameMatcher
    key: PseudonymKey
    replaced: list[tuple[str, str, str]] = field(default_factory=list)

    def clean(self, text: str, where: str) -> str:
        """Return ``text`` pseudonymised; the key grows with the new values it met."""
        done = pseudonymise_text(text, self.matcher, self.key)
        self.key = done.key
        self.replaced.extend((r.category, r.pseudonym, where) for r in done.replacements)
        return done.text


def _source_key(safe_path: str, taken: frozenset[str]) -> str:
    """Return ``field-<file name>``, numbered when another note already has it."""
    stem = safe_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    source_key = "field-" + (_slug(stem) or "note")
    n = 2
    while source_key in taken:
        source_key = f"field-{_slug(stem)}-{n}"
        n += 1
    return source_key


def _passages(
    body: str, source_key: str, meta: Metadata, names: _Pseudonymiser
) -> tuple[list[PassageRow], list[str]]:
    """Return the pseudonymised passages of a note body, and warnings about speaker labels."""
    rows: list[PassageRow] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for turn in split_turns(body):
        label = f"§{turn.number}"
        text = names.clean(turn.text, label)
        speaker = names.clean(turn.speaker, label) if turn.speaker else ""
        if speaker and not is_known_speaker(speaker):
            warnings.append(
                f"{label}: the speaker label is neither a role nor a pseudonym; "
                "if it is a name, add it to the names list"
            )
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
                lang=_language(text, meta),
                text=text,
                origin="field",
                extra=json.dumps(extra, ensure_ascii=False, sort_keys=True),
            )
        )
    return rows, warnings


def _language(text: str, meta: Metadata) -> str:
    """Return a passage's language: detected, else the note's, else ``other``."""
    lang = detect_language(text, default=meta.language or "other")
    if lang not in ("fr", "nl", "en") and meta.language:
        lang = meta.language
    return lang


def _record(
    source_key: str, meta: Metadata, described: dict[str, str], lang: str
) -> dict[str, Any]:
    """Return the source record of a note; ``described`` holds its pseudonymised metadata."""
    title, organisation, sector = described["title"], described["organisation"], described["sector"]
    return {
        "key": source_key,
        "kind": "field",
        "item_type": meta.kind,
        "title": title,
        "authors": [organisation] if organisation else [],
        "year": meta.year,
        "container": sector,
        "lang": lang,
        "country": read_country(meta.country),
        # Every field of the record is in ``data``: the store rewrites a source when it changes.
        "data": {
            "title": title,
            "lang": lang,
            "organisation": organisation,
            "sector": sector,
            "kind": meta.kind,
            "date": meta.date,
            "consent": True,
            "country": read_country(meta.country),
            "file": described["file"],
            "version": FIELD_VERSION,
        },
    }


def _fingerprint(record: dict[str, Any], rows: list[PassageRow]) -> str:
    """Return a hash of everything stored for a note: it changes whenever any of it does."""
    material = json.dumps(
        [record, [(r.id, r.section, r.lang, r.extra) for r in rows]],
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


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
    names = _Pseudonymiser(matcher, key)
    # The order values are met in gives their pseudonyms: file, metadata, then the turns.
    described = {"file": names.clean(path, "file")}
    for name in ("organisation", "sector", "title"):
        value = getattr(meta, name)
        described[name] = names.clean(value, "metadata") if value else ""
    source_key = _source_key(described["file"], taken)
    rows, warnings = _passages(body, source_key, meta, names)
    langs = [r.lang for r in rows if r.section == "body"]
    lang = meta.language or (max(set(langs), key=langs.count) if langs else "")
    record = _record(source_key, meta, described, lang)
    item = FieldItem(
        key=source_key,
        path=described["file"],
        record=record,
        passages=tuple(rows),
        replaced=tuple(names.replaced),
        warnings=tuple(warnings),
        fingerprint=_fingerprint(record, rows),
    )
    return item, names.key
