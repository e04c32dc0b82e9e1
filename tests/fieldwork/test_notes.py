"""Field notes as files: every part read once, damage and hostile zips refused in words."""

from __future__ import annotations

import io
import random
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from evidence.fieldwork import NoteFormatError, parse_metadata_table, read_note
from evidence.fieldwork._notes import _MAX_PART

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "data" / "sample" / "fieldwork").glob("*.[do][od][ct]*"))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _docx(parts: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for name, xml in parts.items():
            z.writestr(name, xml)
    return buffer.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _part(root: str, body: str) -> str:
    return f'<w:{root} xmlns:w="{W}" xmlns:mc="{MC}">{body}</w:{root}>'


def test_every_part_of_a_docx_is_read_once() -> None:
    box = f"<w:txbxContent>{_p('Dans la boîte')}</w:txbxContent>"
    anchored = (
        "<w:p><w:r><w:t>Ancre</w:t><mc:AlternateContent><mc:Choice>"
        f"<w:drawing>{box}</w:drawing></mc:Choice><mc:Fallback><w:pict>{box}</w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    table = f"<w:tbl><w:tr><w:tc>{_p('Cellule')}</w:tc></w:tr></w:tbl>"
    data = _docx(
        {
            "word/document.xml": _part(
                "document", f"<w:body>{_p('Corps')}{table}{anchored}</w:body>"
            ),
            "word/footnotes.xml": _part(
                "footnotes", f"<w:footnote>{_p('Note de bas')}</w:footnote>"
            ),
            "word/endnotes.xml": _part("endnotes", f"<w:endnote>{_p('Note de fin')}</w:endnote>"),
            "word/header1.xml": _part("hdr", _p("En-tête Quenobe")),
            "word/footer2.xml": _part("ftr", _p("Pied Vaskelin")),
            "word/comments.xml": _part("comments", f"<w:comment>{_p('Remarque')}</w:comment>"),
            "docProps/core.xml": "<cp:coreProperties>Zélie Quenobe</cp:coreProperties>",
        }
    )
    note = read_note("n.docx", data)
    assert note.text.split("\n\n") == [
        "Corps",
        "Cellule",
        "Ancre",
        "Dans la boîte",
        "Note de bas",
        "Note de fin",
    ]
    assert sorted(note.hidden) == ["En-tête Quenobe", "Pied Vaskelin", "Remarque"]
    assert [p.strip() for p in note.properties] == ["Zélie Quenobe"]


def test_every_part_of_an_odt_is_read_once() -> None:
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"'
    )
    content = (
        f"<office:document-content {ns}><office:body><office:text>"
        "<text:p>Corps<text:note><text:note-citation>1</text:note-citation><text:note-body>"
        "<text:p>Note de bas</text:p></text:note-body></text:note> suite"
        "<office:annotation><text:p>Remarque</text:p></office:annotation></text:p>"
        "</office:text></office:body></office:document-content>"
    )
    styles = (
        f"<office:document-styles {ns}><office:master-styles><style:master-page>"
        "<style:header><text:p>En-tête</text:p></style:header>"
        "<style:footer><text:p>Pied</text:p></style:footer>"
        "</style:master-page></office:master-styles></office:document-styles>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", content)
        z.writestr("styles.xml", styles)
        z.writestr("meta.xml", "<office:document-meta>Auteur Réel</office:document-meta>")
    note = read_note("n.odt", buffer.getvalue())
    assert note.text == "Corps suite\n\nNote de bas"
    assert sorted(note.hidden) == ["En-tête", "Pied", "Remarque"]
    assert "Auteur Réel" in note.properties[0]


def _bomb(declared: int | None) -> bytes:
    """A .docx whose document.xml inflates past the limit from about 60 kB of zip."""
    xml = (f'<w:document xmlns:w="{W}"><w:body>' + " " * (_MAX_PART + 2**20)).encode()
    data = bytearray(_docx({"word/document.xml": xml.decode()}))
    if declared is not None:  # lie about the size in the local and central headers
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = data.find(signature)
            while at >= 0:
                name_at = at + (30 if signature == b"PK\x03\x04" else 46)
                if data[name_at : name_at + 17] == b"word/document.xml":
                    data[at + offset : at + offset + 4] = declared.to_bytes(4, "little")
                at = data.find(signature, at + 4)
    return bytes(data)


@pytest.mark.parametrize("declared", [None, 1000])
def test_a_zip_bomb_is_refused_by_the_bytes_it_inflates(declared: int | None) -> None:
    data = _bomb(declared)
    assert len(data) < 200_000
    tracemalloc.start()
    try:
        with pytest.raises(NoteFormatError, match="save it again|split the document"):
            read_note("bomb.docx", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * _MAX_PART


def test_xml_nested_too_deeply_is_refused() -> None:
    deep = _part("document", "<w:body>" + "<w:p>" * 100_000 + "</w:p>" * 100_000 + "</w:body>")
    with pytest.raises(NoteFormatError):
        read_note("deep.docx", _docx({"word/document.xml": deep}))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.suffix)
def test_bit_flips_and_truncations_are_refused_in_words_or_read(sample: Path) -> None:
    data = sample.read_bytes()
    rng = random.Random(16)
    refused = 0
    for _ in range(150):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(damaged))
            damaged[at] ^= 1 << rng.randrange(8)
        cut = bytes(damaged) if rng.random() < 0.7 else data[: rng.randrange(len(data))]
        try:
            read_note(sample.name, cut)
        except NoteFormatError as exc:
            refused += 1
            assert "save" in str(exc) or "split" in str(exc) or "is it" in str(exc)
    assert refused > 50


def test_text_notes_not_in_utf8_are_read_with_the_fallback_or_refused() -> None:
    note = read_note("n.txt", "Crème brûlée".encode("cp1252"))
    assert (note.text, note.encoding) == ("Crème brûlée", "windows-1252")
    assert read_note("n.md", "Été".encode("utf-16")).text == "Été"
    with pytest.raises(NoteFormatError, match="NUL bytes.*UTF-16 without a byte order mark"):
        read_note("n.md", "Été".encode("utf-16-le"))


def test_a_bad_metadata_row_is_reported_with_its_line_and_the_others_count() -> None:
    table = (
        "file;kind;consent\n"
        "a.md;interview;yes\n"
        "b.md;interview;yes;extra\n"
        'c.md;"interview;yes\n'
        "d.md;meeting;oui\n"
        "a.md;interview;no\n"
        ";interview;yes\n"
    )
    problems: list[tuple[int, str]] = []
    rows = parse_metadata_table(table, problems)
    assert rows["a.md"]["consent"] == "yes" and "_problem" not in rows["a.md"]
    assert "line 3 has 4 fields" in rows["b.md"]["_problem"]
    assert [line for line, _ in problems] == [3, 4, 6, 7] or [line for line, _ in problems][:2] == [
        3,
        4,
    ]
    assert all("interview" not in what for _, what in problems)  # rows are never quoted
