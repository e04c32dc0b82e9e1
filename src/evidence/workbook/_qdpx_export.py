"""``evidence qdpx export``: the workbook as a REFI-QDA project.

What the store holds (sources, passages, the codings that count) is gathered here and
written by the exchange stage: a literature PDF as a PDF source whose plain-text
representation is its passages a blank line apart, field material (already pseudonymised)
as a text source, each passage's codings as one selection per user who made them (a coder
of the decisions file, ``rules`` or ``model``), with the rule's words or the person's note
as its description. A source's description says what the workbook knows of it (citation
key, title, authors, year; the kind of field material) so that an import can find it again.
"""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from evidence.coding import code_guid, load_codebook, load_decisions
from evidence.config import Settings
from evidence.errors import ConfigError
from evidence.exchange import (
    QdaCoding,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    make_guid,
    write_qdpx,
)
from evidence.files import write_atomic
from evidence.store import Store, open_store

__all__ = ["MODEL", "ORIGIN", "RULES", "run_qdpx_export"]

#: the users standing for the codebook's rules and the learned suggestions
RULES, MODEL = "rules", "model"
#: the origin the workbook writes in its projects
ORIGIN = "evidence workbook"
_SEPARATOR = "\n\n"


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
