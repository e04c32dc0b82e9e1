"""The command layer's work for field material: read the notes, pseudonymise, store.

``run_fieldwork`` reads the fieldwork folder, the coordinator's names list and the
re-identification key, refuses notes without consent, writes the key (before anything is
stored) and the pseudonymised notes to the store, and returns a summary whose ``review``
lists what was replaced where, without the real names. ``run_briefs`` writes the theme
briefs and the recommendations table to reports/.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from evidence.config import Settings
from evidence.errors import ConfigError
from evidence.fieldwork import (
    FIELD_VERSION,
    SUPPORTED,
    FieldItem,
    Metadata,
    NameEntry,
    NameMatcher,
    NoteFormatError,
    PseudonymKey,
    Refusal,
    check_metadata,
    compile_names,
    compute_field_item,
    find_identifiers,
    find_name_candidates,
    find_pseudonym_tokens,
    fold_name,
    format_key,
    format_name_candidates,
    parse_key,
    parse_metadata_table,
    parse_names,
    pseudonymise_text,
    read_note,
    split_front_matter,
)
from evidence.files import NotTextError, decode_text, write_atomic
from evidence.store import Store

from ._countries import with_countries

__all__ = ["run_fieldwork"]

_CONVERT = {".doc", ".docm", ".rtf", ".pdf", ".pages", ".wpd", ".odm", ".ott", ".dotx"}
_TABLE = "metadata.csv"
_CANDIDATES = "name-candidates.csv"
# One note as read: its body, its metadata (or why it is refused), its warnings, and the
# (part, text) only checked for names; a _Note has its path in front.
_Read = tuple[str, Metadata | Refusal, list[str], list[tuple[str, str]]]


def _note_files(settings: Settings) -> list[Path]:
    fw = settings.fieldwork
    private = {fw.names.resolve(), fw.key.resolve()}
    return sorted(
        p
        for p in fw.folder.rglob("*")
        if p.is_file()
        and p.resolve() not in private
        and p.name != _TABLE
        and not p.name.startswith((".", "~$", "_"))
        and not p.stem.upper().startswith("README")
        and p.suffix.casefold() in (*SUPPORTED, *_CONVERT)
    )


def _tables(
    settings: Settings,
) -> tuple[dict[Path, dict[str, str]], list[tuple[str, str, str]], list[dict[str, str]]]:
    """The rows of every metadata.csv by note path, the rows or tables refused, and warnings.

    A table that is not UTF-8 is read as Windows-1252 (what Excel writes), and says so; a row
    that cannot be read is refused with its line, and the other rows count.
    """
    rows: dict[Path, dict[str, str]] = {}
    failures: list[tuple[str, str, str]] = []
    warnings: list[dict[str, str]] = []
    for table in sorted(settings.fieldwork.folder.rglob(_TABLE)):
        where = settings.relative(table)
        try:
            decoded = decode_text(table.read_bytes(), fallback="cp1252")
        except (OSError, NotTextError) as exc:
            failures.append((where, "bad_metadata_table", f"{exc}; its notes have no metadata"))
            continue
        if decoded.fallback:
            warnings.append(
                {
                    "item": where,
                    "warning": f"not UTF-8: read as {decoded.encoding.capitalize()}; check its "
                    "accents, and save it as CSV UTF-8 to silence this",
                }
            )
        problems: list[tuple[int, str]] = []
        for file, row in parse_metadata_table(decoded.text, problems).items():
            rows[(table.parent / file).resolve()] = row
        failures += [(f"{where}:{line}", "bad_metadata_row", what) for line, what in problems]
    return rows, failures, warnings


def _read(path: Path, tables: dict[Path, dict[str, str]]) -> _Read:
    """Read one note: its body and metadata (or why it is refused), warnings, and the text of
    the parts only checked for names (headers, footers, comments; document properties)."""
    if path.suffix.casefold() in _CONVERT:
        return (
            "",
            Refusal(
                "unsupported_format",
                f"{path.suffix} is not read; save the note as .docx, .odt, .md or .txt",
            ),
            [],
            [],
        )
    try:
        note = read_note(path.name, path.read_bytes())
    except (NoteFormatError, OSError) as exc:
        return "", Refusal("unreadable", str(exc)), [], []
    checked = [("headers, footers and comments", t) for t in note.hidden if t.strip()]
    checked += [("document properties", t) for t in note.properties if t.strip()]
    front, body, error = split_front_matter(note.text)
    if error:
        return "", Refusal("bad_metadata", f"{error}; fix the block between the --- lines"), [], []
    meta, refusal, warnings = check_metadata(front, tables.get(path.resolve(), {}))
    if note.encoding and not note.encoding.startswith("utf-"):
        warnings.append(f"not UTF-8: read as {note.encoding.capitalize()}; check its accents")
    return body, (refusal or meta or Refusal("bad_metadata", "no metadata")), warnings, checked


def _names(settings: Settings) -> tuple[NameEntry, ...] | None:
    path = settings.fieldwork.names
    if not path.is_file():
        return None
    try:
        text = decode_text(path.read_bytes()).text
    except NotTextError as exc:
        # A names list read wrongly would let names through: refused, never guessed.
        raise ConfigError(f"{settings.relative(path)}: {exc}; nothing was imported") from exc
    return parse_names(text, settings.relative(path))


_Note = tuple[Path, str, Metadata | Refusal, list[str], list[tuple[str, str]]]


def _new_summary(settings: Settings) -> dict[str, Any]:
    """The summary of an import before any note is read."""
    return {
        "stage": "fieldwork",
        "folder": settings.relative(settings.fieldwork.folder),
        "notes": 0,
        "imported": 0,
        "changed": 0,
        "unchanged": 0,
        "passages": 0,
        "removed": 0,
        "refused": [],
        "replacements": {},
        "review": [],
        "warnings": [],
    }


def _refuse_without_names(settings: Settings, store: Store, summary: dict[str, Any]) -> None:
    """Record that the names list is missing and say how to create it."""
    detail = (
        f"create {settings.relative(settings.fieldwork.names)} (one name per line, "
        "'name;organisation' for organisations; an empty file if the notes name nobody)"
    )
    store.replace_failures("fieldwork", [("names list", "no_names_list", detail)])
    summary["refused"] = [{"item": "names list", "reason": "no_names_list", "detail": detail}]


def _matcher(entries: tuple[NameEntry, ...], read: list[_Note]) -> NameMatcher:
    """Match the listed names, and the notes' organisations the list does not name."""
    listed = {fold_name(n) for e in entries for n in e.names}
    organisations = sorted(
        {
            m.organisation
            for _, _, m, *_ in read
            if isinstance(m, Metadata)
            and m.organisation
            and fold_name(m.organisation) not in listed
        }
    )
    return compile_names([*entries, *(NameEntry((o,), "organisation") for o in organisations)])


def _load_key(settings: Settings, read: list[_Note]) -> PseudonymKey:
    """The re-identification key, with the pseudonym-like tokens of the notes reserved."""
    fw = settings.fieldwork
    key = (
        parse_key(fw.key.read_text(encoding="utf-8"), settings.relative(fw.key))
        if fw.key.is_file()
        else PseudonymKey()
    )
    return key.with_reserved(set().union(*(find_pseudonym_tokens(b) for _, b, *_ in read)))


def _compute_items(
    settings: Settings, read: list[_Note], matcher: NameMatcher, key: PseudonymKey
) -> tuple[list[FieldItem], list[tuple[str, str, str]], list[dict[str, str]], PseudonymKey]:
    """Pseudonymise the notes; return the items, the refusals, the warnings and the key."""
    items: list[FieldItem] = []
    failures: list[tuple[str, str, str]] = []
    warned: list[dict[str, str]] = []

    def clean(text: str) -> str:
        # Messages can quote metadata values or file paths: they are pseudonymised too.
        nonlocal key
        done = pseudonymise_text(text, matcher, key)
        key = done.key
        return done.text

    for path, body, meta, warnings, _ in read:
        item_name = clean(settings.relative(path))
        if isinstance(meta, Refusal):
            failures.append((item_name, meta.reason, clean(meta.detail)))
            continue
        item, key = compute_field_item(
            settings.relative(path), body, meta, matcher, key, taken=frozenset(i.key for i in items)
        )
        items.append(item)
        warned += [{"item": item.key, "warning": clean(w)} for w in (*warnings, *item.warnings)]
    return items, failures, warned, key


def _save_items(
    settings: Settings, store: Store, items: list[FieldItem], summary: dict[str, Any]
) -> None:
    """Replace the field sources in the store and save each item, counting what changed."""
    records = with_countries(settings, [i.record for i in items])
    summary["removed"] = store.replace_sources("field", records)["removed"]
    for item in items:
        changed = store.save_field_item(
            item.key,
            item.path,
            fingerprint=item.fingerprint,
            version=FIELD_VERSION,
            lang=str(item.record["lang"]),
            passages=item.passages,
        )
        summary["changed" if changed else "unchanged"] += 1


def run_fieldwork(settings: Settings, store: Store) -> dict[str, Any]:
    """Import the field notes: refuse those without consent, pseudonymise, store; return summary.

    The names list must exist when there are notes (empty if they name nobody): without it
    nothing is imported and the store is left as it was.
    """
    fw = settings.fieldwork
    summary = _new_summary(settings)
    files = _note_files(settings) if fw.folder.is_dir() else []
    summary["notes"] = len(files)
    if not files:
        summary["removed"] = store.replace_sources("field", [])["removed"]
        store.replace_failures("fieldwork", [])
        return summary
    entries = _names(settings)
    if entries is None:
        _refuse_without_names(settings, store, summary)
        return summary
    tables, table_failures, table_warnings = _tables(settings)
    read = [(path, *_read(path, tables)) for path in files]
    matcher = _matcher(entries, read)
    key = _load_key(settings, read)
    items, failures, warnings, key = _compute_items(settings, read, matcher, key)
    failures = table_failures + failures
    summary["warnings"] += table_warnings + warnings + _checked_warnings(items, read, matcher)
    write_atomic(fw.key, format_key(key), private=True, if_changed=True)
    summary["name_candidates"] = _write_candidates(settings, items, read, matcher)
    _save_items(settings, store, items, summary)
    store.replace_failures("fieldwork", failures)
    summary.update(_review(items))
    summary["imported"] = len(items)
    summary["passages"] = sum(len(i.passages) for i in items)
    summary["refused"] = [{"item": i, "reason": r, "detail": d} for i, r, d in failures]
    return summary


def _checked_parts(items: list[FieldItem], read: list[_Note]) -> list[tuple[str, str, str]]:
    """(item key, part, text) of the imported notes' parts only checked for names."""
    # Items are made in the order of the accepted notes.
    accepted = [checked for _, _, meta, _, checked in read if isinstance(meta, Metadata)]
    return [
        (item.key, part, text)
        for item, checked in zip(items, accepted, strict=True)
        for part, text in checked
    ]


def _checked_warnings(
    items: list[FieldItem], read: list[_Note], matcher: NameMatcher
) -> list[dict[str, str]]:
    """Say which notes carry a listed name in a part that is not imported (the file keeps it)."""
    warned: dict[tuple[str, str], None] = {}
    for key, part, text in _checked_parts(items, read):
        if any(f.category in ("person", "organisation") for f in find_identifiers(text, matcher)):
            warned[(key, part)] = None
    return [
        {
            "item": key,
            "warning": f"its {part} name a listed person or organisation: they are not "
            "imported, but the file itself still carries them (clear them before sharing it)",
        }
        for key, part in warned
    ]


def _write_candidates(
    settings: Settings, items: list[FieldItem], read: list[_Note], matcher: NameMatcher
) -> dict[str, Any]:
    """Write the words that look like names nobody listed beside the key; return how many
    and where (the words themselves stay in that private file)."""
    texts = [(f"{i.key} {p.page_label}", p.text) for i in items for p in i.passages]
    texts += [(f"{i.key} file name", i.path) for i in items]
    texts += [(f"{key} {part}", text) for key, part, text in _checked_parts(items, read)]
    candidates = find_name_candidates(texts, matcher)
    path = settings.fieldwork.key.parent / _CANDIDATES
    write_atomic(path, format_name_candidates(candidates), private=True, if_changed=True)
    return {"count": len(candidates), "file": settings.relative(path)}


def _review(items: list[FieldItem]) -> dict[str, Any]:
    """What was replaced: counts by category, and per pseudonym where (item and §)."""
    by_category: Counter[str] = Counter()
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in items:
        for category, pseudonym, label in item.replaced:
            by_category[category] += 1
            where[(category, pseudonym)].append(f"{item.key} {label}")
    review = [
        {"category": c, "pseudonym": p, "count": len(w), "where": list(dict.fromkeys(w))}
        for (c, p), w in sorted(where.items(), key=lambda kv: (kv[0][0], len(kv[0][1]), kv[0][1]))
    ]
    return {"replacements": dict(sorted(by_category.items())), "review": review}
