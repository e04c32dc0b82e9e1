"""Theme briefs and the recommendations note: argued from both kinds of evidence, deterministic."""

from __future__ import annotations

import pandas as pd
from conftest import matrix_and_cells

from evidence.analysis import compute_recommendations, compute_triangulation, select_codes
from evidence.config import Chapter
from evidence.report import render_recommendations, render_theme_brief, render_triangulation

CODES = ["form.physical", "form.verbal", "cons.worker.burnout", "cons.user.trauma", "resp.training"]
LABELS = {
    "form.physical": "Violence physique",
    "form.verbal": "Violence verbale",
    "cons.worker.burnout": "Épuisement",
    "cons.user.trauma": "Trauma",
    "resp.training": "Formation",
}
CHAPTER = Chapter(
    id="violences", title={"fr": "Violences et conséquences"}, rows="form", cols="cons"
)

SOURCES = pd.DataFrame(
    [
        ("alpha2020", "literature", "article", '["Alpha, Ann"]', 2020, ""),
        ("beta2021", "literature", "report", '["Beta, Bo", "Gamma, Cy"]', 2021, ""),
        ("field-a", "field", "interview", '["ORG01"]', 2025, "accueil de nuit"),
        ("field-b", "field", "focus_group", '["ORG02"]', 2024, "travail de rue"),
    ],
    columns=["key", "kind", "item_type", "authors", "year", "container"],
)
PASSAGES = pd.DataFrame(
    [
        (
            "l1",
            "alpha2020",
            0,
            "3",
            "body",
            "Les agressions physiques épuisent les équipes de nuit, "
            "qui décrivent un épuisement durable après chaque incident grave.",
        ),
        (
            "l2",
            "beta2021",
            1,
            "7",
            "body",
            "Threats and insults at the desk leave staff exhausted "
            "and close to burnout, according to most respondents.",
        ),
        ("f1", "field-a", 2, "§2", "question", "Avez-vous été frappée et épuisée ?"),
        (
            "f2",
            "field-a",
            3,
            "§3",
            "body",
            "Un résident m'a frappée ; depuis, toute l'équipe est "
            "épuisée et deux collègues sont en arrêt maladie.",
        ),
        (
            "f3",
            "field-b",
            4,
            "§4",
            "body",
            "Na de aanval op straat bleef de angst: mensen durven "
            "niet meer te slapen en dragen het trauma mee.",
        ),
    ],
    columns=["id", "source_key", "page_index", "page_label", "section", "text"],
).assign(lang="fr")
PAIRS = [
    ("l1", "form.physical"),
    ("l1", "cons.worker.burnout"),
    ("l2", "form.verbal"),
    ("l2", "cons.worker.burnout"),
    ("f1", "form.physical"),
    ("f1", "cons.worker.burnout"),
    ("f2", "form.physical"),
    ("f2", "cons.worker.burnout"),
    ("f3", "form.physical"),
    ("f3", "cons.user.trauma"),
    ("l1", "resp.training"),
    ("f2", "resp.training"),
]
SOURCE_OF = dict(zip(PASSAGES["id"], PASSAGES["source_key"], strict=True))
CODINGS = pd.DataFrame(
    [(p, SOURCE_OF[p], c) for p, c in PAIRS], columns=["passage_id", "source_key", "code"]
)


def _brief(
    codings: pd.DataFrame = CODINGS,
    passages: pd.DataFrame = PASSAGES,
    sources: pd.DataFrame = SOURCES,
) -> str:
    rows, cols = select_codes(CODES, CHAPTER.rows), select_codes(CODES, CHAPTER.cols)
    matrix, cells = matrix_and_cells(codings, passages, sources, rows, cols)
    return render_theme_brief(CHAPTER, matrix, cells, sources, LABELS, "fr")


def test_the_brief_argues_the_triangulated_cell_with_a_quote_of_each_kind() -> None:
    brief = _brief()
    assert brief.startswith("# Note thématique : Violences et conséquences\n")
    assert (
        "2 source(s) de la littérature et de 2 matériau(x) de terrain (2 organisation(s))" in brief
    )
    claim = brief.split("### 1. Violence physique × Épuisement", 1)[1].split("## ", 1)[0]
    assert (
        "à la fois par 1 source(s) de la littérature et par 1 matériau(x) de terrain (ORG01)"
        in claim
    )
    assert "> — (Alpha, 2020, p. 3)" in claim
    assert "> — (Entretien ORG01, 2025, §3)" in claim
    assert "Avez-vous été frappée" not in brief  # an interviewer's question is not evidence


def test_the_brief_lists_what_the_field_adds_and_what_only_the_literature_shows() -> None:
    brief = _brief()
    adds = brief.split("## Ce que le terrain ajoute", 1)[1].split("## ", 1)[0]
    assert "**Violence physique × Trauma** : 1 matériau(x) de terrain (ORG02)" in adds
    assert "(Focus group ORG02, 2024, §4)" in adds
    only = brief.split("## Ce que la littérature documente sans écho", 1)[1].split("## ", 1)[0]
    assert "**Violence verbale × Épuisement** : 1 source(s) : Beta & Gamma, 2021." in only
    assert "| Violence physique | L1 · T1 ✔ | T1 |" in brief


def test_the_organisations_that_could_carry_the_theme_come_last_ranked() -> None:
    carriers = _brief().split("## Organisations qui pourraient porter ce thème", 1)[1]
    assert carriers.strip().splitlines() == [
        "- **ORG01** (accueil de nuit) : 1 croisement(s), 1 passage(s) (entretien)",
        "- **ORG02** (travail de rue) : 1 croisement(s), 1 passage(s) (focus group)",
    ]


def test_the_same_evidence_in_any_order_gives_the_same_brief() -> None:
    shuffled = _brief(
        CODINGS.sample(frac=1, random_state=3),
        PASSAGES.sample(frac=1, random_state=4),
        SOURCES.sample(frac=1, random_state=5),
    )
    assert shuffled == _brief()


def test_without_field_material_the_brief_says_so() -> None:
    literature = CODINGS[~CODINGS["source_key"].str.startswith("field")]
    brief = _brief(literature)
    assert "Aucun croisement de ce thème n'est encore documenté à la fois" in brief
    assert "Aucune organisation de terrain ne documente encore ce thème." in brief


def test_the_triangulation_table_marks_each_kind() -> None:
    tri = compute_triangulation(
        *matrix_and_cells(
            CODINGS, PASSAGES, SOURCES, ["form.physical", "form.verbal"], ["cons.worker.burnout"]
        )
    )
    assert render_triangulation(tri, LABELS, "nl").splitlines()[2:4] == [
        "| Violence physique | L1 · V1 ✔ |",
        "| Violence verbale | L1 |",
    ]


def test_the_recommendations_note_groups_responses_by_form() -> None:
    forms = ["form.physical", "form.verbal"]
    matrix, cells = matrix_and_cells(CODINGS, PASSAGES, SOURCES, forms, ["resp.training"])
    table = compute_recommendations(matrix, cells, SOURCES)
    note = render_recommendations(table, LABELS, "fr", forms)
    assert "## Violence physique" in note
    assert "| Formation | 1 | 1 | les deux | Alpha, 2020; Entretien ORG01, 2025 |" in note
    assert note.rstrip().endswith("Formes de violence sans réponse documentée : Violence verbale.")
