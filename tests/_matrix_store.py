"""A tiny real store and codebook for the matrix, query, export and exploration tests.

Four sources: two literature sources in Brussels and London, one field source, one without
a year; one document each (relative paths, one a Zotero attachment) and one Zotero
annotation tied to no document. Codings of every origin: rules with spans, a person's
acceptance and rejection, and model suggestions with probabilities.
"""

from __future__ import annotations

import json
from pathlib import Path

from evidence.records import CodingRow, PassageRow
from evidence.store import open_store

CODEBOOK = """\
version: "matrix-test-1"
languages: [fr, nl, en]
facets:
  form: {fr: Formes, nl: Vormen, en: Forms}
  cons: {fr: Conséquences, nl: Gevolgen, en: Consequences}
  setting: {fr: Lieux, nl: Plaatsen, en: Settings}
  pop: {fr: Publics, nl: Doelgroepen, en: Populations}
codes:
  form.physical:
    labels: {fr: Violence physique, nl: Fysiek geweld, en: Physical violence}
    definition: Hitting, assault.
    patterns: {fr: [agression, coups], en: [assault]}
  form.verbal:
    labels: {fr: Violence verbale, nl: Verbaal geweld, en: Verbal violence}
    definition: Insults, threats.
    patterns: {fr: [insulte, menace], en: [threat]}
  cons.worker.burnout:
    labels: {fr: Épuisement, nl: Burn-out, en: Burnout}
    definition: Burnout of workers.
    patterns: {any: [burnout], fr: [épuisement]}
  cons.user.trauma:
    labels: {fr: Traumatisme, nl: Trauma, en: Trauma}
    definition: Trauma of users.
    patterns: {fr: [peur], en: [fear]}
  setting.shelter:
    labels: {fr: Asile de nuit, nl: Nachtopvang, en: Night shelter}
    definition: Night shelters.
    patterns: {fr: [asile], en: [shelter]}
  pop.women:
    labels: {fr: Femmes, nl: Vrouwen, en: Women}
    definition: Women.
    patterns: {fr: [femmes], en: [women]}
"""

SOURCES = [
    {
        "key": "dubois2021",
        "kind": "literature",
        "title": "Agressions en maison d'accueil",
        "authors": ["Dubois, Anne", "Peeters, Els"],
        "year": 2021,
        "lang": "fr",
        "country": "BE",
    },
    {
        "key": "smith2019",
        "kind": "literature",
        "title": "Violence in night shelters",
        "authors": ["Smith, Jo"],
        "year": 2019,
        "lang": "en",
        "country": "UK",
    },
    {
        "key": "terrain2024",
        "kind": "field",
        "title": "Notes de terrain",
        "authors": [],
        "year": 2024,
        "lang": "fr",
        "country": "BE",
    },
    {
        "key": "zonder",
        "kind": "literature",
        "title": "Zonder jaar",
        "authors": ["Jansen, Piet"],
        "year": None,
        "lang": "nl",
        "country": "",
    },
]

# (id, source, page_index, label, lang, text)
PASSAGES = [
    (
        "d1",
        "dubois2021",
        0,
        "12",
        "fr",
        "Une agression au guichet a laissé l'équipe dans l'épuisement.",
    ),
    ("d2", "dubois2021", 1, "13", "fr", "Les insultes répétées nourrissent la peur des femmes."),
    ("d3", "dubois2021", 1, "13", "fr", "Après les coups, la peur reste chez les résidentes."),
    ("s1", "smith2019", 4, "v", "en", "An assault in the shelter led to staff burnout."),
    ("s2", "smith2019", 5, "vi", "en", "Threats in the shelter and burnout of night workers."),
    ("t1", "terrain2024", 0, "1", "fr", "Au centre, une agression, puis l'épuisement."),
    ("z1", "zonder", 2, "3", "nl", "Fysiek geweld en angst bij vrouwen in de nachtopvang."),
]
ANNOTATION = ("a1", "smith2019", 6, "vii", "en", "Highlighted: the assault caused lasting fear.")


def _span(text: str, word: str) -> list[object]:
    start = text.lower().index(word)
    return [start, start + len(word), word]


def _rule(pid: str, code: str, *words: str) -> CodingRow:
    text = {p[0]: p[5] for p in [*PASSAGES, ANNOTATION]}[pid]
    return CodingRow(
        pid, code, "rule", "codebook", spans=json.dumps([_span(text, w) for w in words])
    )


CODINGS = [
    _rule("d1", "form.physical", "agression"),
    _rule("d1", "cons.worker.burnout", "épuisement"),
    _rule("d2", "form.verbal", "insultes"),
    _rule("d2", "cons.user.trauma", "peur"),
    _rule("d2", "pop.women", "femmes"),
    _rule("d3", "form.physical", "coups"),
    _rule("d3", "cons.user.trauma", "peur"),
    _rule("s1", "form.physical", "assault"),
    _rule("s1", "cons.worker.burnout", "burnout"),
    _rule("s1", "setting.shelter", "shelter"),
    _rule("s2", "form.verbal", "threats"),
    _rule("s2", "cons.worker.burnout", "burnout"),
    _rule("s2", "setting.shelter", "shelter"),
    _rule("t1", "form.physical", "agression"),
    _rule("t1", "cons.worker.burnout", "épuisement"),
    _rule("a1", "form.physical", "assault"),
    # A person accepts trauma on the annotation and on z1, and rejects the rule's physical
    # violence on d3 (it is about a past event, say).
    CodingRow("a1", "cons.user.trauma", "human", "zotero:ann"),
    CodingRow("z1", "form.physical", "human", "review:piet"),
    CodingRow("z1", "cons.user.trauma", "human", "review:piet"),
    CodingRow("d3", "form.physical", "human", "review:ann", negated=True),
    # Suggestions: one likely, one unlikely.
    CodingRow("s2", "cons.user.trauma", "model", "suggest:v1", score=0.91),
    CodingRow("z1", "cons.worker.burnout", "model", "suggest:v1", score=0.3),
]


def make_matrix_store(root: Path) -> Path:
    """Write the store (and codebook.yml) under ``root``; return the store's path."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "codebook.yml").write_text(CODEBOOK, encoding="utf-8")
    path = root / "store.sqlite"
    with open_store(path) as store:
        store.replace_sources("bibtex", SOURCES)
        for s in SOURCES:
            key = s["key"]
            store.replace_documents(
                key,
                [
                    {
                        "path": f"pdfs/{key}.pdf",
                        "sha256": f"sha-{key}",
                        "size": 1,
                        "zotero_key": "ATT12345" if key == "smith2019" else "",
                    }
                ],
            )
        docs = {d.source_key: d.id for d in store.documents()}
        for key in docs:
            rows = [
                PassageRow(
                    id=p,
                    source_key=s,
                    seq=i,
                    page_index=pi,
                    page_label=lab,
                    section="body",
                    lang=lang,
                    text=text,
                )
                for i, (p, s, pi, lab, lang, text) in enumerate(PASSAGES)
                if s == key
            ]
            store.save_extraction(
                docs[key],
                sha256=f"sha-{key}",
                extractor_version="t",
                status="ok",
                reason="",
                pages=9,
                lang=rows[0].lang,
                warnings=[],
                passages=rows,
            )
        with store.transaction() as db:
            db.execute(
                "INSERT INTO passages(id, document_id, source_key, origin, seq, page_index, "
                "page_label, section, lang, text) VALUES (?, NULL, ?, 'annotation', 0, ?, ?, "
                "'annotation', ?, ?)",
                ANNOTATION,
            )
        for origin in ("rule", "human", "model"):
            store.replace_codings(origin, [c for c in CODINGS if c.origin == origin])
    return path
