"""``evidence qdpx import``: a REFI-QDA project into the files the workbook owns.

Nothing goes into the store alone: codes that map to no codebook id (by a mapping file, a
``Code id:`` line, or a label) are added to codebook.yml under the ``imported`` facet; PDF
sources are written into the first PDF folder with an entry in references.bib (unless the
citation key is already there); text sources become field notes (with ``--consent`` only);
every coding becomes a person's ``add`` decision in the decisions file, on each passage its
selection covers. The store is then refreshed and the decisions applied.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evidence.coding import (
    IMPORTED_FACET,
    Codebook,
    Decision,
    QdcCode,
    load_codebook,
    load_decisions,
    parse_codebook,
    write_decisions,
)
from evidence.config import Settings
from evidence.errors import ConfigError, ExchangeError
from evidence.exchange import QdaProject, QdaSource, locate_passages, read_qdpx
from evidence.fieldwork import PSEUDONYM_PATTERN
from evidence.files import write_atomic
from evidence.i18n import texts
from evidence.store import Store, open_store

from ._fieldwork import run_fieldwork
from ._pipeline import run_code, run_extract, run_sync
from ._qdpx_export import MODEL, ORIGIN, RULES

__all__ = ["run_qdpx_import"]

_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_:+-]{0,80}")
_NOT_BIB = "a PDF source: add it to Zotero (the bibliography is not a .bib file)"
_NO_CONSENT = "field material needs recorded consent: check it, then import again with --consent"


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
            # The key names a file: one from the project is used only when it is a plain key.
            key = cited if _PLAIN_KEY.fullmatch(cited) else _slug(source.name).replace("-", "")
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
        spans = locate_passages(source.text, list(own["text"]), masked=PSEUDONYM_PATTERN)
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
