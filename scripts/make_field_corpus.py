"""Write a FICTIONAL field corpus of twenty interviews with known, planted themes.

Run from the repository root:

    .venv/bin/python scripts/make_field_corpus.py --out DIR   # default: build/field-corpus

It writes twenty interview transcripts in French and Dutch (.docx, .md and .txt), their
``metadata.csv`` (organisation, sector, kind, date, language, consent), a ``names.txt`` for the
pseudonymiser and ``planted.json``: which themes (groups of codebook codes) each interview
raises. ``--wave 2`` adds four later interviews raising a fifth theme, to test a re-run.
Every organisation, person and place is invented, and every note says so. Choices are drawn
with a fixed seed, so the same script always writes the same bytes: the theme tests
(tests/workbook/test_themes.py) generate it in a temporary folder and check that
``evidence themes`` finds the planted themes again.
"""

from __future__ import annotations

import argparse
import json
import random
import zipfile
from pathlib import Path

from make_sample_fieldwork import _CONTENT_TYPES, _RELS, FIXED, docx_xml

SEED = 21

# The planted themes: the codes they are made of, and answers that raise them together.
THEMES: dict[str, dict[str, object]] = {
    "police-street": {
        "codes": ["form.police", "pop.migrants", "form.economic"],
        "fr": [
            "Au parc, les policiers contrôlent les migrants chaque matin et les expulsent ; "
            "leurs affaires sont confisquées et jetées.",
            "Les exilés qui dorment près de la gare sont chassés par la police, et leurs "
            "tentes et leurs papiers sont confisqués pendant l'évacuation.",
            "Des agents ont fouillé des personnes sans-papiers et leur ont donné une amende ; "
            "le lendemain, leurs sacs avaient été volés pendant le contrôle.",
        ],
        "nl": [
            "In het park worden transmigranten elke ochtend door de politie weggejaagd; hun "
            "tenten en slaapzakken worden afgepakt.",
            "Mensen zonder papieren worden bij een politiecontrole opgepakt en hun spullen "
            "worden weggegooid; de gsm's zijn daarna vaak gestolen.",
            "Bij de ontruiming van het station sloegen agenten een vluchteling, en zijn "
            "bezittingen werden vernield.",
        ],
    },
    "women-sexual": {
        "codes": ["form.sexual", "pop.women", "cons.user.trauma"],
        "fr": [
            "Les femmes qui dorment dehors subissent des agressions sexuelles ; beaucoup "
            "gardent un traumatisme et des cauchemars pendant des années.",
            "Une jeune femme nous a raconté un viol dans un squat ; depuis, elle vit dans "
            "l'angoisse et ne dort plus.",
            "Pour un toit, certaines femmes acceptent des relations sexuelles en échange, et "
            "cette violence sexuelle laisse des traces de dépression profonde.",
        ],
        "nl": [
            "Vrouwen die op straat slapen worden aangerand en verkracht; velen blijven "
            "getraumatiseerd en hebben nachtmerries.",
            "Een meisje vertelde hoe ze verkracht werd in een kraakpand; sindsdien is ze "
            "angstig en depressief.",
            "Sommige vrouwen bieden seks in ruil voor een slaapplaats, en dat seksueel geweld "
            "laat een diep trauma na.",
        ],
    },
    "institutional-exclusion": {
        "codes": ["form.institutional", "cons.user.exclusion", "cons.user.disengagement"],
        "fr": [
            "Le CPAS refuse l'aide à ceux qui n'ont pas d'adresse ; exclus des services, ils "
            "finissent par renoncer à leurs droits.",
            "La lourdeur administrative est une violence institutionnelle : après une "
            "sanction, les gens perdent leur place et développent une méfiance envers tout.",
            "Un refus d'hébergement après l'autre, puis une exclusion temporaire du centre, et "
            "la personne décroche complètement du suivi.",
        ],
        "nl": [
            "Het OCMW weigert hulp aan wie geen adres heeft; na een schorsing vermijden ze de "
            "opvang en de diensten.",
            "De wachtlijsten en de bureaucratische drempels zijn institutioneel geweld: na "
            "een toegangsverbod is er alleen nog wantrouwen.",
            "Na weer een weigering en een sanctie verliezen mensen hun plaats, en ze zijn "
            "het vertrouwen in de hulp kwijt.",
        ],
    },
    "worker-burnout": {
        "codes": ["form.verbal", "cons.worker.burnout", "cons.worker.turnover"],
        "fr": [
            "Les insultes et les menaces de chaque soir mènent à l'épuisement ; deux "
            "collègues sont en arrêt maladie.",
            "Après des mois de cris et d'injures, l'équipe est à bout et le turnover est énorme.",
            "Les menaces répétées ont conduit à un burn-out, et la pénurie de personnel "
            "s'aggrave à chaque départ.",
        ],
        "nl": [
            "Het dagelijkse schelden en de bedreigingen zorgen voor uitputting; het "
            "ziekteverzuim is hoog.",
            "Na maanden van bedreigingen en beledigingen zijn collega's opgebrand en het "
            "personeelsverloop is groot.",
            "Een collega werd uitgescholden en bedreigd, viel uit met een burn-out, en de "
            "vacature raakt niet ingevuld.",
        ],
    },
    # Raised only by the second wave of interviews (--wave 2): a theme that appears later.
    "peer-support": {
        "codes": ["resp.peer", "resp.training", "cons.worker.insecurity"],
        "fr": [
            "Depuis que des pairs aidants travaillent avec nous et que l'équipe a suivi une "
            "formation à la désescalade, les travailleurs ont moins peur.",
            "Les experts du vécu savent désamorcer les conflits ; avant eux, le stress des "
            "travailleurs était permanent.",
            "Une formation à la gestion de l'agressivité, donnée avec des travailleurs pairs, a "
            "réduit l'insécurité au travail.",
        ],
        "nl": [
            "Sinds er ervaringsdeskundigen in het team zitten en we een opleiding de-escalatie "
            "volgden, voelen medewerkers zich minder onveilig.",
            "De ervaringswerkers helpen bij conflicthantering; vroeger was de werkstress enorm.",
            "Een training agressiebeheersing samen met ervaringsdeskundigen verminderde de "
            "angst bij de hulpverleners.",
        ],
    },
}

# Answers that raise no planted theme: daily work, context, the weather.
FILLER = {
    "fr": [
        "Nous ouvrons à dix-huit heures et nous servons une soupe à tout le monde.",
        "L'équipe compte six personnes, avec des bénévoles le week-end.",
        "Le bâtiment a été rénové l'année passée, les douches fonctionnent enfin.",
        "Nous travaillons beaucoup avec les familles du quartier et l'école voisine.",
        "L'hiver a été long, et la demande a augmenté depuis septembre.",
    ],
    "nl": [
        "We openen om zes uur en er is soep voor iedereen.",
        "Het team telt zes mensen, met vrijwilligers in het weekend.",
        "Het gebouw werd vorig jaar gerenoveerd, de douches werken eindelijk.",
        "We werken veel samen met de buurt en de school naast ons.",
        "De winter was lang, en de vraag is gestegen sinds september.",
    ],
}

QUESTIONS = {
    "fr": [
        "Pouvez-vous décrire ce que vous observez ?",
        "Pouvez-vous donner un exemple ?",
        "Qu'est-ce que cela change pour les personnes ?",
        "Et au quotidien ?",
    ],
    "nl": [
        "Kunt u beschrijven wat u ziet?",
        "Kunt u een voorbeeld geven?",
        "Wat betekent dat voor de mensen?",
        "En in het dagelijkse werk?",
    ],
}

# (organisation, sector, language): invented; some organisations give two interviews.
ORGANISATIONS = [
    ("ASBL Le Phare Fictif", "accueil de jour", "fr"),
    ("ASBL Nuit Sans Nom", "hébergement d'urgence", "fr"),
    ("Collectif Rue Imaginaire", "travail de rue", "fr"),
    ("ASBL Femmes d'Ailleurs Fictives", "accueil de femmes", "fr"),
    ("Service Social Inventé", "service social", "fr"),
    ("ASBL Abri Chimère", "maison d'accueil", "fr"),
    ("Maison Médicale Songe", "santé", "fr"),
    ("vzw Verzonnen Brug", "dagcentrum", "nl"),
    ("vzw Nachtasiel Nergens", "nachtopvang", "nl"),
    ("Straatwerk Droombeeld", "straathoekwerk", "nl"),
    ("vzw Vrouwenhuis Fantasie", "vrouwenopvang", "nl"),
    ("Juridisch Punt Onwerkelijk", "rechtshulp", "nl"),
    ("vzw Onthaal Luchtkasteel", "onthaal", "nl"),
    ("ASBL Pont Irréel", "accueil de jour", "fr"),
]
# Interview number -> (organisation index, planted themes raised).
PLAN = [
    (0, ["worker-burnout"]),
    (1, ["worker-burnout", "women-sexual"]),
    (2, ["police-street"]),
    (3, ["women-sexual"]),
    (4, ["institutional-exclusion"]),
    (5, ["worker-burnout"]),
    (6, ["women-sexual", "police-street"]),
    (7, ["institutional-exclusion", "worker-burnout"]),
    (8, ["worker-burnout"]),
    (9, ["police-street"]),
    (10, ["women-sexual"]),
    (11, ["institutional-exclusion", "police-street"]),
    (12, ["institutional-exclusion"]),
    (13, ["police-street", "institutional-exclusion"]),
    (1, ["women-sexual"]),
    (4, ["institutional-exclusion"]),
    (9, ["police-street", "women-sexual"]),
    (7, ["worker-burnout"]),
    (2, ["police-street"]),
    (12, ["institutional-exclusion", "worker-burnout"]),
]
# The second wave: four more interviews, which bring a theme the first twenty do not raise.
WAVE_2 = [
    (0, ["peer-support"]),
    (7, ["peer-support"]),
    (10, ["peer-support", "worker-burnout"]),
    (5, ["peer-support"]),
]
SPEAKERS = {
    "fr": ["Aurore Fictive", "Mehdi Songe", "Claire Inventée"],
    "nl": ["Lotte Verzinsel", "Youssef Droom", "Pieter Fantasie"],
}
FORMATS = [".docx", ".md", ".txt"]
NOTICE = {
    "fr": "Document FICTIF — l'organisation, les personnes et les lieux sont inventés.",
    "nl": "FICTIEF document — de organisatie, de personen en de plaatsen zijn verzonnen.",
}
ASK = {"fr": "Intervieweuse", "nl": "Interviewer"}


def _interview(number: int, rng: random.Random) -> tuple[dict[str, str], list[str]]:
    """Return one interview's metadata and its paragraphs (speaker turns)."""
    org, themes = [*PLAN, *WAVE_2][number]
    name, sector, lang = ORGANISATIONS[org]
    speaker = rng.choice(SPEAKERS[lang])
    first = speaker.split()[0]
    turns: list[tuple[str, str]] = []
    for theme in themes:
        pool = list(THEMES[theme][lang])  # type: ignore[arg-type]
        rng.shuffle(pool)
        turns += [(q, a) for q, a in zip(rng.sample(QUESTIONS[lang], 2), pool[:2], strict=True)]
    fillers = rng.sample(FILLER[lang], 2)
    turns.insert(0, (QUESTIONS[lang][0], fillers[0] + f" {name} existe depuis dix ans."))
    turns.append((QUESTIONS[lang][3], fillers[1]))
    paragraphs = [NOTICE[lang]]
    for question, answer in turns:
        paragraphs += [f"{ASK[lang]} : {question}", f"{first} : {answer}"]
    month = 1 + number % 6
    meta = {
        "organisation": name,
        "sector": sector,
        "kind": "interview",
        "date": f"2025-{month:02d}-{3 + number:02d}",
        "language": lang,
        "consent": "oui" if lang == "fr" else "ja",
        "title": ("FICTIF — Entretien " if lang == "fr" else "FICTIEF — Interview ")
        + f"{number + 1:02d}",
    }
    return meta, paragraphs


def write_corpus(folder: Path, wave: int = 1) -> list[Path]:
    """Write the twenty interviews (with ``wave=2``, the four of the second wave as well),
    metadata.csv, names.txt and planted.json; return their paths."""
    rng = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    written, rows, planted = [], [], {}
    for number in range(len(PLAN) + (len(WAVE_2) if wave >= 2 else 0)):
        meta, paragraphs = _interview(number, rng)
        suffix = FORMATS[number % len(FORMATS)]
        path = folder / f"interview-{number + 1:02d}{suffix}"
        if suffix == ".docx":
            xml = docx_xml([("", p) for p in paragraphs])
            with zipfile.ZipFile(path, "w") as archive:
                for member, text in (
                    ("[Content_Types].xml", _CONTENT_TYPES),
                    ("_rels/.rels", _RELS),
                    ("word/document.xml", xml),
                ):
                    info = zipfile.ZipInfo(member, date_time=FIXED)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, text.encode("utf-8"))
        else:
            path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
        written.append(path)
        rows.append(";".join([path.name, *meta.values()]))
        planted[path.name] = {
            "organisation": meta["organisation"],
            "themes": [*PLAN, *WAVE_2][number][1],
        }
    header = "file;organisation;sector;kind;date;language;consent;title"
    (folder / "metadata.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    names = ["# FICTIONAL names: every person and organisation below is invented."]
    names += [f"{p}|{p.split()[0]}" for lang in ("fr", "nl") for p in SPEAKERS[lang]]
    names += [f"{o};organisation" for o, _, _ in ORGANISATIONS]
    (folder / "names.txt").write_text("\n".join(names) + "\n", encoding="utf-8")
    themes = {t: v["codes"] for t, v in THEMES.items()}
    (folder / "planted.json").write_text(
        json.dumps({"themes": themes, "interviews": planted}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return [*written, folder / "metadata.csv", folder / "names.txt", folder / "planted.json"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("build/field-corpus"))
    parser.add_argument("--wave", type=int, choices=(1, 2), default=1, help="2: 24 interviews")
    args = parser.parse_args()
    for path in write_corpus(args.out, args.wave):
        print(path)


if __name__ == "__main__":
    main()
