"""The strings of the arguments written per theme of themes.yml, in French, Dutch and English.

Kept beside the other tables of :mod:`evidence.i18n`, which serves them as its ``theme`` table.
"""

from __future__ import annotations

__all__ = ["THEME"]

THEME: dict[str, dict[str, str]] = {
    "fr": {
        "basis": (
            "Thème soulevé par {orgs} organisation(s) dans {items} entretien(s), {n} passage(s) ; "
            "codes : {codes}."
        ),
        "note": "Note de la coordination : {note}",
        "problem": "Le problème tel que le terrain le décrit",
        "said": "{org}, {kind} du {date}",
        "literature": "Ce que la littérature documente ou ne documente pas",
        "documented": (
            "La littérature du classeur documente ce thème : {n} source(s) portent ensemble au "
            "moins deux de ses codes {refs}."
        ),
        "thin": (
            "La littérature du classeur documente peu ce thème : {n} source(s) seulement portent "
            "ensemble deux de ses codes{refs}."
        ),
        "absent": (
            "La littérature du classeur ne dit rien de ce thème : aucune source ne porte un de ses "
            "codes."
        ),
        "per_code": "{code} : {n} source(s) de la littérature.",
        "tensions": "Tensions entre organisations",
        "tension": (
            "**{code}** : présent dans les passages de {having}, jamais dans ceux de {lacking}."
        ),
        "questions": "Questions ouvertes",
        "q_missing": (
            "Que sait-on de « {code} » au-delà du terrain ? Aucune source de la littérature ne "
            "l'aborde."
        ),
        "q_thin": (
            "Le lien entre les codes de ce thème est-il documenté ailleurs ? La littérature du "
            "classeur le montre à peine."
        ),
        "q_tension": "Pourquoi « {code} » apparaît-il chez {having} et pas chez {lacking} ?",
        "q_single": "« {code} » n'est soulevé que par {org} : est-ce propre à cette organisation ?",
        "carriers": "Organisations pouvant porter le thème",
        "head": "| Organisation | Secteur | Codes qu'elle apporte | Pourquoi elle est citée |",
        "why": (
            "{covered}/{total} codes du thème ; {confirmed} codage(s) confirmé(s) ; {items} "
            "entretien(s) ; {passages} passage(s)"
        ),
        "none": "Rien à signaler.",
    },
    "nl": {
        "basis": (
            "Thema aangekaart door {orgs} organisatie(s) in {items} interview(s), {n} passage(s); "
            "codes: {codes}."
        ),
        "note": "Noot van de coördinatie: {note}",
        "problem": "Het probleem zoals het veld het beschrijft",
        "said": "{org}, {kind} van {date}",
        "literature": "Wat de literatuur documenteert of niet",
        "documented": (
            "De literatuur van de werkmap documenteert dit thema: {n} bron(nen) dragen samen "
            "minstens twee van zijn codes {refs}."
        ),
        "thin": (
            "De literatuur van de werkmap documenteert dit thema nauwelijks: slechts {n} bron(nen) "
            "dragen samen twee van zijn codes{refs}."
        ),
        "absent": (
            "De literatuur van de werkmap zegt niets over dit thema: geen enkele bron draagt een "
            "van zijn codes."
        ),
        "per_code": "{code}: {n} bron(nen) uit de literatuur.",
        "tensions": "Spanningen tussen organisaties",
        "tension": "**{code}**: aanwezig in de passages van {having}, nooit in die van {lacking}.",
        "questions": "Open vragen",
        "q_missing": (
            "Wat weten we over “{code}” buiten het veld? Geen enkele bron uit de literatuur "
            "behandelt het."
        ),
        "q_thin": (
            "Is het verband tussen de codes van dit thema elders gedocumenteerd? De literatuur van "
            "de werkmap toont het nauwelijks."
        ),
        "q_tension": "Waarom komt “{code}” voor bij {having} en niet bij {lacking}?",
        "q_single": "“{code}” wordt enkel door {org} aangekaart: is dat eigen aan die organisatie?",
        "carriers": "Organisaties die het thema kunnen dragen",
        "head": "| Organisatie | Sector | Codes die ze inbrengt | Waarom ze vermeld wordt |",
        "why": (
            "{covered}/{total} codes van het thema; {confirmed} bevestigde codering(en); {items} "
            "interview(s); {passages} passage(s)"
        ),
        "none": "Niets te melden.",
    },
    "en": {
        "basis": (
            "Theme raised by {orgs} organisation(s) in {items} interview(s), {n} passage(s); codes:"
            " {codes}."
        ),
        "note": "Coordinator's note: {note}",
        "problem": "The problem as the field describes it",
        "said": "{org}, {kind} of {date}",
        "literature": "What the literature documents or lacks",
        "documented": (
            "The workbook's literature documents this theme: {n} source(s) carry at least two of "
            "its codes together {refs}."
        ),
        "thin": (
            "The workbook's literature barely documents this theme: only {n} source(s) carry two of"
            " its codes together{refs}."
        ),
        "absent": (
            "The workbook's literature says nothing on this theme: no source carries any of its "
            "codes."
        ),
        "per_code": "{code}: {n} literature source(s).",
        "tensions": "Tensions between organisations",
        "tension": "**{code}**: in the passages of {having}, never in those of {lacking}.",
        "questions": "Open questions",
        "q_missing": (
            "What is known of “{code}” beyond the field? No literature source addresses it."
        ),
        "q_thin": (
            "Is the link between this theme's codes documented elsewhere? The workbook's literature"
            " barely shows it."
        ),
        "q_tension": "Why does “{code}” come up with {having} and not with {lacking}?",
        "q_single": "“{code}” is raised by {org} only: is it particular to that organisation?",
        "carriers": "Organisations able to carry the theme",
        "head": "| Organisation | Sector | Codes it brings | Why it is listed |",
        "why": (
            "{covered}/{total} of the theme's codes; {confirmed} confirmed coding(s); {items} "
            "interview(s); {passages} passage(s)"
        ),
        "none": "Nothing to report.",
    },
}
