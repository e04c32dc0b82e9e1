"""Shared fixtures: tiny workbooks made in a temporary folder, real PDFs made with pymupdf."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import pymupdf
import pytest

from evidence.analysis import (
    MatrixFilters,
    compute_matrix,
    compute_matrix_codings,
    describe_cells,
)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

TINY_CODEBOOK = """\
version: "tiny-1"
languages: [fr, nl, en]
facets:
  form: {fr: Formes, nl: Vormen, en: Forms}
  cons: {fr: Conséquences, nl: Gevolgen, en: Consequences}
  resp: {fr: Réponses, nl: Antwoorden, en: Responses}
codes:
  form.physical:
    labels: {fr: Violence physique, nl: Fysiek geweld, en: Physical violence}
    definition: Hitting, assault, fights, injuries inflicted.
    patterns:
      fr: [agression, coups]
      nl: [mishandeling]
      en: [assault, hitting]
  form.verbal:
    labels: {fr: Violence verbale, nl: Verbaal geweld, en: Verbal violence}
    definition: Insults, shouting, threats.
    patterns:
      fr: [insulte, menace]
      nl: [bedreiging, schelden]
      en: [insult, threat]
  cons.worker.burnout:
    labels: {fr: Épuisement, nl: Burn-out, en: Burnout}
    definition: Burnout and exhaustion of workers.
    patterns:
      any: [burnout, burn-out]
      fr: [épuisement]
      en: [exhaustion]
  cons.user.trauma:
    labels: {fr: Traumatisme, nl: Trauma, en: Trauma}
    definition: Trauma, fear, anxiety of users.
    patterns:
      fr: [traumatisme, peur]
      en: [trauma, fear]
  resp.training:
    labels: {fr: Formation, nl: Vorming, en: Training}
    definition: De-escalation training.
    patterns:
      en: [de-escalation]
      fr: [désescalade]
"""

TINY_TOML = """\
[workbook]
name = "tiny test workbook"
language = "en"
bibliography = "references.bib"
pdf_dirs = ["pdfs"]
codebook = "codebook.yml"
decisions = "decisions.csv"
store = "store.sqlite"
reports = "reports"
chapter_template = "chapter.ipynb"

[extract]
jobs = 1
timeout = 60

[[chapters]]
id = "tiny"
title = { en = "Tiny chapter", fr = "Petit chapitre" }
rows = "form"
cols = "cons"
narrative = "narrative.md"
language = "en"
"""

PAGES = {
    "alpha2020shelter": [
        "Night shelter staff describe violence at work.\n\n"
        "Workers in the night shelter were assaulted by residents several times a month. "
        "The assault left two of them with injuries and long-lasting exhaustion.",
        "Threats and insults were part of daily work at the reception desk. "
        "Several workers spoke of burnout after repeated threats.",
    ],
    "beta2021accueil": [
        "Les travailleurs de la maison d'accueil décrivent des agressions fréquentes. "
        "Après chaque agression, la peur et le traumatisme restent présents chez les résidents.",
        "Les insultes et les menaces entraînent un épuisement des équipes de nuit.",
    ],
}

TINY_BIB = """\
@article{alpha2020shelter,
  author = {Alpha, Ann and Bravo, Ben},
  title = {Violence in night shelters},
  journal = {Journal of Invented Studies},
  year = {2020},
  langid = {english},
  file = {pdfs/alpha2020shelter.pdf}
}

@techreport{beta2021accueil,
  author = {Bêta, Claire},
  title = {Agressions en maison d'accueil},
  institution = {Observatoire imaginaire},
  year = {2021},
  langid = {french},
  file = {pdfs/beta2021accueil.pdf}
}

@book{gamma2019missing,
  author = {Gamma, Dan},
  title = {A book whose file is missing},
  year = {2019},
  file = {pdfs/gamma2019missing.pdf}
}
"""


def make_pdf(
    path: Path, pages: Sequence[str], *, footer: Callable[[int], str] | None = None
) -> Path:
    """Write a real text PDF with one text box per page (and an optional footer line)."""
    doc = pymupdf.open()
    for i, text in enumerate(pages):
        page = doc.new_page(width=595, height=842)
        page.insert_textbox(pymupdf.Rect(72, 72, 523, 760), text, fontsize=11, fontname="helv")
        if footer is not None:
            page.insert_text((290, 810), footer(i), fontsize=9, fontname="helv")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(path, garbage=3, deflate=True, no_new_id=True)
    doc.close()
    return path


def make_workbook(root: Path, *, template: Path | None = None) -> Path:
    """Write a tiny workbook: settings, codebook, references with two PDFs and a missing one."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "evidence.toml").write_text(TINY_TOML, encoding="utf-8")
    (root / "codebook.yml").write_text(TINY_CODEBOOK, encoding="utf-8")
    (root / "references.bib").write_text(TINY_BIB, encoding="utf-8")
    (root / "narrative.md").write_text("A tiny narrative for a tiny chapter.\n", encoding="utf-8")
    for key, pages in PAGES.items():
        make_pdf(root / "pdfs" / f"{key}.pdf", pages)
    shutil.copy(template or REPO / "notebooks" / "chapter_template.ipynb", root / "chapter.ipynb")
    return root


# Every process the suite starts inherits this mark in its environment: what still carries
# it when the suite ends was left behind (a worker that outlived its build, a kernel).
_MARK = f"EVIDENCE_TEST_SESSION={uuid.uuid4().hex}"
_HELPERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")


def _left_behind() -> list[str]:
    """The live processes carrying this session's mark, or children of the suite, but the
    suite's own helpers (the fork server and resource tracker of multiprocessing)."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            stat = (entry / "stat").read_text()
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            # A child forked by the suite itself (a pool worker) has the suite's first
            # environment, without the mark: it is known by its parent.
            if int(ppid) != me and _MARK.encode() not in (entry / "environ").read_bytes().split(
                b"\0"
            ):
                continue
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        if state == "Z" or (int(ppid) == me and any(h in cmdline for h in _HELPERS)):
            continue
        found.append(f"{entry.name} {cmdline[:120]}")
    return found


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """The suite leaves no process behind (checked on Linux, where /proc tells)."""
    name, _, value = _MARK.partition("=")
    os.environ[name] = value
    yield
    if not Path("/proc/self/environ").exists():
        return
    deadline = time.monotonic() + 10
    while (left := _left_behind()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not left, f"processes left behind by the tests: {left}"


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A tiny workbook in a temporary folder."""
    return make_workbook(tmp_path / "wb")


@pytest.fixture
def shared() -> Path:
    """The shared corpora beside the repository; skip when absent (a user's fresh clone)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED


def matrix_and_cells(
    codings: pd.DataFrame,
    passages: pd.DataFrame,
    sources: pd.DataFrame,
    rows: Sequence[str],
    cols: Sequence[str],
    filters: MatrixFilters | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return a matrix and the passages behind its cells, from frames held in memory, as the
    workbook computes them from the store (codings without an origin count as rules)."""
    if "origin" not in codings.columns:
        codings = codings.assign(origin="rule")
    matrix = compute_matrix(codings, rows, cols, filters=filters, sources=sources)
    members = compute_matrix_codings(codings, matrix, filters=filters, sources=sources)
    cells = describe_cells(
        passages,
        codings.rename(columns={"passage_id": "id"}),
        sources,
        members.rename(columns={"passage_id": "id"}),
    )
    return matrix, cells
