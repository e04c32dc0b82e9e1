"""The REFI-QDA project exchange's work: ``evidence qdpx export`` and ``evidence qdpx import``.

Export gathers from the store what the project holds (sources, passages, the codings that
count) and writes it with the exchange stage. Import writes what it reads into the files the
workbook owns, never into the store alone: new codes into codebook.yml (or mapped by a file),
PDFs into the first PDF folder with an entry in references.bib, texts as field notes, and
every coding as a person's decision in the decisions file; the store is then refreshed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from evidence.coding import (
    IMPORTED_FACET,
    Codebook,
    Decision,
    QdcCode,
    code_guid,
    load_codebook,
    load_decisions,
    parse_codebook,
    write_decisions,
)
from evidence.config import Settings
from evidence.errors import ConfigError, ExchangeError
from evidence.exchange import (
    QdaCoding,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    locate_passages,
    make_guid,
    read_qdpx,
    write_qdpx,
)
from evidence.files import write_atomic
from evidence.i18n import texts
from evidence.store import Store, open_store

from ._fieldwork import run_fieldwork
from ._pipeline import run_code, run_extract, run_sync

__all__ = ["run_qdpx_export", "run_qdpx_import"]

#: the users standing for the codebook's rules and the learned suggestions
RULES, MODEL = "rules", "model"
#: the origin the workbook writes in its projects
ORIGIN = "evidence workbook"
_KEY_LINE = re.compile(r"^Citation key:\s*(\S+)\s*$", re.M)
_FIELD_LINE = re.compile(r"^Field material:\s*(\w+)", re.M)
_TOKEN = re.compile(r"\b(?:P|ORG|LOC|EMAIL|TEL|ADR|NRN|ID)\d{2,}\b")
_SEPARATOR = "\n\n"
_NOT_BIB = "a PDF source: add it to Zotero (the bibliography is not a .bib file)"
_NO_CONSENT = "field material needs recorded consent: check it, then import again with --consent"


# --- export ------------------------------------------------------------------------------


def _user_of(origin: str, provenance: str) -> str:
    if origin == "human":
        # Decisions are stored as "review:<coder>"; a Zotero tag as its own provenance.
        return provenance.removeprefix("review:") or "unknown coder"
    return RULES if origin == "rule" else (MODEL if origin == "model" else origin)


def _datetime(value: str) -> str:
    """Return an ISO date as an xsd:dateTime ("" when it is not one)."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value + "T00:00:00"
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return ""
    return value


def _notes(settings: Settings) -> dict[tuple[str, str, str], tuple[str, str]]:
    """Return (passage, code, coder) -> (date, note) of the latest decision of each coder."""
    out: dict[tuple[str, str, str], tuple[str, str]] = {}
    for d in load_decisions(settings.decisions):
        if d.decision in ("accept", "add"):
            out[(d.passage_id, d.code, d.coder)] = (_datetime(d.date), d.note)
    return out


def _source_selections(
    passages: pd.DataFrame,
    codings: Mapping[str, list[tuple[str, str, str]]],
    notes: Mapping[tuple[str, str, str], tuple[str, str]],
) -> tuple[str, tuple[QdaSelection, ...]]:
    """Return a source's plain text (its passages, a blank line apart) and its selections."""
    parts: list[str] = []
    selections: list[QdaSelection] = []
    position = 0
    for row in passages.itertuples():
        text = str(row.text)
        start, end = position, position + len(text)
        parts.append(text)
        position = end + len(_SEPARATOR)
        by_user: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for code, origin, provenance in codings.get(str(row.id), []):
            by_user[_user_of(origin, provenance)].append((code, provenance))
        for user in sorted(by_user):
            made = []
            explained = []
            for code, provenance in sorted(by_user[user]):
                date, note = notes.get((str(row.id), code, user), ("", ""))
                made.append(QdaCoding(code_guid(code), user, date))
                why = note if user not in (RULES, MODEL) else provenance
                if why:
                    explained.append(f"{code}: {why}")
            label = f"p. {row.page_label}" if str(row.page_label or "") else ""
            selections.append(
                QdaSelection(
                    start=start,
                    end=end,
                    codings=tuple(made),
                    user=user,
                    name=label,
                    note="\n".join([f"Passage {row.id}", *explained]),
                    date=max((c.date for c in made), default=""),
                )
            )
    return _SEPARATOR.join(parts), tuple(selections)


def _describe(source: Any) -> str:
    if source.kind != "literature":
        kind = source.item_type or source.kind
        return f"Field material: {kind} (pseudonymised at import)\nSource key: {source.key}"
    authors = "; ".join(json.loads(source.authors or "[]"))
    lines = [f"Citation key: {source.key}", f"Title: {source.title}"]
    lines += [f"Authors: {authors}"] if authors else []
    lines += [f"Year: {int(source.year)}"] if pd.notna(source.year) else []
    return "\n".join(lines)


def _pdf_of(settings: Settings, docs: pd.DataFrame, key: str) -> Path | None:
    for path in docs.loc[docs["source_key"] == key, "path"]:
        candidates = [settings.path(str(path))] + [
            d / Path(str(path)).name for d in settings.pdf_dirs
        ]
        found = next((c for c in candidates if c.is_file() and c.suffix.lower() == ".pdf"), None)
        if found is not None:
            return found
    return None


def _gather(settings: Settings, store: Store) -> tuple[QdaProject, list[dict[str, str]]]:
    sources = store.sources_frame()
    passages = store.passages_frame()
    docs = store.documents_frame()
    codings: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for row in store.codings_frame().itertuples():
        codings[str(row.passage_id)].append((str(row.code), str(row.origin), str(row.provenance)))
    notes = _notes(settings)
    out: list[QdaSource] = []
    skipped: list[dict[str, str]] = []
    for source in sources.itertuples():
        own = passages[passages["source_key"] == source.key]
        pdf = _pdf_of(settings, docs, str(source.key)) if source.kind == "literature" else None
        if pdf is not None:
            own = own[own["origin"] == "pdf"]
        text, selections = _source_selections(own, codings, notes)
        out.append(
            QdaSource(
                guid=make_guid("source", str(source.key)),
                name=str(source.key),
                kind="pdf" if pdf is not None else "text",
                text=text,
                selections=selections,
                description=_describe(source),
                pdf_path=str(pdf or ""),
            )
        )
    names = {s.user for x in out for s in x.selections} | {RULES, MODEL}
    names |= {d.coder for d in load_decisions(settings.decisions)}
    users = tuple(QdaUser(make_guid("user", n), n) for n in sorted(names))
    return QdaProject(settings.name, ORIGIN, users, sources=tuple(out)), skipped


def run_qdpx_export(settings: Settings, file: str, *, lang: str = "") -> dict[str, Any]:
    """Write the workbook as a REFI-QDA project (.qdpx); return counts of what it holds."""
    if Path(file).suffix.lower() != ".qdpx":
        raise ConfigError(f"{file}: a REFI-QDA project is written to a .qdpx file")
    codebook = load_codebook(settings.codebook)
    with open_store(settings.store) as store:
        project, skipped = _gather(settings, store)
    buffer = io.BytesIO()
    counts = write_qdpx(buffer, project, codebook, lang or settings.language)
    write_atomic(file, buffer.getvalue())
    return {"action": "export", "file": file, **counts, "skipped": skipped}


# --- import ------------------------------------------------------------------------------


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60] or "source"


def _read_mapping(path: str) -> dict[str, str]:
    """Return a mapping file's rows: a code's GUID or name (lower case) -> codebook id."""
    if not path:
        return {}
    try:
        rows = list(csv.reader(Path(path).read_text(encoding="utf-8-sig").splitlines()))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read the mapping file ({err.strerror})") from err
    out = {}
    for n, row in enumerate(rows, start=1):
        if len(row) < 2 or not row[0].strip():
            if row and n > 1:
                raise ConfigError(f"{path}:{n}: expected two columns: guid or name, code id")
            continue
        out[row[0].strip().lower()] = row[1].strip()
    return out


def _map_codes(
    codes: Iterable[QdcCode], codebook: Codebook, mapping: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, QdcCode]]:
    """Return imported GUID -> codebook id, and the new codes (by new id) to add."""
    labels = {
        label.casefold(): code.id
        for code in codebook.codes.values()
        for label in code.labels.values()
    }
    out: dict[str, str] = {}
    new: dict[str, QdcCode] = {}
    for code in codes:
        if not code.codable and "." not in code.id:
            continue  # a category: its codes come on their own
        wanted = mapping.get(code.guid.lower()) or mapping.get(code.name.casefold())
        if wanted and wanted not in codebook.codes:
            raise ConfigError(
                f"the mapping file maps {code.name!r} to {wanted!r}, not in the codebook"
            )
        found = (
            wanted
            or (code.id if code.id in codebook.codes else "")
            or labels.get(code.name.casefold(), "")
        )
        if not found:
            tail = code.id.removeprefix(IMPORTED_FACET + ".")
            found = f"{IMPORTED_FACET}.{tail}"
            new[found] = code
        out[code.guid.upper()] = found
    return out, new


def _yaml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _add_codes(
    settings: Settings, codebook: Codebook, new: Mapping[str, QdcCode], origin: str
) -> None:
    """Add the new codes to codebook.yml under the ``imported`` facet, keeping the file as is.

    The facet goes after the ``facets:`` line, the codes at the end of the file, which must
    be the ``codes:`` block (as the workbook writes it); otherwise the user maps the codes.
    """
    if not new:
        return
    text = settings.codebook.read_text(encoding="utf-8")
    keys = re.findall(r"^([A-Za-z_]+):", text, re.M)
    if not keys or keys[-1] != "codes" or not re.search(r"^facets:\s*$", text, re.M):
        raise ConfigError(
            f"{settings.codebook}: the imported codes cannot be appended (codes: is not the "
            "last block, or facets: is not a block); map them with --map FILE.csv instead"
        )
    langs = codebook.languages
    words = {lang: texts("exchange", lang)["imported_facet"] for lang in langs}
    if IMPORTED_FACET not in codebook.facets:
        facet = ", ".join(f"{lang}: {_yaml_text(words[lang])}" for lang in langs)
        text = re.sub(
            r"^facets:\s*$", f"facets:\n  {IMPORTED_FACET}: {{{facet}}}", text, count=1, flags=re.M
        )
    lines = [] if text.endswith("\n") else [""]
    for code_id, code in new.items():
        labels = ", ".join(f"{lang}: {_yaml_text(code.name)}" for lang in langs)
        definition = (
            code.description or f"{code.name} (imported from {origin or 'a REFI-QDA project'})"
        )
        lines += [
            f"  {code_id}:",
            f"    labels: {{{labels}}}",
            f"    definition: {_yaml_text(definition)}",
        ]
    text += "\n".join(lines) + "\n"
    parse_codebook(text)  # what is written must load; a mistake stops before any write
    write_atomic(settings.codebook, text)


def _description_field(description: str, name: str) -> str:
    m = re.search(rf"^{name}:\s*(.+)$", description, re.M)
    return m.group(1).strip() if m else ""


def _bib_entry(key: str, source: QdaSource, file: str) -> str:
    def esc(value: str) -> str:
        return value.replace("{", "").replace("}", "")

    title = _description_field(source.description, "Title") or source.name
    fields = [("title", title)]
    authors = _description_field(source.description, "Authors")
    if authors:
        fields.insert(0, ("author", " and ".join(a.strip() for a in authors.split(";"))))
    year = _description_field(source.description, "Year")
    if year:
        fields.append(("year", year))
    fields += [("file", file)] if file else []
    body = "".join(f"  {n} = {{{esc(v)}}},\n" for n, v in fields)
    return f"\n@misc{{{key},\n{body}}}\n"


def _write_sources(
    settings: Settings,
    project: QdaProject,
    known: set[str],
    consent: bool,
    skipped: list[dict[str, str]],
) -> dict[str, str]:
    """Write each source where the workbook reads it; return source GUID -> source key."""
    keys: dict[str, str] = {}
    bib = settings.bibliography
    entries: list[str] = []
    for source in project.sources:
        cited = _description_field(source.description, "Citation key")
        if source.kind == "pdf" or cited:
            key = cited or _slug(source.name).replace("-", "")
            if key in known:
                keys[source.guid] = key
                continue
            if settings.zotero.library_id or bib.suffix.lower() != ".bib":
                skipped.append(
                    {
                        "item": source.name,
                        "reason": _NOT_BIB,
                    }
                )
                continue
            file = ""
            if source.pdf:
                folder = settings.pdf_dirs[0] if settings.pdf_dirs else settings.path("data/pdfs")
                folder.mkdir(parents=True, exist_ok=True)
                write_atomic(folder / f"{key}.pdf", source.pdf)
                file = settings.relative(folder / f"{key}.pdf")
            entries.append(_bib_entry(key, source, file))
            keys[source.guid] = key
            known.add(key)
            continue
        stem = _slug(source.name).removeprefix("field-")
        key = f"field-{stem}"
        given = _description_field(source.description, "Source key")
        if given in known or key in known:
            keys[source.guid] = given if given in known else key
            continue
        if not consent:
            skipped.append(
                {
                    "item": source.name,
                    "reason": _NO_CONSENT,
                }
            )
            continue
        kind = _description_field(source.description, "Field material").split(" ")[0] or "interview"
        front = f"---\ntitle: {_yaml_text(source.name)}\nkind: {kind}\nconsent: yes\n---\n\n"
        folder = settings.fieldwork.folder / "qdpx"
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{stem}.txt", front + source.text + "\n")
        keys[source.guid] = key
    if entries:
        before = bib.read_text(encoding="utf-8") if bib.exists() else ""
        write_atomic(bib, before + "".join(entries))
    return keys


def _decisions(
    store: Store,
    project: QdaProject,
    keys: Mapping[str, str],
    codes: Mapping[str, str],
    file: str,
    skipped: list[dict[str, str]],
) -> tuple[list[Decision], dict[str, int]]:
    """Return the codings of the project as ``add`` decisions on the passages they cover.

    A coding by the workbook's own ``rules`` or ``model`` user (a project the workbook
    exported) is not a person's: the codebook's rules find it again, so it is counted, not
    written. Also return the counts: codings imported, and left to the rules.
    """
    passages = store.passages_frame()
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    ours = project.origin == ORIGIN
    out: list[Decision] = []
    counts = {"codings": 0, "left_to_rules": 0}
    for source in project.sources:
        key = keys.get(source.guid)
        if key is None:
            if source.selections:
                why = f"{len(source.selections)} coded selection(s): its source was not imported"
                skipped.append({"item": source.name, "reason": why})
            continue
        own = passages[passages["source_key"] == key]
        if source.kind == "pdf":
            own = own[own["origin"] == "pdf"]
        spans = locate_passages(source.text, list(own["text"]), masked=_TOKEN)
        placed = [(span, row) for span, row in zip(spans, own.itertuples(), strict=True) if span]
        for selection in source.selections:
            where = f"{source.name} [{selection.start}:{selection.end}]"
            covered = [row for (a, b), row in placed if selection.start < b and a < selection.end]
            if not covered:
                skipped.append({"item": where, "reason": "no passage of the workbook lies there"})
                continue
            for coding in selection.codings:
                coder = coding.user or selection.user or "qdpx"
                if ours and coder in (RULES, MODEL):
                    counts["left_to_rules"] += 1
                    continue
                code = codes.get(coding.code_guid)
                if code is None:
                    why = f"code {coding.code_guid} is not in the project's codebook"
                    skipped.append({"item": where, "reason": why})
                    continue
                counts["codings"] += 1
                date = _iso(coding.date or selection.date) or now
                note = f"imported from {Path(file).name}"
                out += [
                    Decision(str(row.id), code, "add", coder, date, note, str(row.text)[:80])
                    for row in covered
                ]
    return out, counts


def _iso(value: str) -> str:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return ""


def run_qdpx_import(
    settings: Settings, file: str, *, mapping: str = "", consent: bool = False
) -> dict[str, Any]:
    """Import a REFI-QDA project into the workbook's files, then refresh the store.

    Return ``{"codes", "sources", "codings", "skipped"}`` and what was written.
    """
    try:
        data = Path(file).read_bytes()
    except OSError as err:
        raise ExchangeError(f"{file}: cannot read the file ({err.strerror})") from err
    project = read_qdpx(data, Path(file).name)
    codebook = load_codebook(settings.codebook)
    codes, new = _map_codes(project.codebook.codes, codebook, _read_mapping(mapping))
    skipped = [{"item": i, "reason": r} for i, r in project.skipped]
    _add_codes(settings, codebook, new, project.origin)
    with open_store(settings.store) as store:
        run_sync(settings, store)
        known = set(store.sources_frame()["key"])
        keys = _write_sources(settings, project, known, consent, skipped)
        run_sync(settings, store)
        run_extract(settings, store, progress=False)
        fieldwork = run_fieldwork(settings, store)
        made, counts = _decisions(store, project, keys, codes, file, skipped)
        existing = load_decisions(settings.decisions)
        have = {(d.passage_id, d.code, d.coder, d.decision) for d in existing}
        fresh = [d for d in made if (d.passage_id, d.code, d.coder, d.decision) not in have]
        write_decisions(settings.decisions, [*existing, *fresh])
        run_code(settings, store, progress=False)
    return {
        "action": "import",
        "file": file,
        "origin": project.origin,
        "codes": len(codes),
        "new_codes": sorted(new),
        "sources": len(keys),
        "codings": counts["codings"],
        "left_to_rules": counts["left_to_rules"],
        "decisions": len(fresh),
        "refused_notes": fieldwork.get("refused", []),
        "skipped": skipped,
    }
