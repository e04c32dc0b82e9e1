"""Workbook settings: ``evidence.toml`` and the paths it names, anchored at the workbook root.

Only this module, the store and the command layer know about paths. Settings are
validated when loaded: an unknown key or a wrong type stops with the file, the key
and what to change, before any work is done.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evidence.errors import ConfigError
from evidence.files import NotTextError, decode_text
from evidence.i18n import LANGUAGES

__all__ = [
    "CONFIG_NAME",
    "EVIDENCE_KINDS",
    "PAPERS",
    "Chapter",
    "FieldworkSettings",
    "Settings",
    "ZoteroSettings",
    "find_root",
    "load_settings",
    "read_secret",
]

CONFIG_NAME = "evidence.toml"


@dataclass(frozen=True)
class ZoteroSettings:
    """Where the Zotero library lives; the API key is never part of the settings."""

    library_id: str = ""
    library_type: str = "user"
    collection: str = ""
    local: bool = False
    endpoint: str = ""
    storage: str = ""
    colours: dict[str, str] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        """True when a library is named (or the local API is asked for)."""
        return bool(self.library_id) or self.local


@dataclass(frozen=True)
class FieldworkSettings:
    """Where field notes, the coordinator's names list and the re-identification key live."""

    folder: Path = Path("data/fieldwork")
    names: Path = Path("data/private/names.txt")
    key: Path = Path("data/private/pseudonym-key.csv")


@dataclass(frozen=True)
class Chapter:
    """One report chapter: its scope, narrative and language."""

    id: str
    title: dict[str, str]
    rows: str = "form"
    cols: str = "cons"
    codes: tuple[str, ...] = ()
    narrative: str = ""
    language: str = ""
    quotes: int = 12
    #: which evidence the chapter counts: "literature" (the default), "field" or "both"
    evidence: str = "literature"
    #: count only codings a person confirmed (accepted, added, or tagged in Zotero)
    confirmed_only: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        """Return the source kinds the chapter counts (empty: every kind)."""
        return () if self.evidence == "both" else (self.evidence,)

    def title_in(self, lang: str) -> str:
        """Return the title in ``lang``, falling back to any title given."""
        return self.title.get(lang) or next(iter(self.title.values()), self.id)


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about the workbook, with absolute paths."""

    root: Path
    name: str = "evidence workbook"
    language: str = "fr"
    bibliography: Path = Path("references.bib")
    pdf_dirs: tuple[Path, ...] = ()
    codebook: Path = Path("codebook.yml")
    decisions: Path = Path("data/coding-decisions.csv")
    store: Path = Path("data/evidence.sqlite")
    reports: Path = Path("reports")
    notebooks: Path = Path("notebooks")
    chapter_template: Path = Path("notebooks/chapter_template.ipynb")
    jobs: int = 0
    timeout: float = 120.0
    ocr: bool = False
    coded_sections: tuple[str, ...] = ("body", "abstract", "footnote", "caption")
    #: the coder's learned layer: this file when it exists, else the model shipped with the
    #: package; None (``model = "none"``) codes with the rules alone
    model: Path | None = Path("data/coder-model.json")
    zotero: ZoteroSettings = field(default_factory=ZoteroSettings)
    chapters: tuple[Chapter, ...] = ()
    fieldwork: FieldworkSettings = field(default_factory=FieldworkSettings)
    paper: str = "a4"
    countries: dict[str, str] = field(default_factory=dict)

    def path(self, relative: str | Path) -> Path:
        """Return ``relative`` resolved against the workbook root."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.root / p

    def relative(self, path: str | Path) -> str:
        """Return ``path`` relative to the root when it lies inside it (POSIX separators)."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return p.as_posix()


_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "workbook": {
        "name": str,
        "language": str,
        "bibliography": str,
        "pdf_dirs": list,
        "codebook": str,
        "decisions": str,
        "store": str,
        "reports": str,
        "notebooks": str,
        "chapter_template": str,
        "model": str,
    },
    "extract": {"jobs": int, "timeout": (int, float), "ocr": bool, "coded_sections": list},
    "zotero": {
        "library_id": (str, int),
        "library_type": str,
        "collection": str,
        "local": bool,
        "endpoint": str,
        "storage": str,
        "colours": dict,
    },
    "fieldwork": {"folder": str, "names": str, "key": str},
    "report": {"paper": str},
}
PAPERS = ("a4", "letter")
_CHAPTER_KEYS: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "title": (str, dict),
    "rows": str,
    "cols": str,
    "codes": list,
    "narrative": str,
    "language": str,
    "quotes": int,
    "evidence": str,
    "confirmed_only": bool,
}
EVIDENCE_KINDS = ("literature", "field", "both")
_CHAPTER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


_PATH_KEYS = (
    "bibliography",
    "codebook",
    "decisions",
    "store",
    "reports",
    "notebooks",
    "chapter_template",
)


def find_root(start: str | Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` holding ``evidence.toml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise ConfigError(
        f"no {CONFIG_NAME} in {here} or any parent folder: run the command inside a workbook "
        "(the folder that holds evidence.toml)"
    )


def _check(table: Any, schema: dict[str, Any], where: str, path: Path) -> None:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{where}] must be a table of 'key = value' lines")
    for key, value in table.items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise ConfigError(f"{path}: unknown key '{key}' in [{where}]; known keys: {known}")
        expected = schema[key] if isinstance(schema[key], tuple) else (schema[key],)
        if not isinstance(value, schema[key]) or (isinstance(value, bool) and bool not in expected):
            raise ConfigError(
                f"{path}: [{where}] {key} = {value!r} has the wrong type; "
                f"expected {_type_name(schema[key])}"
            )
        inner = value.values() if isinstance(value, dict) else value
        if isinstance(value, list | dict) and not all(isinstance(v, str) for v in inner):
            raise ConfigError(
                f"{path}: [{where}] {key} = {value!r}: every value in it must be a string "
                'in quotes ("...")'
            )


def _type_name(t: type | tuple[type, ...]) -> str:
    types = t if isinstance(t, tuple) else (t,)
    names = {
        "str": "a string",
        "int": "a whole number",
        "float": "a number",
        "bool": "true or false",
    }
    return " or ".join(names.get(x.__name__, f"a {x.__name__}") for x in types)


def _chapter(raw: dict[str, Any], index: int, path: Path, default_lang: str) -> Chapter:
    _check(raw, _CHAPTER_KEYS, f"chapters[{index}]", path)
    if "id" not in raw:
        raise ConfigError(f'{path}: [[chapters]] number {index + 1} has no id; add id = "..."')
    if not _CHAPTER_ID.fullmatch(raw["id"]):
        raise ConfigError(
            f'{path}: [[chapters]] id = "{raw["id"]}": chapter ids name the files in reports/; '
            "use letters, digits, - and _ only"
        )
    title = raw.get("title", raw["id"])
    titles = (
        {default_lang: title}
        if isinstance(title, str)
        else {str(k): str(v) for k, v in title.items()}
    )
    lang = raw.get("language", default_lang)
    if lang not in LANGUAGES:
        raise ConfigError(
            f"{path}: chapter {raw['id']}: language '{lang}' is not one of fr, nl, en"
        )
    evidence = raw.get("evidence", "literature")
    if evidence not in EVIDENCE_KINDS:
        raise ConfigError(
            f'{path}: chapter {raw["id"]}: evidence = "{evidence}"; write "literature", '
            '"field" or "both"'
        )
    return Chapter(
        id=raw["id"],
        title=titles,
        rows=raw.get("rows", "form"),
        cols=raw.get("cols", "cons"),
        codes=tuple(raw.get("codes", ())),
        narrative=raw.get("narrative", ""),
        language=lang,
        quotes=raw.get("quotes", 12),
        evidence=evidence,
        confirmed_only=raw.get("confirmed_only", False),
    )


def _read_config(path: Path) -> dict[str, Any]:
    """Parse ``evidence.toml`` and check its tables and the keys and types in them."""
    try:
        raw = tomllib.loads(decode_text(path.read_bytes()).text)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from exc
    except NotTextError as exc:
        raise ConfigError(f"{path}: {exc} (TOML files are UTF-8)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the line it names") from exc
    allowed = {*_SCHEMA, "chapters", "countries"}
    for key in raw:
        if key not in allowed:
            raise ConfigError(
                f"{path}: unknown table [{key}]; known tables: {', '.join(sorted(allowed))}"
            )
    for name, schema in _SCHEMA.items():
        _check(raw.get(name, {}), schema, name, path)
    for key, value in raw.get("countries", {}).items():
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"{path}: [countries] {key} = {value!r}; write the country of that source as "
                'text, e.g. dubois2021 = "BE" or "Belgique"'
            )
    paper = raw.get("report", {}).get("paper", "a4")
    if paper.lower() not in PAPERS:
        raise ConfigError(
            f'{path}: [report] paper = "{paper}" is not one of {", ".join(PAPERS)}; write "a4"'
        )
    if not isinstance(raw.get("chapters", []), list):
        raise ConfigError(f"{path}: chapters must be [[chapters]] tables")
    return raw


def _chapters(raw: list[Any], path: Path, default_lang: str) -> tuple[Chapter, ...]:
    """Read the [[chapters]] tables, whose ids must be unique."""
    chapters = tuple(_chapter(c, i, path, default_lang) for i, c in enumerate(raw))
    ids = [c.id for c in chapters]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"{path}: two [[chapters]] share an id; chapter ids must be unique")
    return chapters


def _zotero_settings(zt: dict[str, Any]) -> ZoteroSettings:
    return ZoteroSettings(
        library_id=str(zt.get("library_id", "")),
        library_type=zt.get("library_type", "user"),
        collection=zt.get("collection", ""),
        local=zt.get("local", False),
        endpoint=zt.get("endpoint", ""),
        storage=zt.get("storage", ""),
        colours={str(k): str(v) for k, v in zt.get("colours", {}).items()},
    )


def _fieldwork_settings(fw: dict[str, Any], base: Path) -> FieldworkSettings:
    return FieldworkSettings(
        **{k: base / fw.get(k, getattr(FieldworkSettings, k)) for k in ("folder", "names", "key")}
    )


def _check_extract(ex: dict[str, Any], path: Path) -> None:
    """Refuse a negative number of workers and a time limit that is not a positive number."""
    if ex.get("jobs", 0) < 0:
        raise ConfigError(
            f"{path}: [extract] jobs = {ex['jobs']}; give the number of worker processes "
            "(1 or more), or 0 for one per core"
        )
    if "timeout" in ex and not ex["timeout"] > 0:
        raise ConfigError(
            f"{path}: [extract] timeout = {ex['timeout']}; give the seconds a document may "
            "take, more than 0 (120 by default)"
        )


# Settings naming a file, and those naming a folder: an existing one of the other kind is
# refused before anything tries to open, create or replace it.
_FILE_KEYS = ("bibliography", "codebook", "decisions", "store", "chapter_template")
_FOLDER_KEYS = ("reports", "notebooks")


def _check_paths(paths: dict[str, Path], path: Path, base: Path) -> None:
    for key, value in paths.items():
        shown = value.relative_to(base) if value.is_relative_to(base) else value
        if key in _FILE_KEYS and value.is_dir():
            raise ConfigError(
                f'{path}: [workbook] {key} = "{shown.as_posix()}" is a folder; give the path of '
                f"a file (the default is {getattr(Settings, key).as_posix()})"
            )
        if key in _FOLDER_KEYS and value.exists() and not value.is_dir():
            raise ConfigError(
                f'{path}: [workbook] {key} = "{shown.as_posix()}" is a file, not a folder; '
                "move the file away or give another folder"
            )


def load_settings(root: str | Path | None = None) -> Settings:
    """Read ``evidence.toml`` of the workbook at (or above) ``root`` and return its settings."""
    base = find_root(root)
    path = base / CONFIG_NAME
    raw = _read_config(path)
    wb, ex, zt = raw.get("workbook", {}), raw.get("extract", {}), raw.get("zotero", {})
    language = wb.get("language", "fr")
    if language not in LANGUAGES:
        raise ConfigError(f"{path}: [workbook] language '{language}' is not one of fr, nl, en")
    if zt.get("library_type", "user") not in ("user", "group"):
        raise ConfigError(f'{path}: [zotero] library_type must be "user" or "group"')
    _check_extract(ex, path)
    chapters = _chapters(raw.get("chapters", []), path, language)
    # Every path setting defaults to the dataclass default, resolved against the root.
    paths = {name: base / wb.get(name, getattr(Settings, name)) for name in _PATH_KEYS}
    _check_paths(paths, path, base)
    return Settings(
        root=base,
        name=wb.get("name", Settings.name),
        language=language,
        pdf_dirs=tuple(base / d for d in wb.get("pdf_dirs", ["data/pdfs"])),
        **paths,
        jobs=ex.get("jobs", 0),
        timeout=float(ex.get("timeout", 120.0)),
        ocr=ex.get("ocr", False),
        coded_sections=tuple(ex.get("coded_sections", Settings.coded_sections)),
        model=_model_path(wb.get("model", "data/coder-model.json"), base),
        zotero=_zotero_settings(zt),
        chapters=chapters,
        fieldwork=_fieldwork_settings(raw.get("fieldwork", {}), base),
        paper=raw.get("report", {}).get("paper", "a4").lower(),
        countries={str(k): " ".join(v.split()) for k, v in raw.get("countries", {}).items()},
    )


def _model_path(value: str, base: Path) -> Path | None:
    return None if value.strip().lower() in ("", "none") else base / value


def read_secret(name: str, root: str | Path | None = None) -> str:
    """Return secret ``name`` from the environment, else from the workbook's git-ignored ``.env``.

    Returns "" when it is set nowhere. The value is never logged by the workbook.
    """
    value = os.environ.get(name, "")
    if value:
        return value
    env = Path(root or Path.cwd()) / ".env"
    if env.is_file():
        try:
            text = decode_text(env.read_bytes()).text
        except (OSError, NotTextError) as exc:
            raise ConfigError(f"{env}: {exc}") from exc
        for line in text.splitlines():
            key, sep, val = line.strip().partition("=")
            if sep and key.strip().removeprefix("export ").strip() == name:
                return val.strip().strip("'\"")
    return ""
