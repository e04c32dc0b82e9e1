"""The fictional sample library: committed PDFs match their generator and keep their layouts."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymupdf
import pytest
import yaml
from pybtex.database.input.bibtex import Parser

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
PDFS = SAMPLE / "pdfs"
SHARED = Path(__file__).resolve().parents[2] / "shared"
MANIFEST: dict[str, Any] = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
FILES: dict[str, dict[str, Any]] = MANIFEST["files"]
EXPECTED: list[dict[str, Any]] = json.loads((SAMPLE / "expected.json").read_text(encoding="utf-8"))
MISSING = "data/sample/pdfs/missing-report.pdf"
NOTICE = {
    "fr": "Document fictif de démonstration — données inventées",
    "nl": "Fictief demonstratiedocument — verzonnen gegevens",
    "en": "Fictional demonstration document — invented data",
}
READABLE = sorted(name for name, info in FILES.items() if info["kind"] == "pdf")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _of_kind(kind: str) -> str:
    (name,) = [name for name, info in FILES.items() if info["kind"] == kind]
    return name


def _flowing_text(page: pymupdf.Page) -> tuple[str, str]:
    """Return the page text with line breaks as spaces, as printed and with line-end
    hyphens joined (`vio-` + `lence` -> `violence`)."""
    lines = page.get_text().splitlines()
    joined = ""
    for line in lines:
        if re.search(r"[a-zà-ÿ]-$", joined) and line[:1].islower():
            joined = joined[:-1] + line
        else:
            joined = f"{joined} {line}" if joined else line
    return " ".join(" ".join(lines).split()), " ".join(joined.split())


def _body_lines(page: pymupdf.Page) -> list[tuple[pymupdf.Rect, str]]:
    """Return the body lines of a page (running header and footer left out) in stream order."""
    out = []
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            rect = pymupdf.Rect(line["bbox"])
            text = "".join(span["text"] for span in line["spans"]).strip()
            if rect.y0 > 60 and rect.y1 < page.rect.height - 60 and text:
                out.append((rect, text))
    return out


def test_committed_files_match_the_manifest() -> None:
    on_disk = sorted(p.name for p in PDFS.glob("*.pdf"))
    assert on_disk == sorted(FILES)
    for name, info in FILES.items():
        assert _sha(PDFS / name) == info["sha256"], f"{name} changed since it was generated"
    assert _sha(ROOT / "references.bib") == MANIFEST["references_bib_sha256"]


def test_sample_stays_small() -> None:
    assert sum(p.stat().st_size for p in PDFS.glob("*.pdf")) < 2_000_000


def test_generator_rebuilds_the_same_bytes(tmp_path: Path) -> None:
    if MANIFEST["pymupdf"] != pymupdf.VersionBind:
        pytest.skip(
            f"sample built with PyMuPDF {MANIFEST['pymupdf']}, this is {pymupdf.VersionBind}: "
            "rerun scripts/make_sample_library.py and commit the result"
        )
    script = ROOT / "scripts" / "make_sample_library.py"
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True)
    fresh = json.loads((tmp_path / "data/sample/manifest.json").read_text(encoding="utf-8"))
    assert sorted(fresh["files"]) == sorted(FILES)
    for name, info in FILES.items():
        again = fresh["files"][name]
        if info["kind"] == "encrypted":
            # Random salts and throw-away passwords: compare the plain PDF it was made from.
            assert again["plain_sha256"] == info["plain_sha256"], name
            continue
        assert (tmp_path / PDFS.relative_to(ROOT) / name).read_bytes() == (PDFS / name).read_bytes()
        assert again == info, name
    assert (tmp_path / "references.bib").read_bytes() == (ROOT / "references.bib").read_bytes()


@pytest.mark.parametrize("passage", EXPECTED, ids=lambda p: f"{p['key']}@{p['page_label']}")
def test_known_passage_is_on_its_page(passage: dict[str, Any]) -> None:
    info = FILES[f"{passage['key']}.pdf"]
    doc = pymupdf.open(PDFS / f"{passage['key']}.pdf")
    page = doc[passage["page_index"]]
    assert passage["text"] in _flowing_text(page)[1]
    others = [p.number for p in doc if p.number != page.number]
    assert not any(passage["text"] in _flowing_text(doc[i])[1] for i in others)
    assert info["page_labels"][page.number] == passage["page_label"]
    if info["pdf_page_labels"]:
        assert page.get_label() == passage["page_label"]
    else:
        assert page.get_label() == ""
    if info["printed_numbers"]:
        assert page.get_text().splitlines()[-1] == passage["page_label"]
    else:
        assert passage["page_label"] == str(page.number + 1)


def test_expected_passages_cover_the_required_layouts() -> None:
    keys = {p["key"] for p in EXPECTED}
    assert len(keys) >= 5
    assert any(
        p["page_label"] == "13" and FILES[f"{p['key']}.pdf"]["printed_numbers"] for p in EXPECTED
    )
    assert any(FILES[f"{p['key']}.pdf"]["columns"] == 2 for p in EXPECTED)
    hyphenated = {w for info in FILES.values() for _, w in info["hyphenated"]}
    assert any(word in p["text"] for p in EXPECTED for word in hyphenated)


def test_expected_codes_are_codebook_ids() -> None:
    spec = SHARED / "codebook-spec.md"
    if not spec.exists():
        pytest.skip(f"{spec} is not available")
    ids = set(
        re.findall(
            r"^\| ((?:form|target|cons|resp|setting|pop)\.[a-z_.]+) \|",
            spec.read_text(encoding="utf-8"),
            re.M,
        )
    )
    assert len(ids) > 40
    for passage in EXPECTED:
        assert set(passage["codes"]) <= ids, passage["text"]
        assert passage["codes"] == sorted(passage["codes"])


@pytest.mark.parametrize("name", READABLE)
def test_readable_pdf_is_labelled_fictional_and_extracts_accents(name: str) -> None:
    info = FILES[name]
    doc = pymupdf.open(PDFS / name)
    first = doc[0].get_text()
    assert NOTICE[info["language"]] in first
    assert doc.metadata["subject"] == NOTICE[info["language"]]
    assert doc.page_count == info["pages"]
    assert "\ufffd" not in "".join(page.get_text() for page in doc)
    if info["language"] == "fr":
        assert re.search(r"[éèàç]", first) and "’" in first


@pytest.mark.parametrize("name", [n for n in READABLE if FILES[n]["running_header"]])
def test_running_header_and_footer_on_every_text_page(name: str) -> None:
    info = FILES[name]
    doc = pymupdf.open(PDFS / name)
    for page in doc:
        if page.number in info["image_only_pages"]:
            continue
        lines = page.get_text().splitlines()
        assert lines[0] == info["running_header"]
        if info["printed_numbers"]:
            assert lines[-1] == info["page_labels"][page.number]


def test_printed_numbers_differ_from_page_index_without_page_labels() -> None:
    doc = pymupdf.open(PDFS / "exemple2021violences.pdf")
    assert doc.get_page_labels() == []
    printed = [page.get_text().splitlines()[-1] for page in doc]
    assert printed == [str(12 + i) for i in range(doc.page_count)]
    assert [page.get_label() for page in doc] == [""] * doc.page_count


def test_pdf_page_labels_roman_then_arabic() -> None:
    doc = pymupdf.open(PDFS / "voorbeeld2022agressie.pdf")
    assert [page.get_label() for page in doc] == ["i", "ii", "1", "2"]


def test_two_column_article_flows_across_columns_and_pages() -> None:
    name = [n for n in READABLE if FILES[n]["columns"] == 2][0]
    doc = pymupdf.open(PDFS / name)
    mid = doc[0].rect.width / 2
    assert doc.page_count >= 2
    for page in list(doc)[:-1]:
        lines = _body_lines(page)
        left = [text for rect, text in lines if rect.x1 < mid]
        right = [text for rect, text in lines if rect.x0 > mid]
        assert len(left) > 10 and len(right) > 10
    # A paragraph runs from the bottom of page 1's right column to the top of page 2 ...
    last_right = [t for r, t in _body_lines(doc[0]) if r.x0 > mid][-1]
    first_left = [t for r, t in _body_lines(doc[1]) if r.x1 < mid][0]
    assert not last_right.endswith((".", "?", "!", ":")) and first_left[0].islower()
    # ... and one from the bottom of page 2's left column to the top of its right column.
    last_left = [t for r, t in _body_lines(doc[1]) if r.x1 < mid][-1]
    first_right = [t for r, t in _body_lines(doc[1]) if r.x0 > mid][0]
    assert not last_left.endswith((".", "?", "!", ":")) and first_right[0].islower()
    right_column = [p for p in EXPECTED if f"{p['key']}.pdf" == name]
    assert right_column
    for passage in right_column:
        hits = doc[passage["page_index"]].search_for(passage["text"][:40])
        assert hits and all(hit.x0 > mid for hit in hits)


def test_line_end_hyphenation_and_real_compounds() -> None:
    (name,) = [n for n in READABLE if FILES[n]["hyphenated"]]
    doc = pymupdf.open(PDFS / name)
    for page_index, word in FILES[name]["hyphenated"]:
        pieces = re.findall(r"(\w+)-\n(\w+)", doc[page_index].get_text())
        assert any(head + tail == word for head, tail in pieces)
    everything = " ".join(_flowing_text(page)[0] for page in doc)
    assert "au-delà" in everything and "sans-abri" in everything


def test_footnotes_are_set_small_at_the_bottom_of_their_page() -> None:
    doc = pymupdf.open(PDFS / "modele2019agressions.pdf")
    notes = []
    for page in doc:
        for block in page.get_text("dict")["blocks"]:
            for line in block.get("lines", []):
                span = line["spans"][0]
                if span["size"] < 9 and line["bbox"][1] > page.rect.height * 0.75:
                    notes.append((page.number, span["text"][:2]))
    assert (0, "1 ") in notes and (1, "2 ") in notes


def test_scanned_appendix_is_an_image_without_text() -> None:
    (name,) = [n for n in READABLE if FILES[n]["image_only_pages"]]
    doc = pymupdf.open(PDFS / name)
    for page in doc:
        if page.number in FILES[name]["image_only_pages"]:
            assert page.get_text().strip() == ""
            assert page.get_fonts() == []
            assert len(page.get_images()) == 1
            assert min(page.get_pixmap(dpi=30).samples) < 100
        else:
            assert len(page.get_text()) > 500


def test_truncated_pdf_is_cut_and_needs_repair() -> None:
    name = _of_kind("truncated")
    data = (PDFS / name).read_bytes()
    assert b"%%EOF" not in data[-64:]
    try:
        doc = pymupdf.open(PDFS / name)
    except (pymupdf.FileDataError, RuntimeError):
        return
    assert doc.is_repaired
    assert sum(len(page.get_text()) for page in doc) < 400


def test_encrypted_pdf_needs_a_password_nobody_has() -> None:
    name = _of_kind("encrypted")
    doc = pymupdf.open(PDFS / name)
    assert doc.needs_pass and doc.is_encrypted
    assert doc.authenticate("") == 0
    assert b"/AESV3" in (PDFS / name).read_bytes()


def test_references_bib_lists_every_sample_document() -> None:
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    library = Parser().parse_string(text)  # strict: a malformed entry raises
    keys = list(library.entries)
    assert keys == sorted(keys) and len(keys) == len(set(keys))
    files = {}
    for key, entry in library.entries.items():
        fields = {k.lower(): v for k, v in entry.fields.items()}
        assert "fictional" in fields["note"].lower()
        assert fields["langid"] in {"french", "dutch", "english"}
        assert 2015 <= int(fields["year"]) <= 2025
        if "file" in fields:
            files[key] = fields["file"]
    missing = [path for path in files.values() if not (ROOT / path).exists()]
    assert missing == [MISSING]
    assert sorted(Path(p).name for p in files.values() if p != MISSING) == sorted(FILES)
    assert len(keys) - len(files) >= 2
    types = {entry.type.lower() for entry in library.entries.values()}
    assert {"article", "techreport", "incollection", "book"} <= types


def test_sources_are_one_file_per_document() -> None:
    sources = sorted((SAMPLE / "sources").glob("*.md"))
    assert 12 <= len(sources) <= 14
    languages = []
    for path in sources:
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        assert meta["key"] == path.stem and f"{path.stem}.pdf" in FILES
        languages.append(meta["language"])
    assert all(languages.count(lang) >= 4 for lang in ("fr", "nl", "en"))
