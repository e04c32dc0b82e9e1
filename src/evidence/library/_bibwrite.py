"""Write references.bib from Zotero items: citation keys, then a deterministic BibTeX text.

Citation keys
    1. Zotero's own *Citation Key* field (Zotero 7), else a ``Citation Key: ...`` (or older
       ``bibtex: ...``) line in *Extra*, as Better BibTeX pins it.
    2. Otherwise ``<family><year><word>``: the first author's family name (editor when there is
       no author, ``anon`` when nobody), the four-digit year (``nd`` when none) and the first
       title word that is not an article or preposition (fr/nl/en), all folded to ASCII lower
       case, e.g. ``dupont2019violences``.
    3. Clashes are resolved in the order the items were added to Zotero (then by item key):
       the first keeps the key, the next ones get ``a``, ``b``, ``c``..., so adding a reference
       never renames an older one. A key pinned in Zotero is never changed by a generated one.

The text is sorted by key with fields in a fixed order and no timestamp: the same library
always gives the same bytes, so the snapshot diffs cleanly in git.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["make_citation_keys", "pinned_citation_key", "render_bibtex"]

_PINNED = re.compile(r"^\s*(?:citation key|bibtex)\s*:\s*(\S+)\s*$", re.IGNORECASE | re.MULTILINE)
_VALID_KEY = re.compile(r"^[^\s,{}()\"'#%~\\=]+$")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_STOP = {
    # English
    "a",
    "an",
    "the",
    "of",
    "on",
    "in",
    "at",
    "to",
    "for",
    "and",
    "or",
    "from",
    "with",
    "by",
    # French
    "le",
    "la",
    "les",
    "l",
    "un",
    "une",
    "des",
    "de",
    "du",
    "d",
    "et",
    "en",
    "au",
    "aux",
    "sur",
    "pour",
    "par",
    "dans",
    "entre",
    # Dutch
    "het",
    "een",
    "van",
    "op",
    "voor",
    "met",
    "bij",
    "naar",
    "over",
    "te",
}
_TYPES = {
    "journalArticle": "article",
    "magazineArticle": "article",
    "newspaperArticle": "article",
    "book": "book",
    "bookSection": "incollection",
    "encyclopediaArticle": "incollection",
    "dictionaryEntry": "incollection",
    "conferencePaper": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "manuscript": "unpublished",
}
_CONTAINER = {
    "article": ("publicationTitle",),
    "incollection": ("bookTitle", "encyclopediaTitle", "dictionaryTitle", "publicationTitle"),
    "inproceedings": ("proceedingsTitle", "conferenceName", "publicationTitle"),
}
_LANGID = {"fr": "french", "nl": "dutch", "en": "english"}
_ESCAPE = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("æ", "ae"))
    return re.sub(r"[^a-z0-9]", "", folded.encode("ascii", "ignore").decode().lower())


def pinned_citation_key(data: Mapping[str, Any]) -> str:
    """Return the citation key pinned in Zotero (Citation Key field or Extra), or ""."""
    own = str(data.get("citationKey") or "").strip()
    if own:
        return own
    m = _PINNED.search(str(data.get("extra") or ""))
    return m.group(1) if m else ""


def _creators(data: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    creators = [c for c in data.get("creators") or () if isinstance(c, dict)]
    for role in ("author", "editor"):
        chosen = [c for c in creators if c.get("creatorType", "author") == role]
        if chosen:
            return role, chosen
    return "author", creators


def _family(creator: Mapping[str, Any]) -> str:
    if creator.get("lastName"):
        return str(creator["lastName"])
    name = str(creator.get("name") or "").strip()
    # A single-field name is often an organisation; its first significant word names it.
    words = [w for w in re.split(r"\s+", name) if _ascii(w) and _ascii(w) not in _STOP]
    return words[0] if words else name


def _year(data: Mapping[str, Any]) -> str:
    m = _YEAR.search(str(data.get("date") or ""))
    return m.group(1) if m else ""


def _base_key(data: Mapping[str, Any]) -> str:
    _, creators = _creators(data)
    family = _ascii(_family(creators[0])) if creators else ""
    words = [_ascii(w) for w in re.split(r"[\s\-–—:;,.!?'’/()\[\]]+", str(data.get("title") or ""))]
    word = next((w for w in words if w and w not in _STOP), "")
    return f"{family or 'anon'}{_year(data) or 'nd'}{word}"


def _suffix(n: int) -> str:
    """Return a, b, ..., z, aa, ab, ... for n = 1, 2, ..."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(ord("a") + r) + out
    return out


def _checked_pin(data: Mapping[str, Any], used: set[str]) -> tuple[str, str]:
    """Return the item's pinned key ("" when unusable) and the problem with it ("" if none)."""
    pinned = pinned_citation_key(data)
    if pinned and not _VALID_KEY.match(pinned):
        return "", (
            f"citation key {pinned!r} has characters BibTeX keys cannot hold; a generated key "
            "is used"
        )
    if pinned and pinned in used:
        return pinned, f"citation key {pinned!r} is pinned on two items; this one gets a suffix"
    return pinned, ""


def make_citation_keys(
    items: Iterable[Mapping[str, Any]],
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Return (Zotero key -> citation key, problems) for regular items (``data`` dicts).

    Problems are (Zotero key, reason) for pinned keys that are invalid or used twice; those
    items get a generated or disambiguated key instead.
    """
    ordered = sorted(items, key=lambda d: (str(d.get("dateAdded") or ""), str(d.get("key"))))
    keys: dict[str, str] = {}
    used: set[str] = set()
    problems: list[tuple[str, str]] = []
    generated: list[Mapping[str, Any]] = []
    for data in ordered:
        pinned, problem = _checked_pin(data, used)
        if problem:
            problems.append((str(data["key"]), problem))
        if not pinned:
            generated.append(data)
        elif pinned in used:
            generated.append({**data, "_base": pinned})  # the pinned key, with a suffix
        else:
            keys[str(data["key"])] = pinned
            used.add(pinned)
    for data in generated:
        base = str(data.get("_base") or _base_key(data))
        key, n = base, 0
        while key in used:
            n += 1
            key = base + _suffix(n)
        keys[str(data["key"])] = key
        used.add(key)
    return keys, problems


def _escape(text: str) -> str:
    text = " ".join(str(text).split())
    return "".join(_ESCAPE.get(ch, ch) for ch in text)


# Zotero's rich text in titles, as the LaTeX pandoc and BibTeX styles understand.
_RICH = {
    "i": r"\emph{",
    "em": r"\emph{",
    "b": r"\textbf{",
    "strong": r"\textbf{",
    "sub": r"\textsubscript{",
    "sup": r"\textsuperscript{",
}
_TAG = re.compile(r"<(/?)(i|em|b|strong|sub|sup|span)\b([^>]*)>", re.IGNORECASE)


def _rich(text: str) -> str:
    """Return a title with Zotero's rich-text tags turned into LaTeX, the rest escaped.

    ``<i>``, ``<b>``, ``<sub>``, ``<sup>`` become ``\\emph`` and the like; ``<span
    class="nocase">`` becomes braces (case kept as written), small caps ``\\textsc``; any
    other span is dropped. Unbalanced tags are written as text.
    """
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _TAG.finditer(text):
        closing, tag, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if closing and not stack:
            continue  # a closing tag without its opening: dropped
        out.append(_escape_keep_space(text[pos : m.start()]))
        pos = m.end()
        if closing:
            out.append(stack.pop())
        elif tag == "span":
            opening = "{" if "nocase" in attrs else ""
            opening = r"\textsc{" if "small-caps" in attrs else opening
            out.append(opening)
            stack.append("}" if opening else "")
        else:
            out.append(_RICH[tag])
            stack.append("}")
    out.append(_escape_keep_space(text[pos:]))
    out.extend(reversed(stack))
    return " ".join("".join(out).split())


def _escape_keep_space(text: str) -> str:
    return "".join(_ESCAPE.get(ch, ch) for ch in text)


def _name(creator: Mapping[str, Any]) -> str:
    if creator.get("lastName") or creator.get("firstName"):
        family, given = _escape(creator.get("lastName", "")), _escape(creator.get("firstName", ""))
        # A last name alone ("Al-Khatib Organization") is kept whole, as Zotero shows it.
        return f"{family}, {given}" if given else "{" + family + "}"
    # Braces keep a single-field name (an institution) whole instead of split into parts.
    return "{" + _escape(creator.get("name", "")) + "}"


def _entry_type(data: Mapping[str, Any]) -> str:
    kind = _TYPES.get(str(data.get("itemType")), "misc")
    if kind == "phdthesis" and "master" in str(data.get("thesisType", "")).lower():
        kind = "mastersthesis"
    return kind


_ISSUER = {"techreport": "institution", "phdthesis": "school", "mastersthesis": "school"}
# Item data field -> BibTeX field, written when the BibTeX field is not there yet.
_NUMBERS = (
    ("volume", "volume"),
    ("issue", "number"),
    ("reportNumber", "number"),
    ("pages", "pages"),
    ("edition", "edition"),
    ("series", "series"),
    ("DOI", "doi"),
    ("ISBN", "isbn"),
    ("ISSN", "issn"),
    ("url", "url"),
)


# Lines of Zotero's Extra field that say where a work comes from: ``Country: Belgique`` (or
# pays, land), and CSL's ``publisher-place: Brussels`` for items whose type has no place.
_EXTRA_COUNTRY = re.compile(r"^\s*(?:country|pays|land)\s*:\s*(\S.*?)\s*$", re.I | re.M)
_EXTRA_PLACE = re.compile(r"^\s*(?:publisher-place|place)\s*:\s*(\S.*?)\s*$", re.I | re.M)


def _extra_line(pattern: re.Pattern[str], extra: str) -> str:
    found = pattern.search(extra)
    return found.group(1) if found else ""


def _described(data: Mapping[str, Any], kind: str) -> list[tuple[str, str]]:
    """Return who made the item, its title, where and when it was published."""
    role, creators = _creators(data)
    out: list[tuple[str, str]] = []
    if creators:
        out.append((role, " and ".join(_name(c) for c in creators)))
    if data.get("title"):
        out.append(("title", _rich(str(data["title"]))))
    container = next((data[k] for k in _CONTAINER.get(kind, ()) if data.get(k)), "")
    if container:
        out.append(({"article": "journal"}.get(kind, "booktitle"), _rich(str(container))))
    issuer = data.get("institution") or data.get("university") or data.get("publisher")
    if issuer:
        out.append((_ISSUER.get(kind, "publisher"), _escape(issuer)))
    extra = str(data.get("extra") or "")
    place = data.get("place") or _extra_line(_EXTRA_PLACE, extra)
    if place:
        out.append(("address", _escape(place)))
    country = data.get("country") or _extra_line(_EXTRA_COUNTRY, extra)
    if country:
        out.append(("country", _escape(country)))
    if _year(data):
        out.append(("year", _year(data)))
    return out


def _numbers(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Return volume, number, pages and the other identifiers, each BibTeX field once."""
    out: list[tuple[str, str]] = []
    for field, name in _NUMBERS:
        value = str(data.get(field) or "").strip()
        if value and name not in {n for n, _ in out}:
            out.append((name, value if name in ("doi", "url") else _escape(value)))
    return out


def _fields(data: Mapping[str, Any], files: Sequence[str], langid: str) -> list[tuple[str, str]]:
    kind = _entry_type(data)
    out = _described(data, kind) + _numbers(data)
    if kind == "misc" and data.get("itemType"):
        out.append(("type", _escape(data["itemType"])))
    if langid:
        out.append(("langid", langid))
    tags = sorted({str(t.get("tag")) for t in data.get("tags") or () if t.get("tag")})
    if tags:
        out.append(("keywords", _escape(", ".join(tags))))
    if files:
        out.append(("file", ";".join(files)))
    return out


def render_bibtex(
    items: Iterable[Mapping[str, Any]],
    keys: Mapping[str, str],
    *,
    files: Mapping[str, Sequence[str]] | None = None,
    languages: Mapping[str, str] | None = None,
    header: str = "",
) -> str:
    """Return BibTeX text for regular items (``data`` dicts), sorted by citation key.

    ``files`` maps a Zotero key to the registered file paths of the item; ``languages`` maps a
    Zotero key to fr, nl or en (written as ``langid``); ``header`` becomes a leading comment.
    """
    files, languages = files or {}, languages or {}
    entries = []
    for data in items:
        zkey = str(data["key"])
        lang = _LANGID.get(languages.get(zkey, ""), "")
        body = "".join(f"  {n} = {{{v}}},\n" for n, v in _fields(data, files.get(zkey, ()), lang))
        entries.append((keys[zkey], f"@{_entry_type(data)}{{{keys[zkey]},\n{body}}}\n"))
    entries.sort()
    head = "".join(f"% {line}\n" for line in header.splitlines()) + ("\n" if header else "")
    return head + "\n".join(text for _, text in entries)
