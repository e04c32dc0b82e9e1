"""Every PDF of ../shared/corpora/pdfs-varied does what MANIFEST.tsv says a good extractor does.

The corpus lives beside the repository; the tests skip cleanly when it is absent.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

from evidence.pdf import SECTIONS, Extraction, extract_pdf

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpora" / "pdfs-varied"
MANIFEST = CORPUS / "MANIFEST.tsv"
STATUSES = {
    "ok",
    "missing",
    "not_pdf",
    "too_large",
    "broken",
    "encrypted",
    "no_pages",
    "no_text",
    "garbled",
    "timeout",
}
_GARBAGE = re.compile(r"[\ufffd\x00-\x08\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")


def _rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _rows()


@functools.cache
def _extract(name: str, password: str | None = None) -> Extraction:
    return extract_pdf(CORPUS / name, password=password, timeout=120)


def _password(row: dict[str, str]) -> str:
    """Return the first password quoted in the manifest's ``expected`` column."""
    match = re.search(r"password[^']*'([^']*)'", row["expected"])
    assert match, row["expected"]
    return match.group(1)


def _text(e: Extraction) -> str:
    return " ".join(p.text for p in e.passages)


def _labels(e: Extraction) -> dict[int, str]:
    return {p.page_index: p.page_label for p in e.passages}


def _ok(e: Extraction, pages: int | None = None) -> None:
    assert e.status == "ok", (e.status, e.reason)
    assert e.passages
    if pages is not None:
        assert e.pages == pages


def _failed(status: str, *words: str) -> Callable[[Extraction], None]:
    def check(e: Extraction) -> None:
        assert e.status == status, (e.status, e.reason)
        assert e.passages == () and e.reason
        for word in words:
            assert word.lower() in e.reason.lower(), e.reason

    return check


def _contains(*snippets: str, pages: int | None = None) -> Callable[[Extraction], None]:
    def check(e: Extraction) -> None:
        _ok(e, pages)
        text = _text(e)
        for snippet in snippets:
            assert snippet in text, snippet

    return check


def _tracemonkey(e: Extraction) -> None:
    _ok(e, 14)
    assert _labels(e) == {i: str(i + 1) for i in range(14)}
    intro = next(
        p for p in e.passages if p.text.startswith("Dynamic languages such as JavaScript, Python")
    )
    # The paragraph runs from the foot of the left column to the top of the right one.
    assert "easy as distributing a source file" in intro.text
    assert "is used for the application logic of browser-based" in intro.text
    later = next(p for p in e.passages if p.text.startswith("Unlike method-based"))
    assert intro.seq < later.seq and intro.page_index == later.page_index == 0
    assert sum(p.section == "references" for p in e.passages) >= 10


def _naacl(e: Extraction) -> None:
    _ok(e, 8)
    text = _text(e)
    assert not re.search("[\ufb00-\ufb06]", text)  # ligatures spelt out
    assert "feasible IE systems" in text and "first" in text
    # The right column continues the left one's last word ("arti-" / "cles").
    background = next(p for p in e.passages if p.text.startswith("Every day, a large number"))
    assert "specify articles and adjust its patterns" in background.text
    assert background.section == "body" and background.seq < _first(e, "An IE task").seq
    assert _first(e, "1 Background").section == "heading"


def _first(e: Extraction, start: str):
    return next(p for p in e.passages if p.text.startswith(start))


def _jss(e: Extraction) -> None:
    _ok(e, 46)
    # Running headers: "Journal of Statistical Software 3" and "2 TIMP: Modeling ...".
    assert not any(
        re.fullmatch(r"\d* ?Journal of Statistical Software \d*", p.text) for p in e.passages
    )
    assert sum(p.text.startswith("TIMP: Modeling Multi-way") for p in e.passages) <= 1
    assert {"heading", "body", "references", "caption"} <= {p.section for p in e.passages}


def _footnotes(e: Extraction) -> None:
    _ok(e, 1)
    assert "Peñas" in _text(e)
    notes = [p for p in e.passages if p.section == "footnote"]
    assert notes and notes[0].text.startswith("1 http://wikipedia.org")


def _page_five(e: Extraction) -> None:
    _ok(e, 1)
    assert set(_labels(e).values()) == {"5"}


def _qwen(e: Extraction) -> None:
    _ok(e, 26)
    sections = {p.section for p in e.passages}
    assert {"table", "body", "caption", "references"} <= sections


def _multicolumn(e: Extraction) -> None:
    _ok(e, 3)
    first = next(p for p in e.passages if p.text.startswith("Lorem ipsum dolor sit amet"))
    assert first.text.startswith(
        "Lorem ipsum dolor sit amet, consectetuer adipiscing elit. "
        "Ut purus elit, vestibulum ut, placerat ac, adipiscing vitae"
    )


def _garbled(e: Extraction) -> None:
    assert e.status == "garbled", (e.status, e.reason)
    assert "OCR" in e.reason and e.passages == ()


def _needs_ocr(e: Extraction) -> None:
    assert e.status == "no_text", (e.status, e.reason)
    assert "OCR" in e.reason and e.passages == () and e.pages >= 1


def _vicksburg(e: Extraction) -> None:
    _ok(e, 6)
    assert _labels(e) == {0: "49", 1: "50", 2: "52", 3: "53", 4: "54", 5: "55"}
    assert "VICKSBUEG" in _text(e) or "Vicksburg" in _text(e)


def _cycle(e: Extraction) -> None:
    _ok(e, 2)
    assert {p.page_index for p in e.passages} == {0}
    assert any(w.startswith("page 2: cannot be read") and "cycle" in w for w in e.warnings)


def _repaired(*snippets: str) -> Callable[[Extraction], None]:
    def check(e: Extraction) -> None:
        _contains(*snippets, pages=1)(e)
        assert any("repaired" in w for w in e.warnings)

    return check


def _empty_result(e: Extraction) -> None:
    assert e.status in {"no_text", "broken"} and e.passages == () and e.reason


def _labels_are(expected: dict[int, str], pages: int) -> Callable[[Extraction], None]:
    def check(e: Extraction) -> None:
        _ok(e, pages)
        labels = _labels(e)
        for index, label in expected.items():
            assert labels[index] == label, (index, labels[index], label)

    return check


def _french_mixed(e: Extraction) -> None:
    _ok(e, 6)
    assert e.lang == "fr"
    assert "Manoel de Oliveira" in _text(e) and "cinéma" in _text(e)
    assert any("unreadable text" in w for w in e.warnings)


def _script(*snippets: str) -> Callable[[Extraction], None]:
    def check(e: Extraction) -> None:
        _contains(*snippets)(e)
        assert e.lang == "other"

    return check


def _freeculture(e: Extraction) -> None:
    _ok(e, 352)
    assert any(w.startswith("page 1:") and "OCR" in w for w in e.warnings)
    labels = _labels(e)
    assert labels[16] == "1" and labels[17] == "2" and labels[14] == "xvi"
    assert e.lang == "en"


EXPECTED: dict[str, Callable[[Extraction], None]] = {
    "pdfjs__tracemonkey.pdf": _tracemonkey,
    "pdfminer__naacl06-shinyama.pdf": _naacl,
    "grobid__MullenJSSv18i03.pdf": _jss,
    "grobid__0908.0054-arxiv.pdf": _contains("Ultra light bosonic dark matter", "ν", pages=4),
    "grobid__test_Grobid_2_05982691.pdf": lambda e: (
        _ok(e, 6),
        (lambda n: n >= 2)(sum(p.section == "caption" for p in e.passages))
        or pytest.fail("no captions"),
    ),
    "grobid__gadr.pdf": lambda e: (
        _ok(e, 3),
        {"footnote", "references"} <= {p.section for p in e.passages}
        or pytest.fail("no footnotes or references"),
    ),
    "grobid__footnotes-clef2008.pdf": _footnotes,
    "grobid__ZFN-A-054-0304-0272.pdf": _contains("Exact Solitary-wave Solutions", pages=2),
    "pymupdf__2201.00069.pdf": _page_five,
    "pymupdf__qwen2-technical-report.pdf": _qwen,
    "pypdf-samples__multicolumn.pdf": _multicolumn,
    # Pages 2-23 have fonts without a Unicode map: the text layer is not to be trusted.
    "pdfjs__TAMReview.pdf": _garbled,
    "pdfjs__highlights-tracemonkey.pdf": _tracemonkey,
    "pdfjs__comments-tracemonkey.pdf": _tracemonkey,
    "pypdf-samples__annotated_pdf.pdf": lambda e: _ok(e, 1),
    "pdfminer__issue-1082-annotations.pdf": lambda e: _ok(e, 1),
    "pypdf__commented.pdf": _contains("The Crazy Ones", pages=1),
    "pdfjs__quadpoints.pdf": lambda e: _ok(e, 1),
    "pdfjs__annotation-highlight-without-appearance.pdf": lambda e: _ok(e, 1),
    "pdfminer__175-typewritten-scan.pdf": _needs_ocr,
    "pdfjs__issue7229-scanned-form.pdf": _needs_ocr,
    "pymupdf__test_3863-german-scan.pdf": _needs_ocr,
    "pymupdf__test_4090-scanned-statement.pdf": _needs_ocr,
    "pymupdf__test_4034-portuguese-scan.pdf": _needs_ocr,
    "pypdf__Seige_of_Vicksburg_Sample_OCR.pdf": _vicksburg,
    "pdfminer__pdf-with-jbig2.pdf": _needs_ocr,
    "pdfminer__zen_of_python_corrupted.pdf": _contains(
        "Beautiful is better than ugly.", "Namespaces are one honking great idea"
    ),
    "pymupdf__test2238-garbage-before-header.pdf": _repaired("Hello World"),
    "pdfjs__scan-bad-truncated.pdf": lambda e: (
        e.status in {"ok", "no_text"} or pytest.fail(e.status)
    ),
    "pypdf__selenium-issue-177-truncated.pdf": _repaired(
        "Hello World", "Fichier : Document 1 sans titre"
    ),
    "pdfjs__PDFBOX-3148-2-fuzzed.pdf": _empty_result,
    "pdfjs__bug1020226-zero-pages.pdf": _failed("no_pages", "no readable pages"),
    "pdfjs__poppler-85140-0-unopenable.pdf": _failed("broken", "damaged"),
    "pdfjs__poppler-742-0-fuzzed-unopenable.pdf": _failed("broken", "damaged"),
    "pdfjs__poppler-67295-0-invalid-page-count.pdf": _failed("broken", "page"),
    "pdfjs__Pages-tree-refs-cycle.pdf": _cycle,
    "pypdf-samples__unreadablemetadata.pdf": _failed("no_pages", "no readable pages"),
    "pdfjs__helloworld-bad.pdf": _repaired("Hello, world!"),
    "pypdf-samples__habibi-arabic.pdf": _script("حَبيبي habibi"),
    "pypdf-samples__habibi-rotated.pdf": lambda e: (
        _script("حَبيبي")(e),
        len({p.page_index for p in e.passages}) == 4 or pytest.fail("a rotated page lost its text"),
    ),
    "pdfminer__jo-japanese.pdf": _script("わたくしといふ現象は"),
    "pdfjs__vertical-japanese.pdf": _script("あいうえお"),
    "pdfjs__issue11656-hebrew.pdf": _script("שלום"),
    "pdfjs__bug1627427-korean.pdf": _script("침하게흐린품이눈이올듯하더니"),
    "pdfjs__issue13107-georgian.pdf": lambda e: _ok(e, 1),
    "pymupdf__chinese-tables.pdf": lambda e: (
        _script("发行人历史评级情况")(e),
        set(_labels(e).values()) == {"251"} or pytest.fail(str(_labels(e))),
    ),
    "pypdf__multilang.pdf": _contains(
        "Hello World", "مرحبا بالعالم", "Привет, мир", "你好世界", "สวัสดีชาวโลก", "こんにちは世界"
    ),
    "pdfminer__issue-791-non-unicode-cmap.pdf": _garbled,
    "pymupdf__test_2791-french-mixed-encoding.pdf": _french_mixed,
    "pdfjs__ThuluthFeatures-garbled.pdf": _garbled,
    "pdfjs__issue5540-polytonic-greek.pdf": _script(unicodedata.normalize("NFC", "ἄγγελος")),
    "pdfjs__noembed-sjis.pdf": _script("あいうえお"),
    "pdfjs__issue6127-french-cerfa.pdf": lambda e: (
        _contains("République Tchèque")(e),
        e.lang == "fr" or pytest.fail(e.lang),
    ),
    "pdfjs__freeculture.pdf": _freeculture,
    "pymupdf__mupdf_explored.pdf": _labels_are(
        {0: "1", 1: "i", 12: "xii", 13: "1", 14: "2", 284: "272"}, 285
    ),
    "pypdf-samples__GeoTopo-komprimiert.pdf": _labels_are(
        {0: "i", 2: "iii", 3: "1", 9: "7", 116: "114"}, 117
    ),
    "pymupdf__who-hcv-guidelines.pdf": lambda e: (
        _labels_are({0: "C1", 1: "i"}, 155)(e),
        "references" in {p.section for p in e.passages} or pytest.fail("no references"),
    ),
    "pdfminer__i1040nr.pdf": _labels_are({i: str(i + 1) for i in range(0, 50, 7)}, 50),
    "pdfminer__pagelabels.pdf": _labels_are({0: "iii", 1: "iv", 2: "1", 3: "2", 4: "1"}, 5),
    # Eleven labelled pages without any text: nothing to extract, said so.
    "pdfjs__labelled_pages.pdf": lambda e: (
        e.status == "no_text" and e.pages == 11 or pytest.fail(e.status)
    ),
    "pdfjs__bad-PageLabels.pdf": _labels_are({0: "X3"}, 1),
    "pdfjs__rotation.pdf": lambda e: _ok(e, 2),
    "pdfminer__simple1-no-xref.pdf": _repaired("Hello World", "H e l l o W o r l d"),
}

ENCRYPTED_TEXT = {
    "pypdf-samples__libreoffice-writer-password.pdf": "",
    "pypdf__r2-user-password.pdf": "pdf encryption test",
    "pypdf__r4-aes-user-password.pdf": "",
    "pypdf__r6-user-password.pdf": "",
    "pypdf__r6-both-passwords.pdf": "",
    "pypdf__crazyones-encrypted-256.pdf": "The Crazy Ones",
    "pdfjs__issue6010_2-utf8-password.pdf": "",
    "pdfjs__saslprep-r6.pdf": "",
    "pdfminer__aes-256-m.pdf": "",
}
OPEN_DESPITE_ENCRYPTION = {
    "pypdf__r6-owner-password.pdf",
    "pypdf__r5-empty-password.pdf",
    "pymupdf__uscis-i9-spanish-aes.pdf",
}


@pytest.fixture(autouse=True)
def _corpus() -> None:
    if not MANIFEST.is_file():
        pytest.skip("../shared/corpora/pdfs-varied is not beside the repository")


def test_every_manifest_file_has_an_expectation():
    names = {row["file"] for row in ROWS}
    assert len(names) == 75
    assert names == set(EXPECTED) | set(ENCRYPTED_TEXT) | OPEN_DESPITE_ENCRYPTION


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_manifest_file(row: dict[str, str]) -> None:
    name = row["file"]
    e = _extract(name)
    assert e.status in STATUSES and e.file == str(CORPUS / name)
    assert (e.reason == "") == (e.status == "ok")
    for p in e.passages:
        assert p.section in SECTIONS and p.lang in {"fr", "nl", "en", "other"}
        assert 0 <= p.page_index < e.pages and p.page_label and p.text == p.text.strip()
        assert unicodedata.is_normalized("NFC", p.text) and "  " not in p.text
        assert not _GARBAGE.search(p.text), p.text
    assert [p.seq for p in e.passages] == list(range(len(e.passages)))
    if name in ENCRYPTED_TEXT:
        assert e.status == "encrypted" and "password" in e.reason and e.pages == 0
        unlocked = _extract(name, _password(row))
        _ok(unlocked, 1)
        assert ENCRYPTED_TEXT[name] in _text(unlocked)
        assert _extract(name, "not-the-password").status == "encrypted"
    elif name in OPEN_DESPITE_ENCRYPTION:
        _ok(e)
    else:
        EXPECTED[name](e)


def test_either_password_unlocks_a_file_with_both():
    assert _extract("pypdf__r6-both-passwords.pdf", "bar").status == "ok"
