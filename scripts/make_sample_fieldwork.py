"""Write the two binary fictional field notes of the sample: one .docx and one .odt.

Run from the repository root:

    .venv/bin/python scripts/make_sample_fieldwork.py            # writes data/sample/fieldwork/
    .venv/bin/python scripts/make_sample_fieldwork.py --out DIR  # writes DIR/... instead

Both are built with zipfile from the paragraphs below, with fixed entry dates, so the bytes
depend only on this script. Every person, organisation, address and number is invented.
"""

from __future__ import annotations

import argparse
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

FIXED = (2025, 1, 1, 0, 0, 0)

# (style, text): style "h" is a heading, "" a paragraph.
DOCX_NOTE: list[tuple[str, str]] = [
    ("", "---"),
    ("", "organisation: ASBL La Nuit Inventée"),
    ("", "sector: hébergement d'urgence"),
    ("", "kind: entretien"),
    ("", "date: 2025-02-14"),
    ("", "language: fr"),
    ("", "consent: oui"),
    ("", "title: FICTIF — Entretien avec une éducatrice de nuit"),
    ("", "---"),
    ("h", "Entretien fictif avec une éducatrice de nuit"),
    (
        "",
        "Document fictif de démonstration : les personnes, l'organisation, les lieux et les "
        "coordonnées sont inventés.",
    ),
    ("", "Intervieweuse : Pouvez-vous décrire les violences que vous rencontrez la nuit ?"),
    (
        "",
        "Zélie : À l'accueil de nuit, les agressions physiques sont devenues fréquentes. Le mois "
        "dernier, un résident a frappé un collègue au visage et deux autres se sont battus "
        "dans le dortoir. Les insultes et les menaces arrivent presque chaque soir.",
    ),
    ("", "Intervieweuse : Qu'est-ce que cela change pour l'équipe ?"),
    (
        "",
        "Zélie : Beaucoup d'épuisement. Après chaque agression, quelqu'un part en arrêt maladie "
        "et nous avons un turnover énorme : trois éducateurs sur huit ont quitté l'ASBL La Nuit "
        "Inventée cette année. J'ai moi-même fait un burn-out en 2023. Il y a aussi la peur en "
        "arrivant le soir, on ne se sent plus en sécurité au travail.",
    ),
    ("", "Intervieweuse : Et pour les personnes hébergées ?"),
    (
        "",
        "Zélie : Après les bagarres, la direction a réduit le nombre de lits et fermé l'accueil "
        "en journée. Des personnes sont exclues pour quinze jours et retournent à la rue ; "
        "certaines ne reviennent jamais, elles perdent confiance dans les services.",
    ),
    ("", "Intervieweuse : Qu'est-ce qui aide ?"),
    (
        "",
        "Zélie : Face aux agressions et aux menaces, la supervision mensuelle et l'intervision "
        "entre collègues nous tiennent debout. Nous avons aussi suivi une formation à la "
        "désescalade et à la gestion de l'agressivité, qui a réduit les passages à l'acte. Mon "
        "collègue Karim Imaginaire a organisé un débriefing après chaque agression grave.",
    ),
    ("", "Intervieweuse : Et l'approche de l'équipe envers les résidents ?"),
    (
        "",
        "Zélie : Nous essayons une approche sensible au trauma : beaucoup de résidents ont été "
        "battus ou agressés dans la rue, et comprendre cela aide à éviter qu'un conflit ne "
        "tourne à la bagarre. L'accueil inconditionnel, à bas seuil, reste notre principe.",
    ),
    ("", "Intervieweuse : Comment peut-on vous joindre pour la suite ?"),
    (
        "",
        "Zélie : Par courriel à zelie.fictiva@example.org ou au 02 012 34 56, ou à l'adresse "
        "de l'ASBL, rue Imaginaire 12, 1000 Bruxelles. Karim préfère le +32 2 012 98 76.",
    ),
]

ODT_NOTE: list[tuple[str, str]] = [
    ("h", "Fictief gesprek in een dagcentrum"),
    (
        "",
        "Fictief demonstratiedocument: personen, organisatie, adressen en nummers zijn verzonnen.",
    ),
    ("", "Interviewer: Welke vormen van geweld ziet u in het dagcentrum?"),
    (
        "",
        "Bram: Vooral verbale agressie. Bezoekers schelden medewerkers uit en er zijn elke "
        "week bedreigingen aan het onthaal. Vorige maand werd een collega geslagen door een "
        "bezoeker die al uren moest wachten.",
    ),
    ("", "Interviewer: Wat doet dat met het team van De Verzonnen Haven?"),
    (
        "",
        "Bram: Medewerkers voelen zich onveilig en hebben angst om alleen aan het onthaal te "
        "staan. Er is veel stress en het ziekteverzuim stijgt; twee collega's zijn vertrokken. "
        "Sommigen spreken van een burn-out.",
    ),
    ("", "Interviewer: Hoe reageert de organisatie?"),
    (
        "",
        "Bram: Tegen de verbale agressie en de bedreigingen hebben we intervisie en supervisie "
        "ingevoerd, en na elk incident is er een debriefing. Sinds vorig jaar werken er twee "
        "ervaringsdeskundigen in het team; zij voelen spanningen vroeg aan, zodat er minder "
        "wordt gescholden en geslagen. We volgden ook een opleiding de-escalatie en "
        "agressiebeheersing.",
    ),
    ("", "Interviewer: En voor de bezoekers zelf?"),
    (
        "",
        "Bram: Wie agressief is, krijgt een toegangsverbod van een week. Dat is hard: die "
        "mensen verliezen hun plaats en komen soms niet meer terug. Het OCMW weigert hen "
        "daarna vaak een afspraak, wat de spanning nog verhoogt. Die uitsluiting is ook "
        "institutioneel geweld; daarom zoeken we overleg en samenwerking met het OCMW.",
    ),
    ("", "Interviewer: Mogen we u later nog contacteren?"),
    (
        "",
        "Bram: Natuurlijk, via bram.verzonnen@example.net of langs te komen in de "
        "Verzonnenstraat 12, 1000 Brussel.",
    ),
]

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ODT_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3"'
)
_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.3"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def docx_xml(paragraphs: list[tuple[str, str]]) -> str:
    """Return word/document.xml for ``paragraphs``."""
    body = []
    for style, text in paragraphs:
        props = '<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>' if style == "h" else ""
        body.append(f'<w:p>{props}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{_W}"><w:body>{"".join(body)}</w:body></w:document>'
    )


def odt_xml(paragraphs: list[tuple[str, str]]) -> str:
    """Return content.xml for ``paragraphs``."""
    body = []
    for style, text in paragraphs:
        tag = 'text:h text:outline-level="1"' if style == "h" else "text:p"
        body.append(f"<{tag}>{escape(text)}</{tag.split()[0]}>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODT_NS}>'
        f"<office:body><office:text>{''.join(body)}</office:text></office:body>"
        "</office:document-content>"
    )


def _write_zip(path: Path, members: list[tuple[str, str, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text, method in members:
            info = zipfile.ZipInfo(name, date_time=FIXED)
            info.compress_type = method
            archive.writestr(info, text.encode("utf-8"))


def write_notes(folder: Path) -> list[Path]:
    """Write the sample .docx and .odt notes into ``folder``; return their paths."""
    docx = folder / "2025-02-entretien-nuit-inventee.docx"
    _write_zip(
        docx,
        [
            ("[Content_Types].xml", _CONTENT_TYPES, zipfile.ZIP_DEFLATED),
            ("_rels/.rels", _RELS, zipfile.ZIP_DEFLATED),
            ("word/document.xml", docx_xml(DOCX_NOTE), zipfile.ZIP_DEFLATED),
        ],
    )
    odt = folder / "2025-03-gesprek-verzonnen-haven.odt"
    _write_zip(
        odt,
        [
            ("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED),
            ("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED),
            ("content.xml", odt_xml(ODT_NOTE), zipfile.ZIP_DEFLATED),
        ],
    )
    return [docx, odt]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("."), help="folder to write under")
    args = parser.parse_args()
    for path in write_notes(args.out / "data" / "sample" / "fieldwork"):
        print(path)


if __name__ == "__main__":
    main()
