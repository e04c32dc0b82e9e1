"""Field note metadata: front matter, ``metadata.csv`` rows, and the consent check.

Keys and values may be written in French, Dutch or English (``consentement: oui``,
``toestemming: ja``, ``kind: entretien``). A note whose consent is not recorded as yes,
whose two metadata sources disagree on consent, or whose kind, date or language cannot be
read is refused with the reason and what to do.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from ._pseudonymise import fold_name

__all__ = [
    "KINDS",
    "Metadata",
    "Refusal",
    "check_metadata",
    "parse_metadata_table",
    "split_front_matter",
]

KINDS = ("interview", "testimony", "focus_group", "meeting")
# Accepted spellings (accents folded) of each kind and metadata key, in fr, nl and en.
_KIND_WORDS = {
    word: kind
    for kind, words in (
        ("interview", "entretien|gesprek"),
        ("testimony", "temoignage|getuigenis"),
        ("focus_group", "focus group|focus-group|groupe focal|focusgroep"),
        ("meeting", "reunion|vergadering|groupe de travail|werkgroep|working group|bilateral"),
    )
    for word in (kind, *words.split("|"))
}
_ALIASES = {
    word: key
    for key, words in {
        "organisation": ("organization", "organisatie", "org"),
        "sector": ("secteur",),
        "kind": ("type",),
        "date": ("datum",),
        "language": ("lang", "langue", "taal"),
        "consent": ("consentement", "toestemming"),
        "title": ("titre", "titel"),
        "file": ("fichier", "bestand"),
        "country": ("pays", "land"),
    }.items()
    for word in (key, *words)
}
_YES = {"yes", "y", "oui", "ja", "true", "1", "x"}
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_CONSENT_CONFLICT = "metadata.csv and the front matter disagree on consent; make them agree"


@dataclass(frozen=True)
class Metadata:
    """A note's checked metadata (before pseudonymisation)."""

    kind: str
    consent: bool
    organisation: str = ""
    sector: str = ""
    date: str = ""
    language: str = ""
    title: str = ""
    country: str = ""

    @property
    def year(self) -> int | None:
        """The year of the date, or None when no date is recorded."""
        return int(self.date[:4]) if self.date else None


@dataclass(frozen=True)
class Refusal:
    """Why a note was not imported: a short reason code and what to do."""

    reason: str
    detail: str


def split_front_matter(text: str) -> tuple[dict[str, Any], str, str]:
    """Return (front matter, body, error) of a note; error is "" when the block is valid."""
    m = _FRONT.match(text)
    if m is None:
        return {}, text, ""
    try:
        data = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        # The parser's own message quotes the line, which may hold a name: give its place only.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}, column {mark.column + 1}" if mark else ""
        return {}, text[m.end() :], f"the front matter is not valid YAML{where}"
    if not isinstance(data, dict):
        return {}, text[m.end() :], "the front matter is not a 'key: value' block"
    return data, text[m.end() :], ""


def _delimiter(text: str) -> str:
    """The separator of a table: the one of comma, semicolon and tab its header uses most."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(text: str, problems: list[tuple[int, str]]) -> Iterator[tuple[int, list[str]]]:
    """Yield (line, fields) of each row; a row CSV cannot read is a problem.

    Each line is one row: a quote left open is that row's problem, it does not swallow the
    rows after it.
    """
    delimiter = _delimiter(text)
    for line, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not raw.strip():
            continue
        if raw.count('"') % 2:
            problems.append((line, "has a quote that is not closed; retype this row"))
            continue
        try:
            fields = next(csv.reader([raw], delimiter=delimiter), [])
        except csv.Error as exc:
            problems.append((line, f"cannot be read as CSV ({exc}); retype this row"))
            continue
        if any(f.strip() for f in fields):
            yield line, fields


def parse_metadata_table(
    text: str, problems: list[tuple[int, str]] | None = None
) -> dict[str, dict[str, str]]:
    """Return file -> metadata from ``metadata.csv`` text (comma, semicolon or tab separated).

    A row that cannot be read (a stray quote, more or fewer fields than the header) is left
    out and, when ``problems`` is given, listed there as (line, what is wrong); the message
    never quotes the row, which may hold a name. The other rows count. A second row for the
    same file is a problem too; the first one counts. Rows left out keep their file name in
    the result with the key ``_problem`` (the line and what is wrong), so the note's refusal
    can say which row to fix.
    """
    found = problems if problems is not None else []
    rows = _rows(text, found)
    first = next(rows, None)
    if first is None:
        return {}
    header = [_ALIASES.get(fold_name(h).strip(), fold_name(h).strip()) for h in first[1]]
    if "file" not in header:
        found.append((first[0], "the header has no file column (file, fichier, bestand); add it"))
        return {}
    at = header.index("file")
    out: dict[str, dict[str, str]] = {}
    lines: dict[str, int] = {}
    for line, fields in rows:
        file = (fields[at] if at < len(fields) else "").strip().replace("\\", "/")
        problem = ""
        if len(fields) != len(header):
            problem = (
                f"has {len(fields)} fields where the header has {len(header)}; check the "
                "separators and quotes of this row"
            )
        elif not file:
            problem = "names no file; fill in its file column"
        elif file in lines:
            problem = f"is a second row for the same file (first on line {lines[file]}); keep one"
        if problem:
            found.append((line, problem))
            if file and file not in out:
                out[file] = {"_problem": f"line {line} {problem}"}
            continue
        lines[file] = line
        out[file] = {k: v.strip() for k, v in zip(header, fields, strict=True)}
    return out


def _text_value(value: Any) -> str:
    # YAML reads yes/no as booleans and 2025-03-12 as a date.
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def check_metadata(
    front: Mapping[str, Any], table: Mapping[str, Any]
) -> tuple[Metadata | None, Refusal | None, list[str]]:
    """Return the note's metadata, or the refusal, and warnings about ignored keys.

    Front matter and table row are merged (front matter first); a consent they disagree on,
    missing or negative consent, an unknown kind, language or date format refuse the note.
    """
    problem = str(table.get("_problem", ""))
    if problem:
        table = {}
    merged, warnings, conflict = _merge(front, table)
    refusal = _refuse_without_consent(merged.get("consent", ""))
    if problem and refusal is not None:
        refusal = Refusal(
            "bad_metadata",
            f"metadata.csv {problem}: the note's metadata (its consent) cannot be read from "
            "it; fix that row",
        )
    elif problem:
        warnings.append(f"its row in metadata.csv is not used: {problem}")
    checked = conflict or refusal or _metadata_of(merged)
    if isinstance(checked, Refusal):
        return None, checked, warnings
    return checked, None, warnings


def _merge(
    front: Mapping[str, Any], table: Mapping[str, Any]
) -> tuple[dict[str, str], list[str], Refusal | None]:
    """Return the metadata of both sources by key, warnings, and a refusal if they disagree.

    A value of the front matter replaces the table's unless it is empty.
    """
    warnings: list[str] = []
    merged: dict[str, str] = {}
    for source, values in (("metadata.csv", table), ("front matter", front)):
        for raw_key, raw_value in values.items():
            key = _ALIASES.get(fold_name(str(raw_key)).strip())
            if key is None:
                warnings.append(f"unknown metadata key '{raw_key}' in the {source} is ignored")
                continue
            if key == "file":
                continue
            value = _text_value(raw_value).strip()
            if (
                key == "consent"
                and "consent" in merged
                and value
                and merged["consent"]
                and _yes(value) != _yes(merged["consent"])
            ):
                return merged, warnings, Refusal("consent_conflict", _CONSENT_CONFLICT)
            if value or key not in merged:
                merged[key] = value
    return merged, warnings, None


def _refuse_without_consent(consent: str) -> Refusal | None:
    """Return the refusal of a note whose consent is not recorded as yes, else None."""
    if _yes(consent):
        return None
    said = "is not recorded" if not consent.strip() else f"is '{consent}'"
    return Refusal(
        "no_consent",
        f"consent {said}: the note is not imported; once the person agreed, record "
        "'consent: yes' in its front matter or in metadata.csv",
    )


def _metadata_of(merged: Mapping[str, str]) -> Metadata | Refusal:
    """Return the metadata of a note with consent, or why its kind, date or language is wrong."""
    kind = _KIND_WORDS.get(" ".join(fold_name(merged.get("kind", "")).replace("_", " ").split()))
    if kind is None:
        return Refusal(
            "bad_metadata",
            f"kind '{merged.get('kind', '')}' is not one of {', '.join(KINDS)}; set kind",
        )
    when = merged.get("date", "")
    if when and not _DATE.fullmatch(when):
        return Refusal(
            "bad_metadata", f"date '{when}' is not YYYY-MM-DD, YYYY-MM or YYYY; fix date"
        )
    lang = merged.get("language", "").casefold()[:2]
    if merged.get("language") and lang not in ("fr", "nl", "en"):
        return Refusal(
            "bad_metadata", f"language '{merged['language']}' is not fr, nl or en; fix language"
        )
    return Metadata(
        kind=kind,
        consent=True,
        organisation=merged.get("organisation", ""),
        sector=merged.get("sector", ""),
        date=when,
        language=lang,
        title=merged.get("title", ""),
        country=merged.get("country", ""),
    )


def _yes(value: str) -> bool:
    return fold_name(value).strip() in _YES
