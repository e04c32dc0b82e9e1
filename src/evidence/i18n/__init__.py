"""Every fixed string the workbook shows readers, in French, Dutch and English.

One table per output (``chapter``, ``brief``, ``figure``, ``explorer``, ``xlsx``, ...), each
with the same keys in every language; :func:`text` fills one in, falling back to English for a
language the workbook does not know. Translators edit this package only: this file, and the
tables kept apart so that each module stays short (``_map.py`` for the evidence map,
``_places.py`` for country names, ``_themes.py`` for the arguments per theme).
"""

from __future__ import annotations

from ._map import MAP as _MAP
from ._places import COUNTRIES
from ._themes import THEME as _THEME

__all__ = ["COUNTRIES", "LANGUAGES", "TEXTS", "text", "texts"]

LANGUAGES = ("fr", "nl", "en")


def _by_language(table: dict[str, tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    """Return a table written key -> (fr, nl, en) as one table per language."""
    return {lang: {key: row[i] for key, row in table.items()} for i, lang in enumerate(LANGUAGES)}


TEXTS: dict[str, dict[str, dict[str, str]]] = {
    # the interactive evidence map (reports/<chapter>-map.html, evidence map): see _map.py
    "map": _by_language(_MAP),
    # the arguments per theme of themes.yml (evidence themes --write): see _themes.py
    "theme": _THEME,
    # the report chapters (evidence build)
    "chapter": {
        "fr": {
            "overview": "Vue d'ensemble du corpus",
            "overview_line": (
                "Le corpus compte {sources} sources, {documents} documents lus "
                "({passages} passages) et {coded} passages codés."
            ),
            "skipped": "{n} document(s) n'ont pas pu être lus ; voir `evidence status`.",
            "matrix": "Matrice des preuves",
            "matrix_caption": "Nombre de sources distinctes par croisement de codes.",
            "quotes": "Extraits clés",
            "no_quotes": "Aucun extrait ne porte ces deux codes à la fois.",
            "changes": "Ce qui a changé depuis la dernière construction",
            "first_build": "Première construction de ce chapitre.",
            "no_change": "Aucun changement dans les données depuis la construction précédente.",
            "new_sources": "Nouvelles sources : {keys}.",
            "removed_sources": "Sources retirées : {keys}.",
            "new_passages": "{n} passage(s) de plus qu'à la construction précédente ({delta:+d}).",
            "changed_cells": "Cellules dont le nombre de sources a changé :",
            "open_pdf": "ouvrir le PDF à la page",
            "legend": "Colonnes :",
            "gap_map": "Carte des lacunes",
            "gap_map_caption": (
                "Chaque bulle a l'aire du nombre de sources du croisement ; les cases "
                "hachurées n'ont aucune source."
            ),
            "changes_since": "Par rapport à la construction du {date} :",
            "no_change_since": (
                "Aucun changement dans les données depuis la construction du {date}."
            ),
            "annex": "Annexe : les passages de chaque cellule",
            "more": "… et {n} autre(s) passage(s) ; voir le classeur Excel de la matrice.",
            "confirmation": (
                "Sur les {n} codages qui fondent ce chapitre, {k} ({share} %) ont été "
                "confirmés par une personne ; les autres viennent des règles du "
                "codebook."
            ),
            "confirmation_only": (
                "Ce chapitre ne compte que des codages confirmés par une personne ({n})."
            ),
            "confirmed": "confirmé par une personne",
            "automatic": "codage automatique",
            "literature": "littérature",
            "field": "terrain",
            "scope_literature": "Ce chapitre ne compte que la littérature.",
            "scope_field": "Ce chapitre ne compte que le matériau de terrain.",
            "scope_both": (
                "Ce chapitre compte la littérature et le matériau de terrain, chacun "
                "indiqué à part (L : littérature ; T : terrain)."
            ),
        },
        "nl": {
            "overview": "Overzicht van het corpus",
            "overview_line": (
                "Het corpus telt {sources} bronnen, {documents} gelezen documenten "
                "({passages} passages) en {coded} gecodeerde passages."
            ),
            "skipped": "{n} document(en) konden niet gelezen worden; zie `evidence status`.",
            "matrix": "Evidentiematrix",
            "matrix_caption": "Aantal verschillende bronnen per combinatie van codes.",
            "quotes": "Kernfragmenten",
            "no_quotes": "Geen fragment draagt beide codes tegelijk.",
            "changes": "Wat er veranderd is sinds de vorige bouw",
            "first_build": "Eerste bouw van dit hoofdstuk.",
            "no_change": "Geen veranderingen in de gegevens sinds de vorige bouw.",
            "new_sources": "Nieuwe bronnen: {keys}.",
            "removed_sources": "Verwijderde bronnen: {keys}.",
            "new_passages": "{n} passage(s) meer dan bij de vorige bouw ({delta:+d}).",
            "changed_cells": "Cellen waarvan het aantal bronnen veranderde:",
            "open_pdf": "de pdf openen op de pagina",
            "legend": "Kolommen:",
            "gap_map": "Kaart van de lacunes",
            "gap_map_caption": (
                "Elke bel heeft de oppervlakte van het aantal bronnen van de combinatie; "
                "gearceerde vakken hebben geen enkele bron."
            ),
            "changes_since": "Vergeleken met de bouw van {date}:",
            "no_change_since": "Geen veranderingen in de gegevens sinds de bouw van {date}.",
            "annex": "Bijlage: de passages van elke cel",
            "more": "… en nog {n} passage(s); zie de Excel-werkmap van de matrix.",
            "confirmation": (
                "Van de {n} coderingen waarop dit hoofdstuk steunt, werden er {k} "
                "({share}%) door een persoon bevestigd; de andere komen van de regels "
                "van het codeboek."
            ),
            "confirmation_only": (
                "Dit hoofdstuk telt enkel coderingen die een persoon bevestigde ({n})."
            ),
            "confirmed": "bevestigd door een persoon",
            "automatic": "automatische codering",
            "literature": "literatuur",
            "field": "veld",
            "scope_literature": "Dit hoofdstuk telt enkel de literatuur.",
            "scope_field": "Dit hoofdstuk telt enkel het veldmateriaal.",
            "scope_both": (
                "Dit hoofdstuk telt literatuur en veldmateriaal, telkens apart vermeld "
                "(L: literatuur; V: veld)."
            ),
        },
        "en": {
            "overview": "Overview of the corpus",
            "overview_line": (
                "The corpus holds {sources} sources, {documents} documents read "
                "({passages} passages) and {coded} coded passages."
            ),
            "skipped": "{n} document(s) could not be read; see `evidence status`.",
            "matrix": "Evidence matrix",
            "matrix_caption": "Number of distinct sources per crossing of codes.",
            "quotes": "Key quotes",
            "no_quotes": "No passage carries both codes.",
            "changes": "What changed since the last build",
            "first_build": "First build of this chapter.",
            "no_change": "No change in the data since the previous build.",
            "new_sources": "New sources: {keys}.",
            "removed_sources": "Sources removed: {keys}.",
            "new_passages": "{n} passage(s) more than in the previous build ({delta:+d}).",
            "changed_cells": "Cells whose number of sources changed:",
            "open_pdf": "open the PDF at the page",
            "legend": "Columns:",
            "gap_map": "Evidence gap map",
            "gap_map_caption": (
                "Each bubble's area is the number of sources of the crossing; hatched "
                "squares have no source."
            ),
            "changes_since": "Compared with the build of {date}:",
            "no_change_since": "No change in the data since the build of {date}.",
            "annex": "Annex: the passages of each cell",
            "more": "… and {n} more passage(s); see the matrix workbook in Excel.",
            "confirmation": (
                "Of the {n} codings this chapter rests on, {k} ({share}%) were "
                "confirmed by a person; the others come from the codebook's rules."
            ),
            "confirmation_only": "This chapter counts only codings a person confirmed ({n}).",
            "confirmed": "confirmed by a person",
            "automatic": "automatic coding",
            "literature": "literature",
            "field": "field",
            "scope_literature": "This chapter counts the literature only.",
            "scope_field": "This chapter counts field material only.",
            "scope_both": (
                "This chapter counts both the literature and field material, each shown "
                "apart (L: literature; F: field)."
            ),
        },
    },
    # theme briefs and the recommendations note
    "brief": {
        "fr": {
            "title": "Note thématique : {title}",
            "basis": (
                "Construite à partir de {lit} source(s) de la littérature et de {field} "
                "matériau(x) de terrain ({orgs} organisation(s)) : {both} croisement(s) "
                "sont documentés par les deux, {lonly} par la littérature seule, "
                "{fonly} par le terrain seul."
            ),
            "claims": "Ce que la littérature et le terrain montrent ensemble",
            "claim": (
                "Le lien entre « {row} » et « {col} » est documenté à la fois par {lit} "
                "source(s) de la littérature et par {field} matériau(x) de terrain "
                "({orgs})."
            ),
            "no_claims": (
                "Aucun croisement de ce thème n'est encore documenté à la fois par la "
                "littérature et par le terrain."
            ),
            "field_adds": "Ce que le terrain ajoute",
            "field_line": (
                "{field} matériau(x) de terrain ({orgs}), aucune source de la littérature"
            ),
            "lit_only": "Ce que la littérature documente sans écho sur le terrain",
            "lit_line": "{lit} source(s) : {refs}",
            "none": "Rien à signaler.",
            "table": "Triangulation",
            "legend": (
                "L : sources de la littérature ; T : matériaux de terrain ; ✔ : "
                "documenté par les deux."
            ),
            "carriers": "Organisations qui pourraient porter ce thème",
            "carrier": "**{org}**{sector} : {cells} croisement(s), {passages} passage(s) ({kinds})",
            "no_carriers": "Aucune organisation de terrain ne documente encore ce thème.",
            "rec_title": "Recommandations : formes de violence et réponses",
            "rec_intro": (
                "Base de la note de recommandations : pour chaque forme de violence, "
                "les réponses que documentent la littérature et le terrain, avec leurs "
                "sources."
            ),
            "rec_head": "| Réponse | Littérature | Terrain | Preuves | Sources |",
            "rec_none": "Formes de violence sans réponse documentée : {forms}.",
        },
        "nl": {
            "title": "Themanota: {title}",
            "basis": (
                "Opgebouwd uit {lit} bron(nen) uit de literatuur en {field} "
                "veldmateriaal ({orgs} organisatie(s)): {both} combinatie(s) worden "
                "door beide gedocumenteerd, {lonly} enkel door de literatuur, {fonly} "
                "enkel door het veld."
            ),
            "claims": "Wat literatuur en veld samen tonen",
            "claim": (
                "Het verband tussen ‘{row}’ en ‘{col}’ wordt gedocumenteerd door {lit} "
                "bron(nen) uit de literatuur en door {field} veldmateriaal ({orgs})."
            ),
            "no_claims": (
                "Geen enkele combinatie van dit thema wordt al door literatuur en veld "
                "samen gedocumenteerd."
            ),
            "field_adds": "Wat het veld toevoegt",
            "field_line": "{field} veldmateriaal ({orgs}), geen bron uit de literatuur",
            "lit_only": "Wat enkel de literatuur documenteert",
            "lit_line": "{lit} bron(nen): {refs}",
            "none": "Niets te melden.",
            "table": "Triangulatie",
            "legend": (
                "L: bronnen uit de literatuur; V: veldmateriaal; ✔: door beide gedocumenteerd."
            ),
            "carriers": "Organisaties die dit thema zouden kunnen dragen",
            "carrier": "**{org}**{sector}: {cells} combinatie(s), {passages} passage(s) ({kinds})",
            "no_carriers": "Nog geen veldorganisatie documenteert dit thema.",
            "rec_title": "Aanbevelingen: vormen van geweld en antwoorden",
            "rec_intro": (
                "Basis voor de nota met aanbevelingen: per vorm van geweld de "
                "antwoorden die literatuur en veld documenteren, met hun bronnen."
            ),
            "rec_head": "| Antwoord | Literatuur | Veld | Evidentie | Bronnen |",
            "rec_none": "Vormen van geweld zonder gedocumenteerd antwoord: {forms}.",
        },
        "en": {
            "title": "Theme brief: {title}",
            "basis": (
                "Built from {lit} literature source(s) and {field} field item(s) "
                "({orgs} organisation(s)): {both} crossing(s) are documented by both, "
                "{lonly} by the literature only, {fonly} by the field only."
            ),
            "claims": "What the literature and the field show together",
            "claim": (
                "The link between “{row}” and “{col}” is documented by {lit} literature "
                "source(s) and by {field} field item(s) ({orgs})."
            ),
            "no_claims": (
                "No crossing of this theme is documented by both the literature and the field yet."
            ),
            "field_adds": "What the field adds",
            "field_line": "{field} field item(s) ({orgs}), no literature source",
            "lit_only": "What only the literature documents",
            "lit_line": "{lit} source(s): {refs}",
            "none": "Nothing to report.",
            "table": "Triangulation",
            "legend": "L: literature sources; F: field items; ✔: documented by both.",
            "carriers": "Organisations that could carry this theme",
            "carrier": "**{org}**{sector}: {cells} crossing(s), {passages} passage(s) ({kinds})",
            "no_carriers": "No field organisation documents this theme yet.",
            "rec_title": "Recommendations: forms of violence and responses",
            "rec_intro": (
                "Base of the recommendations note: for each form of violence, the "
                "responses that the literature and the field document, with their "
                "sources."
            ),
            "rec_head": "| Response | Literature | Field | Evidence | Sources |",
            "rec_none": "Forms of violence with no documented response: {forms}.",
        },
    },
    # heatmaps and gap maps
    "figure": {
        "fr": {
            "source": "source",
            "sources": "sources",
            "passages": "passages",
            "documents": "documents",
            "field_share": "part des sources de terrain",
            "literature": "littérature",
            "field": "terrain",
            "gap": "aucune source (lacune)",
            "unknown": "type inconnu",
        },
        "nl": {
            "source": "bron",
            "sources": "bronnen",
            "passages": "passages",
            "documents": "documenten",
            "field_share": "aandeel veldbronnen",
            "literature": "literatuur",
            "field": "veld",
            "gap": "geen bron (lacune)",
            "unknown": "type onbekend",
        },
        "en": {
            "source": "source",
            "sources": "sources",
            "passages": "passages",
            "documents": "documents",
            "field_share": "share of field sources",
            "literature": "literature",
            "field": "field",
            "gap": "no source (gap)",
            "unknown": "type unknown",
        },
    },
    # the interactive explorer (notebook 04)
    "explorer": {
        "fr": {
            "search": "Recherche",
            "placeholder": "violences sans-abri, l'aide, burn-out",
            "rows": "Lignes",
            "cols": "Colonnes",
            "within": "Co-occurrence",
            "passage": "passage",
            "source": "source",
            "provenance": "Codage",
            "human": "personnes",
            "rules": "personnes et règles",
            "suggestions": "+ suggestions",
            "min_score": "Probabilité ≥",
            "kinds": "Type",
            "langs": "Langue",
            "years": "Années",
            "countries": "Pays",
            "context": "Lieux, publics",
            "value": "Compter",
            "sources": "sources",
            "passages": "passages",
            "documents": "documents",
            "hits": "{n} passage(s) correspondent",
            "many": "plus de {n} passages correspondent",
            "pick": "Cliquez sur une cellule pour lire ses passages.",
            "cell": "{row} × {col} : {n} passage(s) de {s} source(s)",
            "more": "… et {n} autre(s)",
            "total": "{filled} cellule(s) sur {cells} contiennent des preuves",
            "shown": "{k} premiers affichés",
            "show_more": "Plus de résultats",
            "failed": "Échec de la mise à jour ; les chiffres affichés datent d'avant l'erreur",
            "nothing": "rien à proposer dans cette bibliothèque",
            "open": "ouvrir à la page",
            "error": "Recherche invalide",
            "literature": "littérature",
            "field": "terrain",
        },
        "nl": {
            "search": "Zoeken",
            "placeholder": "geweld daklozen, burn-out",
            "rows": "Rijen",
            "cols": "Kolommen",
            "within": "Samen in",
            "passage": "passage",
            "source": "bron",
            "provenance": "Codering",
            "human": "personen",
            "rules": "personen en regels",
            "suggestions": "+ suggesties",
            "min_score": "Kans ≥",
            "kinds": "Soort",
            "langs": "Taal",
            "years": "Jaren",
            "countries": "Land",
            "context": "Plaatsen, groepen",
            "value": "Tellen",
            "sources": "bronnen",
            "passages": "passages",
            "documents": "documenten",
            "hits": "{n} passage(s) gevonden",
            "many": "meer dan {n} passages gevonden",
            "pick": "Klik op een cel om haar passages te lezen.",
            "cell": "{row} × {col}: {n} passage(s) uit {s} bron(nen)",
            "more": "… en nog {n}",
            "total": "{filled} van de {cells} cellen bevatten bewijs",
            "shown": "eerste {k} getoond",
            "show_more": "Meer resultaten",
            "failed": "Bijwerken mislukt; de getoonde cijfers zijn van vóór de fout",
            "nothing": "niets aan te bieden in deze bibliotheek",
            "open": "openen op de pagina",
            "error": "Ongeldige zoekvraag",
            "literature": "literatuur",
            "field": "veld",
        },
        "en": {
            "search": "Search",
            "placeholder": "violence homeless, burn-out",
            "rows": "Rows",
            "cols": "Columns",
            "within": "Together in",
            "passage": "passage",
            "source": "source",
            "provenance": "Coding",
            "human": "people",
            "rules": "people and rules",
            "suggestions": "+ suggestions",
            "min_score": "Probability ≥",
            "kinds": "Type",
            "langs": "Language",
            "years": "Years",
            "countries": "Country",
            "context": "Settings, groups",
            "value": "Count",
            "sources": "sources",
            "passages": "passages",
            "documents": "documents",
            "hits": "{n} passage(s) match",
            "many": "more than {n} passages match",
            "pick": "Click a cell to read its passages.",
            "cell": "{row} × {col}: {n} passage(s) from {s} source(s)",
            "more": "… and {n} more",
            "total": "{filled} of {cells} cells hold evidence",
            "shown": "first {k} shown",
            "show_more": "More results",
            "failed": "Update failed; the figures shown are from before the error",
            "nothing": "nothing to offer in this library",
            "open": "open at the page",
            "error": "Invalid search",
            "literature": "literature",
            "field": "field",
        },
    },
    # column headers of the spreadsheets
    "xlsx": {
        "fr": {
            "row": "ligne",
            "col": "colonne",
            "row_label": "ligne (libellé)",
            "col_label": "colonne (libellé)",
            "sources": "sources",
            "passages": "passages",
            "documents": "documents",
            "field_sources": "sources de terrain",
            "citation": "citation",
            "page_label": "page",
            "lang": "langue",
            "kind": "type",
            "provenance": "provenance",
            "codes": "codes",
            "text": "texte",
            "link": "lien",
            "source_key": "clé",
            "id": "passage",
        },
        "nl": {
            "row": "rij",
            "col": "kolom",
            "row_label": "rij (label)",
            "col_label": "kolom (label)",
            "sources": "bronnen",
            "passages": "passages",
            "documents": "documenten",
            "field_sources": "veldbronnen",
            "citation": "citaat",
            "page_label": "pagina",
            "lang": "taal",
            "kind": "soort",
            "provenance": "herkomst",
            "codes": "codes",
            "text": "tekst",
            "link": "link",
            "source_key": "sleutel",
            "id": "passage",
        },
        "en": {
            "row": "row",
            "col": "col",
            "row_label": "row label",
            "col_label": "col label",
            "sources": "sources",
            "passages": "passages",
            "documents": "documents",
            "field_sources": "field sources",
            "citation": "citation",
            "page_label": "page label",
            "lang": "lang",
            "kind": "kind",
            "provenance": "provenance",
            "codes": "codes",
            "text": "text",
            "link": "link",
            "source_key": "source key",
            "id": "id",
        },
    },
    # kinds of field material
    "kind": {
        "fr": {
            "interview": "Entretien",
            "testimony": "Témoignage",
            "focus_group": "Focus group",
            "meeting": "Réunion",
        },
        "nl": {
            "interview": "Interview",
            "testimony": "Getuigenis",
            "focus_group": "Focusgroep",
            "meeting": "Vergadering",
        },
        "en": {
            "interview": "Interview",
            "testimony": "Testimony",
            "focus_group": "Focus group",
            "meeting": "Meeting",
        },
    },
    # where a crossing's evidence comes from
    "evidence": {
        "fr": {
            "both": "les deux",
            "literature": "littérature seule",
            "field": "terrain seul",
            "none": "",
        },
        "nl": {
            "both": "beide",
            "literature": "enkel literatuur",
            "field": "enkel veldwerk",
            "none": "",
        },
        "en": {
            "both": "both",
            "literature": "literature only",
            "field": "field only",
            "none": "",
        },
    },
    # shared by every output
    "common": {
        "fr": {
            "undated": "s.d.",
            "references": "Références",
            "locale": "fr-BE",
            "quote_open": "« ",
            "quote_close": " »",
            "colon": " : ",
            "field_letter": "T",
        },
        "nl": {
            "undated": "z.d.",
            "references": "Referenties",
            "locale": "nl-BE",
            "quote_open": "“",
            "quote_close": "”",
            "colon": ": ",
            "field_letter": "V",
        },
        "en": {
            "undated": "n.d.",
            "references": "References",
            "locale": "en-GB",
            "quote_open": "“",
            "quote_close": "”",
            "colon": ": ",
            "field_letter": "F",
        },
    },
    # REFI-QDA exchange (evidence qdpx import): the facet of codes that map to no code
    "exchange": {
        "fr": {"imported_facet": "Codes importés"},
        "nl": {"imported_facet": "Geïmporteerde codes"},
        "en": {"imported_facet": "Imported codes"},
    },
}

TEXTS["country"] = {
    lang: {code: names[i] for code, names in COUNTRIES.items()} for i, lang in enumerate(LANGUAGES)
}


def texts(domain: str, lang: str) -> dict[str, str]:
    """Return the strings of ``domain`` in ``lang`` (English for an unknown language)."""
    table = TEXTS[domain]
    return table.get(lang, table["en"])


def text(domain: str, key: str, lang: str, **values: object) -> str:
    """Return the string ``key`` of ``domain`` in ``lang``, filled with ``values``."""
    return texts(domain, lang)[key].format(**values)
