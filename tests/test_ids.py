from __future__ import annotations

from evidence.records import make_passage_id, normalise_for_id


def test_id_ignores_case_spacing_and_punctuation() -> None:
    a = make_passage_id("dubois2021", 3, "La violence  verbale, au quotidien.")
    b = make_passage_id("dubois2021", 3, "la violence verbale au quotidien")
    assert a == b
    assert len(a) == 16


def test_id_depends_on_source_page_and_occurrence() -> None:
    text = "Same words."
    ids = {
        make_passage_id("a", 1, text),
        make_passage_id("b", 1, text),
        make_passage_id("a", 2, text),
        make_passage_id("a", 1, text, occurrence=1),
        make_passage_id("a", None, text),
    }
    assert len(ids) == 5


def test_normalisation_folds_ligatures_and_keeps_accents() -> None:
    assert normalise_for_id("Ef\ufb01cace — été") == "efficaceété"
