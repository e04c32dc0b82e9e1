"""The argument of a theme, from three-row frames: sections, quotes, carriers, languages."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from evidence.report import render_theme_argument, write_theme_documents

CODES = ("form.verbal", "cons.worker.burnout")
LABELS = {"form.verbal": "Violence verbale", "cons.worker.burnout": "Épuisement"}
QUOTES = pd.DataFrame(
    {
        "passage_id": [1, 2, 3, 4],
        "id": ["p1", "p2", "p3", "p4"],
        "source_key": ["f1", "f1", "f2", "f3"],
        "organisation": ["ORG01", "ORG01", "ORG02", "ORG03"],
        "codes": [CODES, CODES, CODES, CODES],
        "confirmed": [(), ("form.verbal",), (), ()],
        "text": [
            "Les insultes de chaque soir mènent à l'épuisement de toute l'équipe de nuit.",
            "Les menaces ont conduit à un burn-out ; la collègue est partie au printemps.",
            "Les menaces ont conduit à un burn-out ; la collègue est partie au printemps.",
            "Het schelden leidt tot uitputting bij de medewerkers van het onthaal, elke week.",
        ],
        "item_type": ["interview", "interview", "interview", "interview"],
        "date": ["2025-02-14", "2025-02-14", "2025-03-01", ""],
        "page_label": ["§2", "§4", "§3", "§5"],
    }
)
LITERATURE = {
    "status": "thin",
    "together": ["modele2019"],
    "per_code": {"form.verbal": 3, "cons.worker.burnout": 0},
    "missing": ["cons.worker.burnout"],
}
TENSIONS = pd.DataFrame(
    {
        "code": ["resp.training"],
        "theme_code": [False],
        "with": [("ORG01",)],
        "without": [("ORG02", "ORG03")],
    }
)
CARRIERS = pd.DataFrame(
    {
        "organisation": ["ORG01", "ORG02", "ORG03"],
        "codes": [CODES, CODES, ("form.verbal",)],
        "breadth": [1.0, 1.0, 0.5],
        "confirmed": [1, 0, 0],
        "interviews": [1, 1, 1],
        "passages": [2, 1, 1],
        "theme_passages": [2, 1, 1],
        "sectors": [("accueil de nuit",), (), ("onthaal",)],
    }
)
THEME = {"title": "Épuisement des équipes", "codes": CODES, "note": "À discuter."}


def _argument(lang: str = "fr", **frames: object) -> str:
    given = {"quotes": QUOTES, "tensions": TENSIONS, "carriers": CARRIERS} | frames
    return render_theme_argument(
        THEME,
        given["quotes"],
        LITERATURE,
        given["tensions"],
        given["carriers"],
        LABELS,
        lang,
    )


def test_the_argument_quotes_each_organisation_once_with_its_pseudonym_and_date() -> None:
    md = _argument()
    assert md.startswith("# Épuisement des équipes\n")
    assert "*Thème soulevé par 3 organisation(s) dans 3 entretien(s), 4 passage(s)" in md
    # ORG01's confirmed passage comes first; ORG02 said the same words, so another is quoted
    assert "— ORG01, entretien du 2025-02-14, §4" in md
    assert "— ORG02" not in md
    assert "— ORG03, entretien du s.d., §5" in md
    assert md.count("Les menaces ont conduit") == 1
    assert "Note de la coordination : À discuter." in md


def test_the_argument_says_what_the_literature_lacks_and_asks_about_it() -> None:
    md = _argument()
    assert "documente peu ce thème : 1 source(s) seulement" in md and "[@{modele2019}]" in md
    assert "- Épuisement : 0 source(s) de la littérature." in md
    assert "Que sait-on de « Épuisement » au-delà du terrain ?" in md
    assert "**resp.training** : présent dans les passages de ORG01, jamais dans ceux de" in md


def test_the_carriers_table_says_why_each_organisation_is_listed() -> None:
    md = _argument()
    table = [line for line in md.splitlines() if line.startswith("| ORG")]
    assert table[0] == (
        "| ORG01 | accueil de nuit | 1, 2 | 2/2 codes du thème ; 1 codage(s) confirmé(s) ; "
        "1 entretien(s) ; 2 passage(s) |"
    )
    assert table[1].startswith("| ORG02 | — | 1, 2 |")
    assert table[2].startswith("| ORG03 | onthaal | 1 | 1/2")


def test_the_argument_speaks_the_language_asked_and_is_the_same_every_time() -> None:
    nl = _argument("nl")
    assert "## Het probleem zoals het veld het beschrijft" in nl
    assert "interview van 2025-02-14" in nl
    empty = _argument(quotes=QUOTES.iloc[0:0], tensions=TENSIONS.iloc[0:0])
    assert "Rien à signaler." in empty
    assert _argument() == _argument()


@pytest.mark.parametrize(
    ("paper", "css", "twips"), [("a4", "A4", (11906, 16838)), ("letter", "letter", (12240, 15840))]
)
def test_the_arguments_print_on_the_chapters_page(
    tmp_path: Path, paper: str, css: str, twips: tuple[int, int]
) -> None:
    bib = tmp_path / "references.bib"
    bib.write_text(
        "@article{modele2019, author = {Modèle, Anne}, title = {Titre}, journal = {Revue},"
        " year = {2019}}\n",
        encoding="utf-8",
    )
    folder = tmp_path / "themes"
    written = write_theme_documents(
        {"epuisement": (THEME["title"], _argument())},
        folder,
        bibliography=bib,
        lang="fr",
        **({} if paper == "a4" else {"paper": paper}),  # A4 unless asked, as chapters
    )
    assert sorted(p.name for p in written) == [
        "epuisement.docx",
        "epuisement.html",
        "epuisement.md",
    ]
    with zipfile.ZipFile(folder / "epuisement.docx") as docx:
        page = re.search(r"<w:pgSz [^>]*>", docx.read("word/document.xml").decode())
    assert page and f'w:w="{twips[0]}"' in page[0] and f'w:h="{twips[1]}"' in page[0]
    html = (folder / "epuisement.html").read_text(encoding="utf-8")
    assert f"size: {css}" in html and "Modèle" in html
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in written)
