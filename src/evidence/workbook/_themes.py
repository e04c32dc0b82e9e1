"""Themes from the field: proposals, the coordinator's themes.yml, and an argument per theme.

``evidence themes`` proposes themes from the codes the field material raises together
(``evidence.analysis.compute_theme_proposals``), over the codings that count under the
decision rule of the matrices. The coordinator keeps, merges, renames or drops them in
``themes.yml``, which the workbook reads and never writes once it exists; each run records
its proposals in ``reports/themes/proposals.json`` so that the next one says what is new.
The arguments (``reports/themes/<id>.md``, ``.html``, ``.docx``) are written per theme of
``themes.yml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from evidence.analysis import (
    ThemeSettings,
    compute_theme_carriers,
    compute_theme_literature,
    compute_theme_passages,
    compute_theme_proposals,
    compute_theme_tensions,
    format_citation,
)
from evidence.coding import closest
from evidence.config import Settings
from evidence.errors import ConfigError
from evidence.files import write_atomic
from evidence.i18n import LANGUAGES
from evidence.report import (
    build_lock,
    discard_staging,
    publish_staging,
    render_theme_argument,
    stage_reports,
    write_theme_documents,
)
from evidence.store import Store, load_cell_frames

from ._workbook import Workbook

__all__ = [
    "THEMES_FILE",
    "Theme",
    "ThemeFile",
    "load_theme_file",
    "render_theme_file",
    "run_themes",
    "write_theme_arguments",
]

THEMES_FILE = "themes.yml"
_PROPOSALS = "proposals.json"
_SAME = 0.5  # a theme and a proposal sharing half their codes (Jaccard) are the same theme


@dataclass(frozen=True)
class Theme:
    """One theme the coordinator kept: id, name per language, codes, note, proposals merged."""

    id: str
    name: dict[str, str]
    codes: tuple[str, ...]
    note: str = ""
    merged: tuple[str, ...] = ()

    def title(self, lang: str) -> str:
        """Return the theme's name in ``lang`` (else French, English, Dutch, else its id)."""
        for candidate in (lang, "fr", "en", "nl"):
            if self.name.get(candidate):
                return self.name[candidate]
        return self.id


@dataclass(frozen=True)
class ThemeFile:
    """themes.yml: the themes kept, and the proposals dropped (by id)."""

    themes: tuple[Theme, ...] = ()
    dropped: tuple[str, ...] = ()
    exists: bool = False
    path: Path = field(default_factory=lambda: Path(THEMES_FILE))


def _problem(path: Path, where: str, what: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {what}")


def _read_theme(path: Path, n: int, entry: Any, known: set[str]) -> Theme:
    where = f"theme {n}"
    if not isinstance(entry, dict):
        raise _problem(path, where, "each theme is a mapping with id, name, codes and note")
    tid = str(entry.get("id") or "").strip()
    if not tid or any(c in tid for c in "/\\ ") or tid.startswith("."):
        raise _problem(path, where, "give it an id of letters, digits and hyphens (no spaces)")
    where = f"theme '{tid}'"
    name = entry.get("name") or {}
    if isinstance(name, str):
        name = {"fr": name}
    if not isinstance(name, dict) or set(name) - set(LANGUAGES):
        raise _problem(path, where, "name is a text or {fr: ..., nl: ..., en: ...}")
    codes = entry.get("codes")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise _problem(path, where, "codes is a list of codebook codes, such as [form.verbal]")
    for code in codes:
        if code not in known:
            hint = closest(code, sorted(known))
            raise _problem(path, where, f"code '{code}' is not in the codebook{hint}")
    merged = entry.get("from") or []
    merged = [merged] if isinstance(merged, str) else merged
    return Theme(
        id=tid,
        name={str(k): str(v) for k, v in name.items() if v},
        codes=tuple(dict.fromkeys(codes)),
        note=str(entry.get("note") or "").strip(),
        merged=tuple(str(m) for m in merged),
    )


def load_theme_file(path: Path, known_codes: set[str]) -> ThemeFile:
    """Return themes.yml read and checked (an empty ThemeFile when it does not exist).

    Raises ConfigError naming the file, the line or the theme, and what to change.
    """
    if not path.is_file():
        return ThemeFile(path=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "YAML"
        raise _problem(path, line, f"{getattr(exc, 'problem', exc)}; fix the YAML") from exc
    if not isinstance(data, dict):
        raise _problem(path, "top level", "expected 'themes:' (a list) and 'dropped:'")
    entries = data.get("themes") or []
    if not isinstance(entries, list):
        raise _problem(path, "themes", "a list of themes, each starting with '- id: ...'")
    themes = [_read_theme(path, n, e, known_codes) for n, e in enumerate(entries, start=1)]
    ids = [t.id for t in themes]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise _problem(path, f"theme '{twice[0]}'", "two themes share this id; rename one")
    dropped = data.get("dropped") or []
    if not isinstance(dropped, list):
        raise _problem(path, "dropped", "a list of proposal ids, such as [police-street]")
    return ThemeFile(tuple(themes), tuple(str(d) for d in dropped), True, path)


def _jaccard(a: tuple[str, ...] | list[str], b: tuple[str, ...] | list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def _kept_by(proposal: pd.Series, themes: tuple[Theme, ...]) -> str:
    """The id of the coordinator's theme that took up ``proposal`` ("" when none did)."""
    for theme in themes:
        if proposal["theme"] in (theme.id, *theme.merged):
            return theme.id
    best = max(themes, key=lambda t: _jaccard(t.codes, proposal["codes"]), default=None)
    if best is not None and _jaccard(best.codes, proposal["codes"]) >= _SAME:
        return best.id
    return ""


def render_theme_file(proposals: pd.DataFrame, labels: dict[str, dict[str, str]]) -> str:
    """Return a first themes.yml holding every proposal, for the coordinator to edit."""
    head = (
        "# Themes of the exploration phase: the coordinator's file. `evidence themes` proposes\n"
        "# themes from the field and never writes this file again; keep, merge (list the codes\n"
        "# and the proposals under `from`), rename or drop (move the id to `dropped`) them.\n"
    )
    # Written by hand so that names read one per line and codes on one line; JSON strings
    # are valid YAML scalars.
    lines = ["themes:"]
    for _, row in proposals.iterrows():
        lines += [f"  - id: {row['theme']}", "    name:"]
        lines += [
            f"      {lang}: "
            + json.dumps(
                " · ".join(labels[lang].get(c, c) for c in row["core"]), ensure_ascii=False
            )
            for lang in LANGUAGES
        ]
        lines += [
            f"    codes: [{', '.join(row['codes'])}]",
            '    note: ""',
            f"    from: [{row['theme']}]",
        ]
    return head + "\n".join([*lines, "dropped: []", ""])


def _previous(folder: Path) -> dict[str, Any]:
    path = folder / _PROPOSALS
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, json.JSONDecodeError):
        return {}  # a damaged record only costs the comparison; it is rewritten below


def _passages(
    wb: Workbook, codings: pd.DataFrame, sources: pd.DataFrame, codes: tuple[str, ...], lang: str
) -> pd.DataFrame:
    """The theme's field passages with their text, date and citation."""
    theme = compute_theme_passages(codings, sources, codes)
    if theme.empty:
        return theme.assign(id="", text="", item_type="", date="", citation="", page_label="")
    places, _ = load_cell_frames(wb.store, theme["passage_id"], list(codes))
    places = places.set_index("rowid")
    meta = sources.set_index("key")
    dates = wb.store.field_dates()
    out = theme.join(places[["id", "page_label", "text", "section"]], on="passage_id")
    out = out[out["section"] != "question"]
    out["item_type"] = [str(meta.at[k, "item_type"]) for k in out["source_key"]]
    out["date"] = [dates.get(k, "") for k in out["source_key"]]
    out["citation"] = [
        format_citation(
            meta.at[k, "authors"],
            meta.at[k, "year"],
            str(p or ""),
            style="parenthetical",
            lang=lang,
            kind="field",
            item_type=t,
        )
        for k, p, t in zip(out["source_key"], out["page_label"], out["item_type"], strict=True)
    ]
    return out.reset_index(drop=True)


def _describe(
    codes: tuple[str, ...], codings: pd.DataFrame, sources: pd.DataFrame, s: ThemeSettings
) -> dict[str, Any]:
    """What the summary says of one group of codes: literature, carriers, tensions."""
    carriers = compute_theme_carriers(codings, sources, codes)
    tensions = compute_theme_tensions(codings, sources, codes)
    return {
        "literature": compute_theme_literature(codings, sources, codes, s),
        "carriers": [
            {**r, "codes": list(r["codes"]), "sectors": list(r["sectors"])}
            for r in carriers.to_dict("records")
        ],
        "tensions": [
            {
                "code": r["code"],
                "theme_code": bool(r["theme_code"]),
                "with": list(r["with"]),
                "without": list(r["without"]),
            }
            for r in tensions.to_dict("records")
        ],
    }


@dataclass
class _Run:
    wb: Workbook
    codings: pd.DataFrame
    sources: pd.DataFrame
    settings: ThemeSettings
    lang: str


def _proposal_rows(run: _Run, proposals: pd.DataFrame, file: ThemeFile, before: dict) -> list:
    earlier = [tuple(p["codes"]) for p in before.get("proposals", [])]
    rows = []
    for _, p in proposals.iterrows():
        kept = _kept_by(p, file.themes)
        if kept:
            status = "kept"
        elif p["theme"] in file.dropped:
            status = "dropped"
        elif any(_jaccard(e, p["codes"]) >= _SAME for e in earlier):
            status = "open"
        else:
            status = "new"
        rows.append(
            {
                "id": p["theme"],
                "codes": list(p["codes"]),
                "organisations": list(p["organisations"]),
                "n_organisations": int(p["n_organisations"]),
                "interviews": int(p["interviews"]),
                "passages": int(p["passages"]),
                "strength": float(p["strength"]),
                "status": status,
                "theme": kept,
                **_describe(tuple(p["codes"]), run.codings, run.sources, run.settings),
            }
        )
    return rows


def _earlier(theme: Theme, before: dict) -> set[str] | None:
    """The organisations that raised ``theme`` at the last run: as a kept theme, else as the
    proposal it took up (None when the last run knew neither)."""
    for kept in before.get("themes", []):
        if kept["id"] == theme.id:
            return set(kept.get("organisations", []))
    proposals = before.get("proposals", [])
    best = max(proposals, key=lambda p: _jaccard(theme.codes, p["codes"]), default=None)
    if best is not None and _jaccard(theme.codes, best["codes"]) >= _SAME:
        return set(best.get("organisations", []))
    return None


def _theme_rows(run: _Run, file: ThemeFile, before: dict) -> list[dict[str, Any]]:
    rows = []
    for theme in file.themes:
        earlier = _earlier(theme, before)
        passages = compute_theme_passages(run.codings, run.sources, theme.codes)
        orgs = sorted(set(passages["organisation"]))
        rows.append(
            {
                "id": theme.id,
                "name": theme.name,
                "codes": list(theme.codes),
                "note": theme.note,
                "organisations": orgs,
                "n_organisations": len(orgs),
                "passages": len(passages),
                "new_organisations": sorted(set(orgs) - earlier) if earlier is not None else [],
                **_describe(theme.codes, run.codings, run.sources, run.settings),
            }
        )
    return rows


def _arguments(run: _Run, file: ThemeFile) -> dict[str, tuple[str, str]]:
    labels = run.wb.labels(run.lang)
    out = {}
    for theme in file.themes:
        title = theme.title(run.lang)
        out[theme.id] = (
            title,
            render_theme_argument(
                {"title": title, "codes": theme.codes, "note": theme.note},
                _passages(run.wb, run.codings, run.sources, theme.codes, run.lang),
                compute_theme_literature(run.codings, run.sources, theme.codes, run.settings),
                compute_theme_tensions(run.codings, run.sources, theme.codes),
                compute_theme_carriers(run.codings, run.sources, theme.codes),
                labels,
                run.lang,
            ),
        )
    return out


def write_theme_arguments(
    wb: Workbook,
    file: ThemeFile,
    *,
    confirmed: bool = False,
    lang: str | None = None,
    reports: Path | None = None,
) -> list[Path]:
    """Render the argument of every theme of ``file`` into ``reports``/themes/ (a build's
    staging folder; reports/ itself by default); return the paths written."""
    codings, sources = wb.counted_codings(confirmed=confirmed)
    run = _Run(wb, codings, sources, ThemeSettings(), lang or wb.settings.language)
    return _write_arguments(run, file, (reports or wb.settings.reports) / "themes")


def _write_arguments(run: _Run, file: ThemeFile, folder: Path) -> list[Path]:
    settings = run.wb.settings
    return write_theme_documents(
        _arguments(run, file),
        folder,
        bibliography=settings.bibliography,
        lang=run.lang,
        paper=settings.paper,
    )


def run_themes(
    settings: Settings,
    store: Store,
    *,
    confirmed: bool = False,
    init: bool = False,
    write: bool = False,
    lang: str | None = None,
    closeness: float | None = None,
) -> dict[str, Any]:
    """Propose themes from the field, compare them with themes.yml and the last run.

    ``init`` writes a first themes.yml from the proposals (refused when one exists);
    ``write`` renders the argument of each theme of themes.yml into reports/themes/.
    Returns the summary: proposals (status new, open, kept or dropped), the themes kept,
    what is new since the last run, and the files written.
    """
    wb = Workbook(settings, store=store)
    path = settings.root / THEMES_FILE
    file = load_theme_file(path, set(wb.codebook.codes))
    if init and file.exists:
        raise ConfigError(f"{path}: already exists and is yours: edit it (nothing was written)")
    s = ThemeSettings() if closeness is None else ThemeSettings(closeness=closeness)
    codings, sources = wb.counted_codings(confirmed=confirmed)
    run = _Run(wb, codings, sources, s, lang or settings.language)
    proposals = compute_theme_proposals(codings, sources, s)
    folder = settings.reports / "themes"
    before = _previous(folder)
    summary: dict[str, Any] = {
        "stage": "themes",
        "file": settings.relative(path),
        "file_exists": file.exists,
        "counted": "confirmed" if confirmed else "rules and people",
        "field_sources": int((sources["kind"] == "field").sum()),
        "proposals": _proposal_rows(run, proposals, file, before),
        "themes": _theme_rows(run, file, before),
        "dropped": list(file.dropped),
        "written": [],
    }
    summary["new"] = [p["id"] for p in summary["proposals"] if p["status"] == "new"]
    with build_lock(settings.reports):
        if init:
            labels = {lg: wb.labels(lg) for lg in LANGUAGES}
            write_atomic(path, render_theme_file(proposals, labels))
            summary["written"].append(settings.relative(path))
            file = load_theme_file(path, set(wb.codebook.codes))
            summary["file_exists"] = True
            summary["themes"] = _theme_rows(run, file, before)
        # Published as a build publishes: a copy of reports/ staged, then swapped in whole;
        # the paths said are those people read, not the version folder their links reach.
        reports = settings.relative(settings.reports)
        staging = stage_reports(settings.reports)
        try:
            if write and file.themes:
                written = _write_arguments(run, file, staging / "themes")
                summary["written"] += [f"{reports}/themes/{p.name}" for p in written]
            record = {k: summary[k] for k in ("proposals", "themes")}
            text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
            (staging / "themes").mkdir(exist_ok=True)
            write_atomic(staging / "themes" / _PROPOSALS, text)
            summary["written"].append(f"{reports}/themes/{_PROPOSALS}")
        except BaseException:
            discard_staging(staging, settings.reports)
            raise
        publish_staging(staging, settings.reports)
    return summary
