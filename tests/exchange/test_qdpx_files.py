"""REFI-QDA projects as other tools write them: positions, encodings, names, what is refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from _qdpx import CODE, NOTE, make_project, utf16_span

from evidence.errors import CodebookError, ExchangeError
from evidence.exchange import read_qdpx
from evidence.exchange._text import convert_positions, decode_plain_text, locate_passages


def test_nvivo_utf16_offsets_bom_and_crlf_are_converted_to_code_points() -> None:
    start, end = utf16_span(NOTE, "A resident hit a worker.")
    data = make_project(b"\xef\xbb\xbf" + NOTE.encode("utf-8"), start, end, origin="NVivo 12.6")
    project = read_qdpx(data, "partner.qdpx")
    (source,) = project.sources
    assert source.text == NOTE.replace("\r\n", "\n") and not source.text.startswith("\ufeff")
    (selection,) = source.selections
    assert source.text[selection.start : selection.end] == "A resident hit a worker."
    assert selection.user == "Partner coder" and selection.note == "clear case"
    assert selection.codings[0].code_guid == CODE
    assert project.skipped == (
        (
            "partner.qdpx!Partner project.qde:19 (A photo)",
            "a PictureSource: the workbook reads text and PDF sources only",
        ),
    )


def test_utf16_offsets_are_detected_without_the_tool_name() -> None:
    start, end = utf16_span(NOTE, "She was exhausted.")
    assert end > len(NOTE)  # only UTF-16 counting reaches this far
    project = read_qdpx(make_project(NOTE.encode("utf-8"), start, end, origin="Unknown QDA"))
    (selection,) = project.sources[0].selections
    assert project.sources[0].text[selection.start : selection.end] == "She was exhausted."


def test_code_point_offsets_and_the_1_0_namespace_spelling_are_kept() -> None:
    text = NOTE.replace("\r\n", "\n")
    start = text.index("hit")
    data = make_project(text.encode("utf-8"), start, start + 3, origin="QualCoder", namespace="1:0")
    (selection,) = read_qdpx(data).sources[0].selections
    assert text[selection.start : selection.end] == "hit"


def test_atlas_ti_counts_a_crlf_as_one_character() -> None:
    lf = NOTE.replace("\r\n", "\n")
    start = lf.index("She")
    data = make_project(NOTE.encode("utf-8"), start, start + 3, origin="ATLAS.ti 23.2.3")
    source = read_qdpx(data).sources[0]
    assert source.text[source.selections[0].start : source.selections[0].end] == "She"


def test_utf16_text_files_with_a_bom_are_read() -> None:
    assert decode_plain_text(b"\xff\xfe" + "Dag 🌙".encode("utf-16-le")) == "Dag 🌙"
    assert decode_plain_text(b"\xfe\xff" + "Dag".encode("utf-16-be")) == "Dag"
    text, points = convert_positions("a🌙\r\nb", [0, 3, 5], utf16=True, crlf_is_one=False)
    assert (text, points) == ("a🌙\nb", [0, 2, 3])


def test_the_atlas_ti_exports_of_the_corpus_are_read(shared: Path) -> None:
    folder = shared / "corpora" / "interop" / "qdpx"
    blank = read_qdpx((folder / "ponte_blank-atlas-project.qdpx").read_bytes())
    assert blank.origin.startswith("ATLAS.ti") and blank.sources == ()
    assert [u.name for u in blank.users] == ["Enric Llagostera", "ATLAS.ti"]
    target = read_qdpx((folder / "ponte_target-atlas-project.qdpx").read_bytes())
    assert target.name == "target-atlas-project"
    assert [(c.id, c.codable) for c in target.codebook.codes] == [
        ("commits", True),
        ("commits.c2022_05_10t02_05_59z_19e4dce", True),
        ("commits.c2022_02_11t10_39_25z_cdbfd92", True),
    ]


def test_passages_are_found_in_a_text_whatever_its_spacing_and_pseudonyms() -> None:
    import re

    text = "Q: How are nights?\n\nR:  Marie was hit by a resident.\nThen she left."
    passages = ["How are nights?", "P01 was hit by a resident.", "Then she left.", "Absent."]
    spans = locate_passages(text, passages, masked=re.compile(r"\bP\d{2}\b"))
    assert [text[a:b] for a, b in spans[:3]] == [
        "How are nights",
        "was hit by a resident",
        "Then she left",
    ]
    assert spans[3] is None


def test_what_is_not_a_project_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ExchangeError, match="not a .qdpx archive .*evidence codebook import"):
        read_qdpx(b'<?xml version="1.0"?><CodeBook/>', "codebook.qdpx")
    empty = io.BytesIO()
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    with pytest.raises(ExchangeError, match="no project.qde"):
        read_qdpx(empty.getvalue(), "empty.qdpx")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("project.qde", "<Project xmlns='urn:QDA-XML:project:1.0'>\n<Users>")
    with pytest.raises(CodebookError, match=r"broken.qdpx!project.qde:2: not well-formed XML"):
        read_qdpx(broken.getvalue(), "broken.qdpx")


def test_qualcoder_texts_with_a_bom_and_crlf_count_on_its_own_text() -> None:
    # QualCoder writes plain texts as utf-8-sig, with CRLF when exporting for MAXQDA, and
    # counts positions on its text with \n line ends.
    lf = NOTE.replace("\r\n", "\n")
    start = lf.index("She")
    data = make_project(
        b"\xef\xbb\xbf" + NOTE.encode("utf-8"), start, start + 3, origin="QualCoder 3.6"
    )
    source = read_qdpx(data).sources[0]
    assert source.text[source.selections[0].start : source.selections[0].end] == "She"
