from __future__ import annotations

import pandas as pd

from evidence import report as ch
from evidence.config import Chapter

MATRIX = pd.DataFrame(
    [
        ("form.physical", "cons.user.health", 2, 3),
        ("form.physical", "cons.worker.burnout", 1, 1),
        ("form.verbal", "cons.user.health", 0, 0),
        ("form.verbal", "cons.worker.burnout", 1, 2),
    ],
    columns=["row", "col", "sources", "passages"],
)
CELLS = pd.DataFrame(
    [
        (
            "form.physical",
            "cons.user.health",
            "p1",
            "s1",
            "Dupont (2020), p. 12",
            "12",
            "fr",
            "Coups.",
        ),
        (
            "form.physical",
            "cons.worker.burnout",
            "p1",
            "s1",
            "Dupont (2020), p. 12",
            "12",
            "fr",
            "Coups.",
        ),
        (
            "form.verbal",
            "cons.worker.burnout",
            "p7",
            "s2",
            "Peeters (2019), p. 3",
            "3",
            "nl",
            "Schelden.",
        ),
    ],
    columns=["row", "col", "id", "source_key", "citation", "page_label", "lang", "text"],
)
LABELS = {"form.physical": "Violence physique", "cons.user.health": "Santé"}


def test_title_uses_the_report_language() -> None:
    chapter = Chapter(id="lit", title={"fr": "Littérature", "en": "Literature"})
    assert ch.render_title(chapter, "fr") == "# Littérature"
    assert ch.render_title(chapter, "en") == "# Literature"


def test_evidence_table_has_labels_and_counts() -> None:
    short = {**LABELS, "cons.worker.burnout": "Burnout"}  # short labels stay as they are
    table = ch.render_evidence_table(MATRIX, short).splitlines()
    assert table[0] == "| | Santé | Burnout |"
    assert table[2] == "| Violence physique | 2 | 1 |"
    assert table[3] == "| form.verbal | 0 | 1 |"


def test_long_column_labels_become_numbers_with_a_legend_and_rows_get_the_width() -> None:
    long = {
        **LABELS,
        "cons.user.health": "Usagers : santé, blessures, décès",
        "cons.worker.burnout": "Travailleurs : épuisement et trauma vicariant",
    }
    lines = ch.render_evidence_table(MATRIX, long, lang="fr").splitlines()
    assert lines[0] == "| | 1 | 2 |"
    assert lines[1].startswith("|:" + "-" * 40) and len(lines[1]) > 72  # pandoc sizes columns
    assert lines[2] == "| Violence physique | 2 | 1 |"
    assert lines[-1] == (
        "*Colonnes :* **1** Usagers : santé, blessures, décès · "
        "**2** Travailleurs : épuisement et trauma vicariant"
    )


def test_each_quote_links_to_its_pdf_page() -> None:
    cells = CELLS.assign(link=["../pdfs/a b.pdf#page=12", "", "zotero://open-pdf/x?page=3"])
    quotes = ch.compute_key_quotes(MATRIX, cells, limit=5)
    text = ch.render_quotes(quotes, LABELS, "en")
    assert "· [open the PDF at the page](../pdfs/a%20b.pdf#page=12)" in text
    assert "(zotero://open-pdf/x?page=3)" in text
    annex = ch.render_cell_annex(cells, LABELS, "nl")
    assert annex.count("[de pdf openen op de pagina]") == 2


def test_key_quotes_take_the_best_cells_and_never_repeat_a_passage() -> None:
    quotes = ch.compute_key_quotes(MATRIX, CELLS, limit=5)
    assert list(quotes["id"]) == ["p1", "p7"]
    assert list(quotes["col"]) == ["cons.user.health", "cons.worker.burnout"]
    text = ch.render_quotes(quotes, LABELS, "fr")
    assert "## Extraits clés" in text
    assert "> Coups.\n> [@{s1}, p. 12]" in text


def test_no_quotes_is_said_in_the_language() -> None:
    empty = ch.compute_key_quotes(MATRIX.assign(sources=0), CELLS, limit=3)
    assert ch.render_quotes(empty, LABELS, "nl").endswith(
        "Geen fragment draagt beide codes tegelijk."
    )


def test_overview_counts_and_failed_documents() -> None:
    overview = {"sources": 3, "documents_ok": 2, "passages": 40, "coded": 12, "unread": 1}
    text = ch.render_overview(overview, "en")
    assert "3 sources, 2 documents read (40 passages) and 12 coded passages" in text
    assert "This chapter counts the literature only." in text
    assert "1 document(s) could not be read" in text
    both = ch.render_overview({**overview, "unread": 0}, "fr", "both")
    assert "littérature et le matériau de terrain" in both and "pas pu être lus" not in both


def test_each_chapter_says_how_much_of_its_evidence_a_person_confirmed() -> None:
    assert ch.render_confirmation({"codings": 40, "confirmed": 10}, "en") == (
        "Of the 40 codings this chapter rests on, 10 (25%) were confirmed by a person; the "
        "others come from the codebook's rules."
    )
    assert ch.render_confirmation({"codings": 0, "confirmed": 0}, "fr").startswith("Sur les 0")
    only = ch.render_confirmation({"codings": 7, "confirmed": 7}, "nl", only=True)
    assert only == "Dit hoofdstuk telt enkel coderingen die een persoon bevestigde (7)."


def test_each_quote_says_whether_a_person_confirmed_it_and_its_kind() -> None:
    quotes = pd.DataFrame(
        [
            ("form.physical", "cons.user.health", "p1", "s1", "Coups.", "3", True, "literature"),
            ("form.verbal", "cons.user.health", "p2", "s2", "Cris.", "§2", False, "field"),
        ],
        columns=["row", "col", "id", "source_key", "text", "page_label", "confirmed", "kind"],
    )
    text = ch.render_quotes(quotes, LABELS, "fr", {"s2": "Entretien ORG01, 2025"}, both=True)
    assert "> [@{s1}, p. 3] · *littérature · confirmé par une personne*" in text
    assert "> (Entretien ORG01, 2025, §2) · *terrain · codage automatique*" in text


def test_annex_lists_every_cell_and_caps_when_asked() -> None:
    full = ch.render_cell_annex(CELLS, LABELS, "fr")
    assert "### Violence physique × Santé" in full
    assert "- « Schelden. » [@{s2}, p. 3]" in full
    capped = ch.render_cell_annex(CELLS.iloc[[0, 0, 0]], LABELS, "en", per_cell=1)
    assert capped.count("[@{s1}, p. 12]") == 1
    assert "… and 2 more passage(s)" in capped


def test_markdown_specials_are_escaped_and_citations_use_braced_keys() -> None:
    assert ch.escape_markdown("a *b*\n [c] #1") == "a \\*b\\* \\[c\\] \\#1"
    assert ch.cite("van-der-berg:2019", "xii") == "[@{van-der-berg:2019}, p. xii]"
    assert ch.cite("k") == "[@{k}]"


def test_changes_since_the_last_build() -> None:
    old = {"sources": {"s1": 3, "s2": 2}, "cells": {"form.physical|cons.user.health": 1}}
    new = {
        "sources": {"s1": 4, "s3": 1},
        "cells": {"form.physical|cons.user.health": 2, "form.verbal|cons.user.health": 1},
    }
    changes = ch.compute_changes(new, old)
    assert changes["new_sources"] == ["s3"] and changes["removed_sources"] == ["s2"]
    assert changes["passages_delta"] == 0
    text = ch.render_changes(changes, LABELS, "en")
    assert "- Physical violence × Santé: 1 → 2" not in text  # labels come from the map given
    assert "- Violence physique × Santé: 1 → 2" in text
    assert "- form.verbal × Santé: 0 → 1" in text
    assert ch.render_changes(ch.compute_changes(new, {}), LABELS, "fr").endswith(
        "Première construction de ce chapitre."
    )
    assert ch.render_changes(ch.compute_changes(new, new), LABELS, "nl").endswith(
        "Geen veranderingen in de gegevens sinds de vorige bouw."
    )


def test_what_changed_says_since_when() -> None:
    old = {"sources": {"s1": 3}, "cells": {}, "built": "2026-11-30", "since": "2026-11-02"}
    new = {"sources": {"s1": 3, "s2": 1}, "cells": {}}
    changed = ch.render_changes(ch.compute_changes(new, old), LABELS, "fr")
    assert "Par rapport à la construction du 2026-11-30 :" in changed
    assert "Nouvelles sources : s2." in changed
    same = ch.compute_changes({"sources": {"s1": 3}, "cells": {}}, old)
    assert same["unchanged"] and ch.render_changes(same, LABELS, "en").endswith(
        "No change in the data since the build of 2026-11-02."
    )


def test_snapshot_counts_passages_per_source_and_non_empty_cells() -> None:
    snap = ch.compute_snapshot({"s2": 1, "s1": 2}, MATRIX)
    assert snap["sources"] == {"s1": 2, "s2": 1}
    assert snap["cells"] == {
        "form.physical|cons.user.health": 2,
        "form.physical|cons.worker.burnout": 1,
        "form.verbal|cons.worker.burnout": 1,
    }


def test_field_sources_are_cited_as_plain_text_and_quoted_last() -> None:
    refs = {"s2": "Entretien ORG03, 2025"}
    assert ch.cite("s2", "§4", refs) == "(Entretien ORG03, 2025, §4)"
    assert ch.cite("s1", "12", refs) == "[@{s1}, p. 12]"
    both = pd.concat([CELLS.iloc[[2]].assign(row="form.physical", col="cons.user.health"), CELLS])
    quotes = ch.compute_key_quotes(MATRIX, both, limit=1, last=["s2"])
    assert list(quotes["source_key"]) == ["s1"]
    annex = ch.render_cell_annex(CELLS, LABELS, "fr", refs=refs)
    assert "« Schelden. » (Entretien ORG03, 2025, 3)" in annex
