"""Load and validate codebook.yml: codes, facets, labels in fr/nl/en, patterns and vetoes.

Validation happens at load, before any work: an unknown key, a duplicate id, an unknown facet,
a missing label or an invalid pattern stops with a :class:`CodebookError` naming the file, the
line and the code id. Line numbers come from the YAML composer's node marks.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from evidence.coding._patterns import (
    STEMMERS,
    Pattern,
    PatternError,
    Phrases,
    parse_pattern,
    parse_phrases,
)
from evidence.errors import CodebookError


def _stemmer_version() -> str:
    try:
        return _dist_version("snowballstemmer")
    except PackageNotFoundError:  # run from a source tree without metadata
        return "unknown"


#: The stemmers code words, so their version is part of every codebook's: another
#: snowballstemmer (whose Dutch and French stemmers change between versions) recodes.
_STEMMER_VERSION = _stemmer_version()

__all__ = ["Codebook", "Code", "PatternEntry", "SkipRule", "load_codebook", "parse_codebook"]

_TOP_KEYS = {
    "version",
    "languages",
    "facets",
    "lists",
    "vetoes",
    "skip",
    "tags",
    "codes",
    "description",
}
_SKIP_KEYS = {"min_matches", "min_numbers", "min_words", "patterns"}
_CODE_KEYS = {"facet", "labels", "definition", "include", "exclude", "patterns", "vetoes"}
_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_ANY_LANG = "any"


@dataclass(frozen=True, slots=True)
class PatternEntry:
    """One pattern as written in the codebook: its language (or ``any``), text and line."""

    lang: str
    source: str
    line: int
    pattern: Pattern = field(compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Code:
    """One code of the codebook with its labels, notes, patterns and vetoes."""

    id: str
    facet: str
    labels: dict[str, str]
    definition: str
    include: str = ""
    exclude: str = ""
    patterns: tuple[PatternEntry, ...] = ()
    vetoes: tuple[PatternEntry, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class SkipRule:
    """Passages that are not coded: fewer than ``min_words`` words, ``min_matches`` hits of
    ``patterns`` (reference lists, tables of contents), or ``min_numbers`` page numbers (a
    table of contents or an index whose dotted leaders were lost)."""

    patterns: tuple[PatternEntry, ...] = ()
    min_matches: int = 0
    min_words: int = 0
    min_numbers: int = 0


@dataclass(frozen=True)
class Codebook:
    """A validated codebook; ``version`` is the declared version, a hash of the file and the
    stemmer's version (``2.1+0123456789+snowball-3.1.1``)."""

    path: str
    version: str
    languages: tuple[str, ...]
    facets: tuple[str, ...]
    facet_labels: dict[str, dict[str, str]]
    codes: dict[str, Code]
    tag_map: dict[str, str]
    vetoes: tuple[PatternEntry, ...] = ()
    skip: SkipRule = SkipRule()
    description: str = ""

    def codes_of(self, facet: str) -> list[Code]:
        """Return the codes of ``facet`` in codebook order."""
        return [c for c in self.codes.values() if c.facet == facet]

    def label(self, code_id: str, lang: str) -> str:
        """Return the label of a code in ``lang`` (English, then the id, when missing)."""
        code = self.codes.get(code_id)
        if code is None:
            return code_id
        return code.labels.get(lang) or code.labels.get("en") or code_id

    def facet_label(self, facet: str, lang: str) -> str:
        """Return the heading of a facet in ``lang`` (English, then the facet id, when missing)."""
        labels = self.facet_labels.get(facet, {})
        return labels.get(lang) or labels.get("en") or facet


def load_codebook(path: str | Path, *, cache: Path | None = None) -> Codebook:
    """Return the codebook read from ``path``; raise :class:`CodebookError` when invalid.

    With ``cache`` (a folder), the parsed codebook is kept there by the hash of its text and
    of this parser, so a build where the codebook did not change does not parse it again.
    """
    where = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise CodebookError(f"cannot read the codebook ({err.strerror})", path=where) from err
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CodebookError("the codebook is not UTF-8: save it as UTF-8", path=where) from err
    if cache is None:
        return _parse_once(text, where)
    key = hashlib.sha256(f"{_parser_hash()}\0{where}\0{text}".encode()).hexdigest()[:32]
    kept = cache / f"codebook-{key}.pickle"
    try:
        with open(kept, "rb") as fh:
            found = pickle.load(fh)  # noqa: S301 - written by this function, beside the store
        if isinstance(found, Codebook):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass  # absent or from another version: parse again and replace it
    codebook = _parse_once(text, where)
    try:
        cache.mkdir(parents=True, exist_ok=True)
        for old in cache.glob("codebook-*.pickle"):
            old.unlink(missing_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(codebook, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, kept)
    except OSError:
        pass  # a cache that cannot be written only costs the next run a parse
    return codebook


@lru_cache(maxsize=1)
def _parser_hash() -> str:
    """A hash of the modules that parse a codebook: a changed parser ignores old caches."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("_codebook.py", "_patterns.py", "_rules.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=4)
def _parse_once(text: str, path: str) -> Codebook:
    # A build reads the codebook in several stages; the same text parses to the same frozen
    # codebook, so it is parsed once per process (a second or more on a large codebook).
    return parse_codebook(text, path=path)


def parse_codebook(text: str, path: str = "<codebook>") -> Codebook:
    """Return the codebook parsed from YAML ``text``; ``path`` names it in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        raise CodebookError(f"invalid YAML: {err.problem}", path=path, line=line) from err
    except yaml.YAMLError as err:  # a character YAML does not allow (a control character)
        raise CodebookError(
            f"not YAML text ({err}); retype the character it names, or restore the file",
            path=path,
        ) from err
    if root is None:
        raise CodebookError("the codebook is empty", path=path)
    return _Reader(path).read(root, hashlib.sha256(text.encode("utf-8")).hexdigest())


class _Reader:
    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, message: str, node: Node | None, code: str = "") -> CodebookError:
        line = node.start_mark.line + 1 if node is not None else None
        return CodebookError(message, path=self.path, line=line, code=code)

    def mapping(self, node: Node, what: str, code: str = "") -> dict[str, tuple[Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.fail(f"{what} must be a mapping (key: value)", node, code)
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = self.scalar(key, f"a key of {what}", code)
            if name in out:
                raise self.fail(f"duplicate key {name!r} in {what}", key, code or name)
            out[name] = (key, value)
        return out

    def scalar(self, node: Node, what: str, code: str = "") -> str:
        if not isinstance(node, ScalarNode):
            raise self.fail(f"{what} must be a single value", node, code)
        return str(node.value).strip()

    def items(self, node: Node, what: str, code: str = "") -> Iterator[Node]:
        if isinstance(node, ScalarNode) and node.value in ("", "~", "null"):
            return iter(())
        if not isinstance(node, SequenceNode):
            raise self.fail(f"{what} must be a list (- item)", node, code)
        return iter(node.value)

    def check_keys(
        self, found: dict[str, tuple[Node, Node]], allowed: set[str], what: str, code: str = ""
    ) -> None:
        for name, (key, _) in found.items():
            if name not in allowed:
                raise self.fail(
                    f"unknown key {name!r} in {what}; expected one of {', '.join(sorted(allowed))}",
                    key,
                    code,
                )

    def read(self, root: Node, digest: str) -> Codebook:
        top = self.mapping(root, "the codebook")
        self.check_keys(top, _TOP_KEYS, "the codebook")
        for required in ("version", "languages", "facets", "codes"):
            if required not in top:
                raise self.fail(f"missing top-level key {required!r}", root)
        declared = self.scalar(top["version"][1], "version")
        languages = self.languages(top["languages"][1])
        facet_labels = self.facets(top["facets"][1], languages)
        self.tables: dict[str, dict[str, Phrases]] = {lang: {} for lang in (*languages, _ANY_LANG)}
        if "lists" in top:
            self.lists(top["lists"][1], languages)
        vetoes: tuple[PatternEntry, ...] = ()
        if "vetoes" in top:
            vetoes = self.patterns(top["vetoes"][1], languages, "vetoes", "")
        skip = self.skip(top["skip"][1], languages) if "skip" in top else SkipRule()
        codes: dict[str, Code] = {}
        for name, (key, value) in self.mapping(top["codes"][1], "codes").items():
            codes[name] = self.code(name, key, value, languages, facet_labels)
        if not codes:
            raise self.fail("the codebook has no codes", top["codes"][1])
        tags = self.tags(top["tags"][1], codes) if "tags" in top else {}
        description = (
            self.scalar(top["description"][1], "description") if "description" in top else ""
        )
        return Codebook(
            path=self.path,
            version=f"{declared}+{digest[:10]}+snowball-{_STEMMER_VERSION}",
            languages=languages,
            facets=tuple(facet_labels),
            facet_labels=facet_labels,
            codes=codes,
            tag_map=tags,
            vetoes=vetoes,
            skip=skip,
            description=description,
        )

    def languages(self, node: Node) -> tuple[str, ...]:
        langs = tuple(self.scalar(n, "a language") for n in self.items(node, "languages"))
        for n, lang in zip(self.items(node, "languages"), langs, strict=True):
            if lang not in STEMMERS:
                raise self.fail(f"unsupported language {lang!r}; use {sorted(STEMMERS)}", n)
        if not langs:
            raise self.fail("languages must list at least one language (fr, nl, en)", node)
        return langs

    def labels(
        self, node: Node, languages: tuple[str, ...], what: str, code: str = ""
    ) -> dict[str, str]:
        found = self.mapping(node, what, code)
        self.check_keys(found, set(languages), what, code)
        labels = {lang: self.scalar(found[lang][1], f"{what} {lang}", code) for lang in found}
        missing = [lang for lang in languages if not labels.get(lang)]
        if missing:
            raise self.fail(f"{what} lacks a label in {', '.join(missing)}", node, code)
        return labels

    def facets(self, node: Node, languages: tuple[str, ...]) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for name, (key, value) in self.mapping(node, "facets").items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise self.fail(f"facet {name!r} must be lowercase letters, digits or _", key)
            out[name] = self.labels(value, languages, f"facet {name}")
        return out

    def code(
        self,
        name: str,
        key: Node,
        node: Node,
        languages: tuple[str, ...],
        facet_labels: dict[str, dict[str, str]],
    ) -> Code:
        if not _ID.fullmatch(name):
            raise self.fail(
                "a code id is lowercase segments joined by dots (form.physical)", key, name
            )
        found = self.mapping(node, f"code {name}", name)
        self.check_keys(found, _CODE_KEYS, f"code {name}", name)
        facet = self.facet_of(name, key, found, facet_labels)
        for required in ("labels", "definition"):
            if required not in found:
                raise self.fail(f"missing {required!r}", key, name)
        definition = self.scalar(found["definition"][1], "definition", name)
        if not definition:
            raise self.fail("the definition is empty", found["definition"][1], name)
        text = {k: self.scalar(found[k][1], k, name) for k in ("include", "exclude") if k in found}
        patterns: tuple[PatternEntry, ...] = ()
        vetoes: tuple[PatternEntry, ...] = ()
        if "patterns" in found:
            patterns = self.patterns(found["patterns"][1], languages, "patterns", name)
        if "vetoes" in found:
            vetoes = self.patterns(found["vetoes"][1], languages, "vetoes", name)
        return Code(
            id=name,
            facet=facet,
            labels=self.labels(found["labels"][1], languages, "labels", name),
            definition=definition,
            include=text.get("include", ""),
            exclude=text.get("exclude", ""),
            patterns=patterns,
            vetoes=vetoes,
            line=key.start_mark.line + 1,
        )

    def facet_of(
        self,
        name: str,
        key: Node,
        found: dict[str, tuple[Node, Node]],
        facet_labels: dict[str, dict[str, str]],
    ) -> str:
        """Return the facet of code ``name``, the first segment of its id, once checked."""
        facet = name.split(".", 1)[0]
        if facet not in facet_labels:
            raise self.fail(f"unknown facet {facet!r}: declare it under facets", key, name)
        if "facet" in found and self.scalar(found["facet"][1], "facet", name) != facet:
            raise self.fail(
                f"facet must be {facet!r}, the first segment of the id", found["facet"][1], name
            )
        return facet

    def skip(self, node: Node, languages: tuple[str, ...]) -> SkipRule:
        found = self.mapping(node, "skip")
        self.check_keys(found, _SKIP_KEYS, "skip")
        numbers: dict[str, int] = {}
        for key in ("min_matches", "min_numbers", "min_words"):
            if key in found:
                raw = self.scalar(found[key][1], f"skip {key}")
                if not raw.isdigit():
                    raise self.fail(
                        f"skip {key} must be a whole number, not {raw!r}", found[key][1]
                    )
                numbers[key] = int(raw)
        patterns: tuple[PatternEntry, ...] = ()
        if "patterns" in found:
            patterns = self.patterns(found["patterns"][1], languages, "skip patterns", "")
            if numbers.get("min_matches", 0) < 1:
                raise self.fail("skip patterns need min_matches (1 or more)", node)
        return SkipRule(
            patterns,
            numbers.get("min_matches", 0),
            numbers.get("min_words", 0),
            numbers.get("min_numbers", 0),
        )

    def lists(self, node: Node, languages: tuple[str, ...]) -> None:
        for name, (key, value) in self.mapping(node, "lists").items():
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise self.fail(f"list name {name!r} must be lowercase letters, digits or _", key)
            found = self.mapping(value, f"list {name}")
            self.check_keys(found, {*languages, _ANY_LANG}, f"list {name}")
            per_lang: dict[str, list[tuple]] = {}
            for lang in (_ANY_LANG, *languages):
                per_lang[lang] = []
                if lang not in found:
                    continue
                for item in self.items(found[lang][1], f"list {name} {lang}"):
                    source = self.scalar(item, f"an item of list {name} {lang}")
                    try:
                        per_lang[lang].extend(parse_phrases(source, self.tables[lang]))
                    except PatternError as err:
                        raise self.fail(
                            f"list {name} ({lang}), item {source!r}: {err}", item
                        ) from err
            union: list[tuple] = list(per_lang[_ANY_LANG])
            for lang in languages:
                phrases = tuple(dict.fromkeys(per_lang[lang] + per_lang[_ANY_LANG]))
                self.tables[lang][name] = phrases
                union.extend(phrases)
            self.tables[_ANY_LANG][name] = tuple(dict.fromkeys(union))

    def patterns(
        self, node: Node, languages: tuple[str, ...], what: str, code: str
    ) -> tuple[PatternEntry, ...]:
        found = self.mapping(node, what, code)
        self.check_keys(found, {*languages, _ANY_LANG}, what, code)
        out: list[PatternEntry] = []
        for lang, (_, value) in found.items():
            for item in self.items(value, f"{what} {lang}", code):
                source = self.scalar(item, f"a pattern in {what} {lang}", code)
                try:
                    pattern = parse_pattern(source, self.tables[lang])
                except PatternError as err:
                    raise self.fail(
                        f"invalid pattern {source!r} ({lang}): {err}", item, code
                    ) from err
                out.append(PatternEntry(lang, source, item.start_mark.line + 1, pattern))
        return tuple(out)

    def tags(self, node: Node, codes: dict[str, Code]) -> dict[str, str]:
        out: dict[str, str] = {}
        for tag, (_, value) in self.mapping(node, "tags").items():
            target = self.scalar(value, f"tag {tag}")
            if target not in codes:
                raise self.fail(f"tag {tag!r} points to unknown code {target!r}", value, target)
            out[tag] = target
        return out
