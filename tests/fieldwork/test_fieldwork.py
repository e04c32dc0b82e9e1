"""Field notes: reading .docx/.odt/.md/.txt, metadata and consent, turns, import into the store.

The last test builds a whole workbook with field notes and proves that no name of the names
list reaches the store, the exports or the reports.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pymupdf
import pytest

from evidence.config import load_settings
from evidence.errors import ConfigError
from evidence.fieldwork import (
    NoteFormatError,
    PseudonymKey,
    check_metadata,
    compile_names,
    compute_field_item,
    fold_name,
    parse_metadata_table,
    parse_names,
    read_note_text,
    split_front_matter,
)
from evidence.fieldwork._turns import split_turns
from evidence.store import open_store
from evidence.workbook import run_code, run_fieldwork

REPO = Path(__file__).resolve().parents[2]
# Invented names: the coordinator's list of this test workbook.
NAMES = """\
Zélie Quenobe|Zélie|Quenobe
Bram Vaskelin|Bram
Amira Oulbekh|Amira
ASBL Les Veilleurs d'Ombre|Veilleurs d'Ombre;organisation
vzw Het Kraaiennest|Kraaiennest;organisation
"""
LISTED = [n.strip() for line in NAMES.splitlines() for n in line.split(";")[0].split("|")]

INTERVIEW_FR = """\
---
organisation: ASBL Les Veilleurs d'Ombre
sector: accueil de nuit
kind: entretien
date: 2025-02-01
language: fr
consent: oui
title: Entretien avec Zélie
---

# Entretien à l'accueil de nuit

Q : Quelles violences rencontrez-vous ?

Zélie : Un résident m'a donné des coups la semaine passée. Après chaque agression, c'est
l'épuisement de toute l'équipe des Veilleurs d'Ombre.

Q : Et la collègue d'Amira ?

ZELIE : La peur et le traumatisme restent. Bram's team too. Écrivez à
zelie.quenobe@example.org ou au 02 012 34 56, rue Imaginaire 12, 1000 Bruxelles.
"""
GESPREK_NL = [
    "Interviewer: Welke vormen van geweld ziet u?",
    "Bram: Mishandeling en bedreiging aan het onthaal van Kraaiennest; veel collega's krijgen "
    "een burnout.",
    "Interviewer: Wat helpt?",
    "Bram: Vorming rond agressie. Amira Oulbekh leidt die vorming.",
    "Interviewer: Dank u, Bram Vaskelin.",
]
FOCUS_EN = [
    "---",
    "organisation: vzw Het Kraaiennest",
    "kind: focus group",
    "consent: yes",
    "language: en",
    "date: 2025-03",
    "---",
    ("h", "Focus group"),
    "Moderator: What happens at the day centre?",
    "Amira: Workers were assaulted twice; the assault left Bram with exhaustion.",
    "Moderator: And then?",
    "Amira: De-escalation training helped Zélie Quenobe's team.",
]
TABLE = """\
file;organisation;kind;consent;language;date
gesprek_bram_vaskelin.docx;vzw Het Kraaiennest;gesprek;ja;nl;2025-01-15
refus-amira-oulbekh.txt;ASBL Les Veilleurs d'Ombre;interview;non;fr;2025-04-01
"""
REFUSED = "Q: Pouvez-vous parler d'Amira ?\n\nR: Non, je ne veux pas. Amira Oulbekh non plus.\n"


def make_docx(path: Path, paragraphs: list[str | tuple[str, str]], extra: str = "") -> Path:
    """Write a minimal .docx: ("h", text) is a heading; ``extra`` is raw body XML."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(
        f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>{escape(p[1])}</w:t></w:r>'
        f"</w:p>"
        if isinstance(p, tuple)
        else f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
        for p in paragraphs
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "word/document.xml",
            f'<w:document xmlns:w="{w}"><w:body>{body}{extra}</w:body></w:document>',
        )
        z.writestr("docProps/core.xml", "<cp:coreProperties>Zélie Quenobe</cp:coreProperties>")
    return path


def make_odt(path: Path, paragraphs: list[str | tuple[str, str]], extra: str = "") -> Path:
    """Write a minimal .odt: ("h", text) is a heading; ``extra`` is raw text-body XML."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    )
    body = "".join(
        f"<text:h>{escape(p[1])}</text:h>"
        if isinstance(p, tuple)
        else f"<text:p>{escape(p)}</text:p>"
        for p in paragraphs
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr(
            "content.xml",
            f"<office:document-content {ns}><office:body><office:text>"
            f"{body}{extra}</office:text></office:body></office:document-content>",
        )
    return path


def add_fieldwork(root: Path, *, names: bool = True) -> Path:
    """Give a tiny workbook a [fieldwork] table and four notes, one of them without consent;
    its chapter counts literature and field material."""
    with open(root / "evidence.toml", "a", encoding="utf-8") as fh:
        # The chapters table comes last: this key is the tiny chapter's.
        fh.write(
            'evidence = "both"\n'
            '\n[fieldwork]\nfolder = "field"\nnames = "private/names.txt"\n'
            'key = "private/key.csv"\n'
        )
    folder = root / "field"
    folder.mkdir()
    (folder / "entretien-zelie-quenobe.md").write_text(INTERVIEW_FR, encoding="utf-8")
    make_docx(folder / "gesprek_bram_vaskelin.docx", GESPREK_NL)
    make_odt(folder / "focus-amira.odt", FOCUS_EN)
    (folder / "refus-amira-oulbekh.txt").write_text(REFUSED, encoding="utf-8")
    (folder / "metadata.csv").write_text(TABLE, encoding="utf-8")
    if names:
        (root / "private").mkdir()
        (root / "private" / "names.txt").write_text(NAMES, encoding="utf-8")
    return root


@pytest.fixture
def field_workbook(workbook: Path) -> Path:
    """The tiny workbook with field notes."""
    return add_fieldwork(workbook)


# -- reading notes ---------------------------------------------------------------------------
def test_docx_paragraphs_headings_tabs_and_breaks_without_deleted_text(tmp_path: Path) -> None:
    tracked = (
        "<w:p><w:r><w:t>Gardé</w:t></w:r><w:del><w:r><w:delText>Supprimé</w:delText>"
        "</w:r></w:del><w:r><w:tab/><w:t>après</w:t><w:br/><w:t>ligne</w:t></w:r></w:p>"
    )
    path = make_docx(tmp_path / "n.docx", [("h", "Titre"), "Premier paragraphe."], tracked)
    text = read_note_text(path.name, path.read_bytes())
    assert text == "# Titre\n\nPremier paragraphe.\n\nGardé\taprès\nligne"


def test_odt_spaces_headings_and_no_comment_authors(tmp_path: Path) -> None:
    extra = (
        '<text:p>Un<text:s text:c="2"/>deux<office:annotation><dc:creator>Zélie Quenobe'
        "</dc:creator><text:p>commentaire</text:p></office:annotation> trois</text:p>"
    )
    path = make_odt(tmp_path / "n.odt", [("h", "Titre"), "Texte."], extra)
    assert read_note_text(path.name, path.read_bytes()) == "# Titre\n\nTexte.\n\nUn  deux trois"


def test_damaged_and_unsupported_notes_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(NoteFormatError, match="save it again as .docx"):
        read_note_text("n.docx", b"not a zip")
    with pytest.raises(NoteFormatError, match="save the note as .docx, .odt, .md or .txt"):
        read_note_text("n.rtf", b"{\\rtf1}")
    assert read_note_text("n.txt", "Crème\r\nbrûlée".encode("cp1252")) == "Crème\nbrûlée"


# -- metadata and consent --------------------------------------------------------------------
def test_front_matter_and_table_merge_in_three_languages() -> None:
    front, body, error = split_front_matter(INTERVIEW_FR)
    assert error == "" and body.lstrip().startswith("# Entretien")
    meta, refusal, warnings = check_metadata(front, {})
    assert refusal is None and warnings == []
    assert (meta.kind, meta.date, meta.language, meta.year) == (
        "interview",
        "2025-02-01",
        "fr",
        2025,
    )
    rows = parse_metadata_table(TABLE)
    meta, refusal, _ = check_metadata({}, rows["gesprek_bram_vaskelin.docx"])
    assert refusal is None and (meta.kind, meta.organisation) == (
        "interview",
        "vzw Het Kraaiennest",
    )
    meta, _, warnings = check_metadata({"toestemming": "ja", "type": "getuigenis", "stad": "X"}, {})
    assert meta.kind == "testimony"
    assert warnings == ["unknown metadata key 'stad' in the front matter is ignored"]


@pytest.mark.parametrize(
    ("front", "table", "reason", "says"),
    [
        ({"kind": "interview"}, {}, "no_consent", "consent is not recorded"),
        ({"kind": "interview", "consent": False}, {}, "no_consent", "consent is 'no'"),
        ({"kind": "interview", "consentement": "non"}, {}, "no_consent", "consent is 'non'"),
        (
            {"kind": "interview", "consent": "yes"},
            {"consent": "no"},
            "consent_conflict",
            "disagree",
        ),
        ({"kind": "chat", "consent": "yes"}, {}, "bad_metadata", "kind 'chat' is not one of"),
        (
            {"kind": "meeting", "consent": "yes", "date": "12/03/2025"},
            {},
            "bad_metadata",
            "YYYY-MM-DD",
        ),
        (
            {"kind": "meeting", "consent": "yes", "language": "de"},
            {},
            "bad_metadata",
            "fr, nl or en",
        ),
    ],
)
def test_notes_without_consent_or_with_bad_metadata_are_refused(
    front: dict, table: dict, reason: str, says: str
) -> None:
    meta, refusal, _ = check_metadata(front, table)
    assert meta is None and refusal.reason == reason and says in refusal.detail


def test_invalid_front_matter_gives_its_place_without_quoting_it() -> None:
    _, _, error = split_front_matter("---\nkind: interview\norganisation: Zélie: x\n---\nTexte")
    assert error.startswith("the front matter is not valid YAML at line 3")
    assert "Zélie" not in error


# -- passages --------------------------------------------------------------------------------
def test_a_transcript_becomes_speaker_turns_and_questions_are_not_body() -> None:
    turns = split_turns(
        "# Titre\n\nContexte.\n\n**Q :** Une question ?\n\nR : Réponse,\n"
        "suite.\n\nAutre paragraphe.\nQ: Encore ?\nR: Oui.\n"
    )
    assert [(t.number, t.section, t.speaker, t.text) for t in turns] == [
        (1, "heading", "", "Titre"),
        (2, "body", "", "Contexte."),
        (3, "question", "Q", "Une question ?"),
        (4, "body", "R", "Réponse, suite.\n\nAutre paragraphe."),
        (5, "question", "Q", "Encore ?"),
        (6, "body", "R", "Oui."),
    ]


def test_notes_without_recurring_speakers_are_paragraphs() -> None:
    turns = split_turns("Date : 12 mars\nLieu : Bruxelles\n\nLe groupe a discuté.\nSuite.")
    assert [(t.section, t.speaker, t.text) for t in turns] == [
        ("body", "", "Date : 12 mars"),
        ("body", "", "Lieu : Bruxelles"),
        ("body", "", "Le groupe a discuté. Suite."),
    ]


def test_a_field_item_holds_pseudonyms_only_and_stable_ids() -> None:
    front, body, _ = split_front_matter(INTERVIEW_FR)
    meta, _, _ = check_metadata(front, {})
    matcher = compile_names(parse_names(NAMES))
    item, key = compute_field_item(
        "field/entretien-zelie-quenobe.md", body, meta, matcher, PseudonymKey()
    )
    assert item.key == "field-entretien-P01" and item.path == "field/entretien-P01.md"
    assert item.record["authors"] == ["ORG01"] and item.record["title"] == "Entretien avec P01"
    dump = json.dumps([item.record, [p.text for p in item.passages]], ensure_ascii=False)
    assert not [n for n in LISTED if fold_name(n) in fold_name(dump)]
    answers = [p for p in item.passages if p.section == "body" and p.extra != "{}"]
    assert [json.loads(p.extra)["speaker"] for p in answers] == ["P01", "P01"]
    assert [p.page_label for p in item.passages] == ["§1", "§2", "§3", "§4", "§5"]
    again, _ = compute_field_item("field/entretien-zelie-quenobe.md", body, meta, matcher, key)
    assert [p.id for p in again.passages] == [p.id for p in item.passages]
    assert again.fingerprint == item.fingerprint
    changed, _ = compute_field_item(
        "field/entretien-zelie-quenobe.md", body + "\nQ : Fin ?", meta, matcher, key
    )
    assert changed.fingerprint != item.fingerprint


# -- the import stage ------------------------------------------------------------------------
def test_import_refuses_the_note_without_consent_and_stores_the_others(
    field_workbook: Path,
) -> None:
    settings = load_settings(field_workbook)
    with open_store(settings.store) as store:
        summary = run_fieldwork(settings, store)
        failures = [f for f in store.failures() if f["stage"] == "fieldwork"]
        sources = store.sources_frame().set_index("key")
    assert (summary["notes"], summary["imported"], summary["changed"]) == (4, 3, 3)
    assert failures == [
        {
            "stage": "fieldwork",
            "item": "field/refus-P02.txt",
            "reason": "no_consent",
            "detail": failures[0]["detail"],
        }
    ]
    assert "consent is 'non'" in failures[0]["detail"]
    field = sources[sources["kind"] == "field"]
    assert sorted(field["item_type"]) == ["focus_group", "interview", "interview"]
    assert summary["replacements"]["person"] >= 8 and summary["replacements"]["email"] == 1
    key = (field_workbook / "private" / "key.csv").read_text(encoding="utf-8")
    assert "person,P01,Zélie Quenobe" in key and "organisation,ORG01,ASBL Les Veilleurs" in key
    assert stat.S_IMODE(os.stat(field_workbook / "private" / "key.csv").st_mode) == 0o600


def test_import_twice_changes_nothing_and_withdrawn_consent_removes_the_note(
    field_workbook: Path,
) -> None:
    settings = load_settings(field_workbook)
    key = field_workbook / "private" / "key.csv"
    with open_store(settings.store) as store:
        run_fieldwork(settings, store)
        before = store.passages_frame().to_dict("records")
        stamp = key.stat().st_mtime_ns
        again = run_fieldwork(settings, store)
        assert (again["changed"], again["unchanged"]) == (0, 3)
        assert store.passages_frame().to_dict("records") == before
        assert key.stat().st_mtime_ns == stamp
        note = field_workbook / "field" / "entretien-zelie-quenobe.md"
        note.write_text(INTERVIEW_FR.replace("consent: oui", "consent: non"), encoding="utf-8")
        third = run_fieldwork(settings, store)
        assert third["removed"] == 1 and third["imported"] == 2
        assert not store.passages_frame().query("source_key == 'field-entretien-P01'").shape[0]


def test_without_a_names_list_nothing_is_imported(workbook: Path) -> None:
    root = add_fieldwork(workbook, names=False)
    settings = load_settings(root)
    with open_store(settings.store) as store:
        summary = run_fieldwork(settings, store)
        assert summary["imported"] == 0 and store.counts()["passages"] == 0
        assert [f["reason"] for f in store.failures()] == ["no_names_list"]


def test_a_workbook_without_field_notes_needs_no_names_list(workbook: Path) -> None:
    (workbook / "data" / "fieldwork").mkdir(parents=True)
    settings = load_settings(workbook)
    with open_store(settings.store) as store:
        summary = run_fieldwork(settings, store)
        assert (summary["notes"], summary["refused"], store.failures()) == (0, [], [])


def test_field_passages_are_coded_like_the_literature_but_not_questions(
    field_workbook: Path,
) -> None:
    settings = load_settings(field_workbook)
    with open_store(settings.store) as store:
        run_fieldwork(settings, store)
        assert not [
            d for d in store.documents_to_extract("any") if d.source_key.startswith("field")
        ]
        summary = run_code(settings, store, progress=False)
        assert summary["documents"] == 3
        codings, passages = store.codings_frame(), store.passages_frame().set_index("id")
    field = codings[codings["source_key"].str.startswith("field-")]
    assert {"form.physical", "cons.worker.burnout", "cons.user.trauma"} <= set(field["code"])
    assert set(passages.loc[field["passage_id"], "section"]) == {"body"}
    assert set(field["origin"]) == {"rule"}


def test_the_command_reviews_what_was_replaced_without_names(field_workbook: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(field_workbook), "fieldwork", "--review"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "✗ field/refus-P02.txt: no_consent" in result.stdout
    assert re.search(r"person\s+P01\s+×\d+: field-entretien-P01 file metadata §3 §5", result.stdout)
    assert not [n for n in LISTED if fold_name(n) in fold_name(result.stdout)]
    data = subprocess.run(
        [sys.executable, "-m", "evidence.cli", "-C", str(field_workbook), "fieldwork", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert json.loads(data.stdout)["unchanged"] == 3


def test_an_unknown_fieldwork_setting_is_refused(workbook: Path) -> None:
    with open(workbook / "evidence.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[fieldwork]\nfolder = "field"\nnotes = "x"\n')
    with pytest.raises(ConfigError, match=r"unknown key 'notes' in \[fieldwork\]"):
        load_settings(workbook)


def test_the_sample_notes_import_with_one_refusal_and_every_listed_name_replaced(
    workbook: Path,
) -> None:
    sample = REPO / "data" / "sample" / "fieldwork"
    shutil.copytree(sample, workbook / "field")
    with open(workbook / "evidence.toml", "a", encoding="utf-8") as fh:
        fh.write(
            '\n[fieldwork]\nfolder = "field"\nnames = "field/names.txt"\nkey = "private/key.csv"\n'
        )
    settings = load_settings(workbook)
    with open_store(settings.store) as store:
        summary = run_fieldwork(settings, store)
        stored = " ".join(store.passages_frame()["text"]) + json.dumps(summary, ensure_ascii=False)
        sources = store.sources_frame()
    assert (summary["notes"], summary["imported"]) == (6, 5)
    assert [r["reason"] for r in summary["refused"]] == ["no_consent"]
    assert sorted(sources["item_type"]) == [
        "focus_group",
        "interview",
        "interview",
        "meeting",
        "testimony",
    ]
    assert sorted(sources["lang"]) == ["fr", "fr", "fr", "nl", "nl"]
    names = [
        n for e in parse_names((sample / "names.txt").read_text(encoding="utf-8")) for n in e.names
    ]
    folded = fold_name(stored)
    phrase = r"[\s_.-]+".join
    assert not [
        n
        for n in names
        if re.search(
            rf"(?<![^\W_]){phrase(map(re.escape, fold_name(n).split()))}(?![^\W_])", folded
        )
    ]


def test_the_sample_docx_and_odt_are_reproducible(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "make_sample_fieldwork.py"),
            "--out",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for name in ("2025-02-entretien-nuit-inventee.docx", "2025-03-gesprek-verzonnen-haven.odt"):
        made = tmp_path / "data" / "sample" / "fieldwork" / name
        assert made.read_bytes() == (REPO / "data" / "sample" / "fieldwork" / name).read_bytes()


# -- nothing leaks -----------------------------------------------------------------------------
def _texts(path: Path) -> list[str]:
    """Every text a written file holds: zip members, PDF text, SQLite rows and raw bytes."""
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(path) as z:
            return [z.read(n).decode("utf-8", "ignore") for n in z.namelist()]
    if data[:5] == b"%PDF-":
        with pymupdf.open(path) as doc:
            return ["".join(page.get_text() for page in doc)]
    out = [data.decode("utf-8", "ignore")]
    if data[:16] == b"SQLite format 3\x00":
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            out += [" ".join(map(str, row)) for row in con.execute(f'SELECT * FROM "{table}"')]
        con.close()
    return out


# Names cut by a soft hyphen, zero-width characters and a line end; one nobody listed.
HIDDEN_MD = """\
---
kind: interview
consent: yes
language: fr
---

Q : Et ensuite ?

R : Zé\u00adlie Que\u200bnobe a appelé Bram Vaske-
lin, puis Am\u200d\u2060ira. Le voisin Gaspard Ortolan a vu les coups.
"""


def _hidden_parts_docx(path: Path) -> Path:
    """A .docx naming listed people in every part: text box (twice, as Word writes it),
    footnote, endnote, header, footer, comment and properties."""
    make_docx(
        path,
        ["---", "kind: interview", "consent: yes", "---", "Q: Et la semaine passée ?"],
        '<w:p><w:r><w:t>Des coups.</w:t><mc:AlternateContent xmlns:mc="http://schemas.'
        'openxmlformats.org/markup-compatibility/2006"><mc:Choice><w:txbxContent><w:p><w:r>'
        "<w:t>Encadré : Amira Oulbekh</w:t></w:r></w:p></w:txbxContent></mc:Choice>"
        "<mc:Fallback><w:txbxContent><w:p><w:r><w:t>Encadré : Amira Oulbekh</w:t></w:r>"
        "</w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>",
    )
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    parts = {
        "word/footnotes.xml": "footnotes><w:footnote><w:p><w:r><w:t>Note : Bram Vaskelin",
        "word/endnotes.xml": "endnotes><w:endnote><w:p><w:r><w:t>Fin : Kraaiennest",
        "word/header1.xml": "hdr><w:p><w:r><w:t>Entretien de Zélie Quenobe",
        "word/footer1.xml": "ftr><w:p><w:r><w:t>Veilleurs d'Ombre",
        "word/comments.xml": "comments><w:comment><w:p><w:r><w:t>Demander à Amira",
    }
    with zipfile.ZipFile(path, "a") as z:
        for name, xml in parts.items():
            root, _, rest = xml.partition(">")
            closing = "".join(f"</w:{t}>" for t in reversed(re.findall(r"<w:(\w+)>", rest)))
            z.writestr(name, f"<w:{root} {w}>{rest}{closing}</w:{root}>")
        z.writestr("docProps/app.xml", "<Properties><Manager>Bram Vaskelin</Manager></Properties>")
    return path


def _unhyphenated(text: str) -> str:
    return re.sub(r"-[ \t]*\r?\n[ \t]*", "", text)


@pytest.mark.slow
def test_no_listed_name_reaches_the_store_the_exports_or_the_reports(workbook: Path) -> None:
    root = add_fieldwork(workbook)
    (root / "field" / "temoin-ze\u200blie.md").write_text(HIDDEN_MD, encoding="utf-8")
    _hidden_parts_docx(root / "field" / "parts-Que\u00adnobe.docx")
    inputs = "\n".join(
        read_note_text(p.name, p.read_bytes())
        if p.suffix != ".csv"
        else p.read_text(encoding="utf-8")
        for p in (root / "field").iterdir()
    )
    assert all(fold_name(n) in fold_name(_unhyphenated(inputs)) for n in LISTED)

    def evidence(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "evidence.cli", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=900,
        )

    build = evidence("build", "--json")
    assert build.returncode == 1, build.stderr
    summary = json.loads(build.stdout)
    assert summary["fieldwork"]["imported"] == 5 and summary["chapters"] and summary["briefs"]
    candidates = summary["fieldwork"]["name_candidates"]
    assert candidates["file"] == "private/name-candidates.csv" and candidates["count"] >= 2
    review = (root / "private" / "name-candidates.csv").read_text(encoding="utf-8")
    assert "Gaspard" in review and "Ortolan" in review and "Gaspard" not in build.stdout
    assert not any(fold_name(n) in fold_name(review) for n in LISTED)
    assert any("still carries them" in w["warning"] for w in summary["fieldwork"]["warnings"])
    outputs = [build.stdout, build.stderr]
    for args in (
        ("matrix", "--xlsx", str(root / "reports" / "matrix.xlsx"), "--json"),
        ("fieldwork", "--review", "--briefs"),
        ("status", "--json"),
        ("search", "agression"),
    ):
        done = evidence(*args)
        outputs += [done.stdout, done.stderr]
    chapter = (root / "reports" / "tiny.md").read_text(encoding="utf-8")
    assert "P01" in chapter or "ORG01" in chapter, "no field passage reached the chapter"
    written = [
        p
        for p in root.rglob("*")
        if p.is_file()
        and not p.is_relative_to(root / "field")
        and not p.is_relative_to(root / "private")
    ]
    assert {p.suffix for p in written} >= {".sqlite", ".md", ".html", ".docx", ".xlsx", ".log"}
    leaks = []
    for where, texts in [("command output", outputs), *((str(p), _texts(p)) for p in written)]:
        folded = fold_name(_unhyphenated(html.unescape(" ".join(texts))))
        leaks += [(where, n) for n in LISTED if fold_name(n) in folded]
    assert not leaks


def test_a_bad_metadata_row_refuses_its_note_only_and_names_metadata_csv(
    field_workbook: Path,
) -> None:
    table = field_workbook / "field" / "metadata.csv"
    bad = TABLE.replace(";ja;nl;2025-01-15", ";ja;nl;2025-01-15;en trop")
    table.write_bytes(
        ("file;organisation;kind;consent;language;date\n" + bad.split("\n", 1)[1])
        .replace("Veilleurs", "Veilleurs \u00e9")
        .encode("cp1252")
    )
    settings = load_settings(field_workbook)
    with open_store(settings.store) as store:
        summary = run_fieldwork(settings, store)
    refused = {r["reason"]: r for r in summary["refused"]}
    row = refused["bad_metadata_row"]
    assert row["item"] == "field/metadata.csv:2" and "has 7 fields" in row["detail"]
    note = next(r for r in summary["refused"] if r["item"].endswith(".docx"))
    assert "metadata.csv line 2" in note["detail"] and "fix that row" in note["detail"]
    assert summary["imported"] == 2  # the front-matter notes; the refusal row still counts
    assert "no_consent" in refused
    assert any("Windows-1252" in w["warning"] for w in summary["warnings"])
