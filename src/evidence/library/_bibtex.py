"""The library stage: references (one source per reference) and their files (documents).

``load_bibtex`` reads a BibTeX/BibLaTeX file into plain source records; a malformed
entry is reported with its line and skipped, the rest loads. ``hash_file`` gives the
content hash by which documents are registered and extraction is made incremental.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Any

from pybtex.bibtex.utils import split_name_list
from pybtex.database import Person
from pybtex.database.input.bibtex import LowLevelParser, UndefinedMacro, month_names
from pybtex.exceptions import PybtexError
from pybtex.scanner import PybtexSyntaxError
from pybtex.utils import CaseInsensitiveDict
from pylatexenc.latex2text import LatexNodes2Text

from evidence.errors import LibraryError
from evidence.places import read_country

__all__ = [
    "LoadReport",
    "Source",
    "hash_file",
    "load_bibtex",
    "normalise_language",
    "parse_bibtex",
    "split_file_field",
    "split_name",
]


@dataclass(frozen=True)
class Source:
    """One reference: what a citation needs, its language and its attached files."""

    key: str
    item_type: str = ""
    title: str = ""
    authors: tuple[str, ...] = ()
    year: int | None = None
    container: str = ""
    lang: str = ""
    files: tuple[str, ...] = ()
    kind: str = "literature"
    origin: str = "bibtex"
    zotero_key: str = ""
    version: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    country: str = ""

    def as_record(self) -> dict[str, Any]:
        """Return the source as the plain dict the store writes."""
        return {
            "key": self.key,
            "kind": self.kind,
            "item_type": self.item_type,
            "title": self.title,
            "authors": list(self.authors),
            "year": self.year,
            "container": self.container,
            "lang": self.lang,
            "country": self.country,
            "zotero_key": self.zotero_key,
            "version": self.version,
            "data": self.data,
        }


@dataclass(frozen=True)
class LoadReport:
    """Sources loaded from a file, and the entries skipped with their line and reason."""

    sources: tuple[Source, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (item, reason)


_LANGS = {
    "fr": "fr",
    "fre": "fr",
    "fra": "fr",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "nl": "nl",
    "nld": "nl",
    "dut": "nl",
    "dutch": "nl",
    "flemish": "nl",
    "nederlands": "nl",
    "en": "en",
    "eng": "en",
    "english": "en",
    "american": "en",
    "british": "en",
    "anglais": "en",
}
# The fields a citation, a filter or a report uses; the others (abstracts, local paths,
# reader metadata) stay in the .bib file and are not decoded.
_KEPT = {
    "title",
    "journal",
    "journaltitle",
    "booktitle",
    "institution",
    "publisher",
    "school",
    "organization",
    "note",
    "type",
    "number",
    "pages",
    "volume",
    "doi",
    "url",
    "langid",
    "language",
    "year",
    "date",
    "address",
    "location",
    "country",
    "edition",
    "series",
    "keywords",
    "extra",
    "isbn",
    "issn",
    "howpublished",
    "chapter",
}
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "du",
    "des",
    "la",
    "le",
    "ter",
    "ten",
    "te",
    "op",
    "d'",
    "dos",
    "das",
    "'t",
    "vander",
    "vanden",
}


def normalise_language(value: str) -> str:
    """Return fr, nl or en for a language name or code (``fr-BE``, ``french``), else ""."""
    head = re.split(r"[-_ ,;]", value.strip().lower(), maxsplit=1)[0] if value else ""
    return _LANGS.get(head, "")


def split_name(name: str) -> tuple[str, str]:
    """Return (family, given) of one BibTeX name, by BibTeX's own rules (pybtex).

    ``Family, Given``, ``Given von Family`` and ``von Family, Jr, Given`` split as BibTeX does;
    a braced name (``{National Aeronautics and Space Administration}``) is one family name;
    capitalised particles before the family name (``Jan Van den Broeck``) belong to it, and a
    family name followed by initials only (``Liu R.``, ``Smith JA``) is read as such.
    """
    name = " ".join(name.split())
    if not name:
        return "", ""
    try:
        person = Person(name)
    except PybtexError:  # more than two commas: not a BibTeX name, read as written
        return _unbrace(name), ""
    given_words = [*person.first_names, *person.middle_names]
    family_words = [*person.prelast_names, *person.last_names]
    if "," not in name:
        initials = [bool(_INITIALS.match(_unbrace(w))) for w in (*given_words, *family_words)]
        if len(initials) == 2 and initials == [False, True] and not person.prelast_names:
            given_words, family_words = family_words, given_words  # "Liu R.": family first
        # Capitalised particles (Flemish "Van", "De") BibTeX reads as given names.
        while len(given_words) > 1 and _unbrace(given_words[-1]).lower() in _PARTICLES:
            family_words.insert(0, given_words.pop())
    family = _unbrace(" ".join(family_words))
    given = _unbrace(" ".join(given_words))
    if person.lineage_names:
        given = ", ".join(filter(None, (given, _unbrace(" ".join(person.lineage_names)))))
    return family, given


# Initials only: "R.", "RJ", "R.J.", "J.-P." (a family name is never written like this).
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,3}$")


def _unbrace(text: str) -> str:
    """Return a name part as text: LaTeX decoded, braces gone, NFC, single spaces."""
    return _clean(text)


def split_file_field(value: str) -> list[str]:
    """Return the PDF paths of a ``file`` field (plain, Zotero ``desc:path:mime`` or BibDesk)."""
    paths = []
    for part in re.split(r";(?=[^;]*(?:\.pdf|:application/pdf|$))", value):
        part = part.strip()
        if not part:
            continue
        pieces = part.split(":")
        # Zotero's own exporter writes "description:path:mime"; Windows drives have a colon too.
        if len(pieces) >= 3 and "/" in pieces[-1]:
            mime = pieces[-1]
            path = ":".join(pieces[1:-1])
            if mime != "application/pdf" and not path.lower().endswith(".pdf"):
                continue
        else:
            path = part
        path = path.replace("\\\\", "\\").replace("\\:", ":")
        if "\\" in path:
            path = PureWindowsPath(path).as_posix()
        if path.lower().endswith(".pdf"):
            paths.append(path)
    return paths


def _year(fields: dict[str, str]) -> int | None:
    m = re.search(r"\b(1[5-9]\d\d|20\d\d)\b", fields.get("year", "") or fields.get("date", ""))
    return int(m.group(1)) if m else None


_LATEX = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def _decode(text: str) -> str:
    if "\\" in text:
        # Only values with a macro pay for the LaTeX decoder: decoding every field is slow.
        try:
            return str(_LATEX.latex_to_text(text))
        except (ValueError, IndexError):
            return text
    return text


def _clean(text: str) -> str:
    text = _decode(text).replace("{", "").replace("}", "")
    return unicodedata.normalize("NFC", " ".join(text.split()))


# Where a reference was published, in order of preference.
_CONTAINER_FIELDS = (
    "journal",
    "journaltitle",
    "booktitle",
    "institution",
    "publisher",
    "school",
    "organization",
)


@dataclass(frozen=True)
class _Entry:
    """One entry as read: its type, key, fields in order and the line it starts on (1-based)."""

    entry_type: str
    key: str
    fields: tuple[tuple[str, str], ...]
    line: int


def _entry_fields(entry: _Entry) -> dict[str, str]:
    """Return an entry's fields by lower-case name; repeated ``file`` fields are joined."""
    fields: dict[str, str] = {}
    for name, value in entry.fields:
        key = name.lower()
        if key == "file" and key in fields:
            fields[key] = f"{fields[key]};{value}"
        else:
            fields[key] = value
    return fields


def _authors(fields: dict[str, Any]) -> list[str]:
    """Return the authors (else the editors) as ``Family, Given`` or ``Family``."""
    value = fields.get("author") or fields.get("editor") or ""
    authors = []
    for n in split_name_list(" ".join(str(value).split())):
        family, given = split_name(n)
        if family or given:
            authors.append(f"{family}, {given}" if given else family)
    return authors


def _source(entry: _Entry) -> Source:
    fields = _entry_fields(entry)
    authors = _authors(fields)
    text_fields = {k: _clean(str(v)) for k, v in fields.items() if k in _KEPT}
    container = next((text_fields[k] for k in _CONTAINER_FIELDS if text_fields.get(k)), "")
    data: dict[str, Any] = dict(text_fields)
    data["author"] = authors
    return Source(
        key=entry.key,
        item_type=entry.entry_type.lower(),
        title=text_fields.get("title", ""),
        authors=tuple(authors),
        year=_year(text_fields),
        container=container,
        lang=normalise_language(text_fields.get("langid", "") or text_fields.get("language", "")),
        files=tuple(split_file_field(str(fields.get("file", "")))),
        data=data,
        country=read_country(
            text_fields.get("country", ""),
            text_fields.get("address", ""),
            text_fields.get("location", ""),
        ),
    )


# Where a block starts: "@type{" or "@type(" at the start of a line.
_BLOCK = re.compile(r"^[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]", re.MULTILINE)


def _blocks(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line, text) of each block: a malformed one ends where the next one starts."""
    starts = [m.start() for m in _BLOCK.finditer(text)]
    line, previous = 1, 0
    for start, end in zip(starts, [*starts[1:], len(text)][: len(starts)], strict=True):
        line += text.count("\n", previous, start)
        previous = start
        yield line, text[start:end]


def _raise(error: Exception) -> None:
    if not isinstance(error, UndefinedMacro):  # an unknown @string name reads as empty
        raise error


def _read_entries(text: str, name: str) -> tuple[list[_Entry], list[tuple[str, str]]]:
    """Return the entries of BibTeX text, and the blocks skipped with line and reason."""
    macros = CaseInsensitiveDict(month_names)
    entries: list[_Entry] = []
    skipped: list[tuple[str, str]] = []
    for line, block in _blocks(text):
        parser = LowLevelParser(block, macros=macros, handle_error=_raise)
        try:
            command, body = next(iter(parser), ("comment", ("", [])))
        except (PybtexSyntaxError, PybtexError) as exc:
            first = block.strip().splitlines()[0][:60]
            reason = " ".join(str(exc).split()) or type(exc).__name__
            skipped.append((f"{name}:{line}", f"entry skipped ({reason}): {first}"))
            continue
        kind = command.lower()
        if kind == "string":
            macro, value = body
            macros[macro] = "".join(value)
        elif kind not in ("comment", "preamble"):
            key, fields = body
            entries.append(_Entry(command, key, tuple((f, "".join(v)) for f, v in fields), line))
    return entries, skipped


def parse_bibtex(text: str, name: str = "references.bib") -> LoadReport:
    """Parse BibTeX text; return its sources and the entries skipped with line and reason."""
    entries, skipped = _read_entries(text, name)
    sources = []
    seen: set[str] = set()
    for entry in entries:
        if entry.key in seen:
            skipped.append(
                (
                    f"{name}:{entry.line}",
                    f"duplicate citation key '{entry.key}': keys must be unique",
                )
            )
            continue
        seen.add(entry.key)
        sources.append(_source(entry))
    return LoadReport(tuple(sorted(sources, key=lambda s: s.key)), tuple(skipped))


def load_bibtex(path: str | Path) -> LoadReport:
    """Read a .bib file; raise ``LibraryError`` only if the file itself cannot be read."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise LibraryError(
            f"{p}: no such file; set [workbook] bibliography in evidence.toml or configure [zotero]"
        ) from exc
    except UnicodeDecodeError as exc:
        raise LibraryError(f"{p}: not UTF-8 text ({exc}); re-export it as UTF-8") from exc
    return parse_bibtex(text, p.name)


def hash_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Return the SHA-256 of a file's content, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()
