"""PDF passages: tiny PDFs written with pymupdf in each test, then read back."""

from __future__ import annotations

import concurrent.futures
import os
import pickle
import shutil
import threading
import time
from pathlib import Path

import pymupdf
import pytest

import evidence.pdf
from evidence.pdf import (
    CODED_SECTIONS,
    EXTRACTOR_VERSION,
    SECTIONS,
    Extraction,
    Passage,
    extract_many,
    extract_pdf,
)
from evidence.pdf import _extract as ex
from evidence.pdf._pool import run_bounded

W, H = 595, 842
BODY = 11


def _lines(
    page: pymupdf.Page,
    lines: list[str],
    *,
    x: float = 72,
    y: float = 100,
    size: float = BODY,
    font: str = "helv",
    lead: float = 14,
) -> float:
    """Write lines one under the other; return the y below the last one."""
    for line in lines:
        page.insert_text((x, y), line, fontname=font, fontsize=size)
        y += lead
    return y


def _furniture(page: pymupdf.Page, number: int) -> None:
    page.insert_text(
        (72, 40), "OFVS - Rapport annuel 2020 - Chapitre 2", fontname="helv", fontsize=8
    )
    page.insert_text(
        (72, 805), "Observatoire fictif de la violence sociale", fontname="helv", fontsize=8
    )
    page.insert_text((290, 822), str(number), fontname="helv", fontsize=8)


def _save(doc: pymupdf.Document, path: Path, **kwargs) -> Path:
    doc.save(path, **kwargs)
    doc.close()
    return path


@pytest.fixture
def report_fr(tmp_path: Path) -> Path:
    """Three French pages printed 12-14, with headings, notes, a figure, a table, references."""
    doc = pymupdf.open()
    p1 = doc.new_page(width=W, height=H)
    _furniture(p1, 12)
    y = _lines(p1, ["Résumé"], size=15, font="hebo", y=90)
    y = _lines(
        p1,
        [
            "Ce chapitre décrit les violences subies en rue par les personnes sans-abri",
            "et par les travailleurs qui les accompagnent au quotidien.",
        ],
        y=y + 4,
    )
    y = _lines(p1, ["1. Introduction"], size=15, font="hebo", y=y + 12)
    y = _lines(
        p1,
        [
            "   Les équipes de rue rencontrent chaque nuit des personnes exposées à la vio-",
            "lence. Le modèle Housing-",
            "First réduit ces risques, disent les intervenants des services sans-",
            "abri de la Région bruxelloise.",
        ],
        y=y + 4,
    )
    _lines(
        p1,
        [
            "    La plupart des agressions ne sont jamais signalées à la police, parce que les",
            "victimes craignent de ne pas être crues ou de perdre leur place dans le",
        ],
        y=y + 6,
    )
    p2 = doc.new_page(width=W, height=H)
    _furniture(p2, 13)
    y = _lines(
        p2,
        [
            "centre d'hébergement qui les accueille depuis plusieurs semaines.",
            "    Les femmes évoquent surtout la peur de la nuit et des lieux isolés.",
        ],
        y=90,
    )
    y = _lines(p2, ["Figure 1 : Nombre d'agressions signalées par année"], size=9, y=y + 20)
    y = _lines(p2, ["2019 12 15 18 21", "2020 14 17 19 25", "2021 16 18 22 30"], y=y + 14)
    _lines(p2, ["1 Une note de bas de page sur la méthode de l'enquête de terrain."], size=7, y=760)
    p3 = doc.new_page(width=W, height=H)
    _furniture(p3, 14)
    y = _lines(p3, ["Références"], size=15, font="hebo", y=90)
    _lines(
        p3,
        [
            "Exemple, C. (2015). La rue n'est pas un abri. Bruxelles : Éditions Fictives.",
            "Modèle, S. (2019). Agressions au travail. Revue fictive de travail social.",
        ],
        y=y + 4,
        size=10,
        lead=16,
    )
    return _save(doc, tmp_path / "report_fr.pdf")


@pytest.fixture
def two_columns(tmp_path: Path) -> Path:
    """Two English pages: a full-width title, then two columns whose text runs on."""
    doc = pymupdf.open()
    for number in (1, 2):
        page = doc.new_page(width=W, height=H)
        if number == 1:
            _lines(
                page,
                ["Violence against people sleeping rough in European cities"],
                size=16,
                font="hebo",
                y=80,
            )
        left = (
            [
                "    Left column first paragraph about the outreach",
                "teams who meet people sleeping rough at night and",
            ]
            if number == 1
            else [
                "    Second page left column paragraph of the survey",
                "that was run in three cities in the same year.",
            ]
        )
        right = (
            [
                "record what happened to them in the previous year.",
                "    Right column second paragraph on the police.",
            ]
            if number == 1
            else [
                "    Second page right column paragraph of the survey",
                "with the answers of the people who took part.",
            ]
        )
        _lines(page, left, x=72, y=130)
        _lines(page, right, x=320, y=130)
    return _save(doc, tmp_path / "two_columns.pdf")


def _by_text(extraction: Extraction, start: str) -> Passage:
    found = [p for p in extraction.passages if p.text.startswith(start)]
    assert len(found) == 1, [p.text for p in extraction.passages]
    return found[0]


def test_public_api_is_what_the_store_and_pipeline_call():
    assert evidence.pdf.__all__ == [
        "CODED_SECTIONS",
        "ENGINE",
        "EXTRACTOR_VERSION",
        "NEEDS_OCR",
        "SECTIONS",
        "Extraction",
        "Passage",
        "extract_many",
        "extract_pdf",
        "ocr_languages",
    ]
    assert set(CODED_SECTIONS) <= set(SECTIONS)
    assert "references" not in CODED_SECTIONS and "table" not in CODED_SECTIONS
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


def test_the_extraction_key_names_the_mupdf_that_read_the_file():
    import pymupdf  # noqa: PLC0415 - the engine the key must name

    assert {"pymupdf": pymupdf.VersionBind, "mupdf": pymupdf.VersionFitz} == evidence.pdf.ENGINE
    assert EXTRACTOR_VERSION.endswith(f"+pymupdf-{pymupdf.VersionBind}+mupdf-{pymupdf.VersionFitz}")


def test_report_labels_follow_the_printed_numbers_and_furniture_is_gone(report_fr):
    result = extract_pdf(report_fr)
    assert result.status == "ok" and result.reason == "" and result.pages == 3
    labels = {p.page_index: p.page_label for p in result.passages}
    assert labels == {0: "12", 1: "13", 2: "14"}
    text = " ".join(p.text for p in result.passages)
    assert "OFVS" not in text and "Observatoire fictif" not in text
    assert not any(p.text in {"12", "13", "14"} for p in result.passages)
    assert [p.seq for p in result.passages] == list(range(len(result.passages)))


def test_report_hyphenation_compounds_and_sections(report_fr):
    result = extract_pdf(report_fr)
    intro = _by_text(result, "Les équipes de rue")
    assert "exposées à la violence. Le modèle Housing-First réduit" in intro.text
    assert "des services sans-abri de la Région" in intro.text
    assert intro.section == "body" and intro.lang == "fr"
    assert _by_text(result, "Résumé").section == "heading"
    assert _by_text(result, "Ce chapitre décrit").section == "abstract"
    assert _by_text(result, "1. Introduction").section == "heading"
    assert _by_text(result, "Figure 1 :").section == "caption"
    assert _by_text(result, "2019 12 15").section == "table"
    note = _by_text(result, "1 Une note de bas de page")
    assert note.section == "footnote" and note.page_label == "13"
    refs = [p for p in result.passages if p.section == "references"]
    assert [r.text[:8] for r in refs] == ["Exemple,", "Modèle, "]
    assert result.lang == "fr"


def test_paragraph_runs_on_across_a_page_break_and_keeps_its_start_page(report_fr):
    result = extract_pdf(report_fr)
    para = _by_text(result, "La plupart des agressions")
    assert para.text.endswith(
        "perdre leur place dans le centre d'hébergement qui les "
        "accueille depuis plusieurs semaines."
    )
    assert (para.page_index, para.page_label) == (0, "12")
    nxt = result.passages[para.seq + 1]
    assert nxt.text.startswith("Les femmes évoquent") and nxt.page_index == 1


def test_two_columns_are_read_left_then_right_and_continue(two_columns):
    result = extract_pdf(two_columns)
    assert result.status == "ok" and result.lang == "en"
    texts = [p.text for p in result.passages]
    assert texts[0].startswith("Violence against people") and result.passages[0].section == (
        "heading"
    )
    assert texts[1] == (
        "Left column first paragraph about the outreach teams who meet people "
        "sleeping rough at night and record what happened to them in the "
        "previous year."
    )
    assert texts[2] == "Right column second paragraph on the police."
    assert texts[3:] == [
        "Second page left column paragraph of the survey that was run in three cities in the "
        "same year.",
        "Second page right column paragraph of the survey with the answers of the people who "
        "took part.",
    ]
    assert [p.page_label for p in result.passages] == ["1", "1", "1", "2", "2"]


def test_ligatures_odd_spaces_and_soft_hyphens_are_normalised(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    writer = pymupdf.TextWriter(page.rect)
    font = pymupdf.Font("cjk")  # has glyphs for the ligatures and odd spaces
    writer.append(
        (72, 100),
        "Une ﬁnance eﬃcace\u00a0: le travail de\u202fnuit est diﬃ\u00ad",
        font=font,
        fontsize=11,
    )
    writer.append((72, 114), "cile pour les équipes.", font=font, fontsize=11)
    writer.write_text(page)
    result = extract_pdf(_save(doc, tmp_path / "ligatures.pdf", garbage=3, deflate=True))
    assert [p.text for p in result.passages] == [
        "Une finance efficace : le travail de nuit est difficile pour les équipes."
    ]


def test_pdf_page_labels_win_and_malformed_prefixes_are_decoded(tmp_path):
    doc = pymupdf.open()
    texts = [
        "Foreword by the editors.",
        "Contents of the report.",
        "The first chapter.",
        "Annex with the survey questions.",
    ]
    for text in texts:
        _lines(doc.new_page(width=W, height=H), [text], y=300)
    doc.set_page_labels(
        [
            {"startpage": 0, "prefix": "", "style": "r", "firstpagenum": 1},
            {"startpage": 2, "prefix": "", "style": "D", "firstpagenum": 1},
            {"startpage": 3, "prefix": "<FEFF0058>", "style": "D", "firstpagenum": 3},
        ]
    )
    result = extract_pdf(_save(doc, tmp_path / "labels.pdf"))
    assert [p.page_label for p in result.passages] == ["i", "ii", "1", "X3"]
    assert [p.page_index for p in result.passages] == [0, 1, 2, 3]


def test_languages_per_passage_and_majority(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    y = _lines(
        page,
        [
            "Les travailleurs de la maison d'accueil décrivent des agressions",
            "fréquentes et une peur qui ne les quitte pas de la nuit.",
        ],
    )
    y = _lines(
        page,
        [
            "De medewerkers van de nachtopvang worden vaak bedreigd door",
            "bewoners en dat leidt tot stress bij het hele team.",
        ],
        y=y + 14,
    )
    y = _lines(
        page,
        [
            "Les insultes et les menaces entraînent un épuisement des équipes",
            "de nuit, selon les responsables des services.",
        ],
        y=y + 14,
    )
    _lines(
        page,
        [
            "Workers in the night shelter were assaulted by residents several",
            "times a month, which left two of them with injuries.",
        ],
        y=y + 14,
    )
    result = extract_pdf(_save(doc, tmp_path / "languages.pdf"))
    assert [p.lang for p in result.passages] == ["fr", "nl", "fr", "en"]
    assert result.lang == "fr"


def _image_page(doc: pymupdf.Document, text: str) -> None:
    """Add a page that shows ``text`` only as a picture (a scan without a text layer)."""
    src = pymupdf.open()
    _lines(src.new_page(width=W, height=H), [text], size=14, y=120)
    pix = src[0].get_pixmap(dpi=200)
    doc.new_page(width=W, height=H).insert_image(pymupdf.Rect(0, 0, W, H), pixmap=pix)


def test_image_only_pdf_needs_ocr_and_a_scanned_page_is_named(tmp_path):
    scan = pymupdf.open()
    _image_page(scan, "Rapport scanné sur les violences en rue.")
    result = extract_pdf(_save(scan, tmp_path / "scan.pdf"))
    assert result.status == "no_text" and result.passages == ()
    assert "OCR" in result.reason and result.pages == 1

    mixed = pymupdf.open()
    _lines(mixed.new_page(width=W, height=H), ["A first page with a proper text layer."])
    _image_page(mixed, "A scanned appendix.")
    result = extract_pdf(_save(mixed, tmp_path / "mixed.pdf"))
    assert result.status == "ok" and len(result.passages) == 1
    assert any(w.startswith("page 2:") and "OCR" in w for w in result.warnings)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_ocr_reads_an_image_only_page(tmp_path):
    doc = pymupdf.open()
    _image_page(doc, "Les travailleurs sociaux subissent des agressions.")
    result = extract_pdf(_save(doc, tmp_path / "scan.pdf"), ocr=True)
    assert result.status == "ok", result.reason
    assert "agressions" in result.passages[0].text
    assert any("read by OCR" in w for w in result.warnings)


def _garbled_pdf(path: Path, lines: list[str], *, readable: str = "") -> Path:
    """Write ``lines`` in an embedded font whose Unicode map is then removed."""
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    writer = pymupdf.TextWriter(page.rect)
    for k, line in enumerate(lines):
        writer.append((72, 100 + 20 * k), line, font=pymupdf.Font("cjk"), fontsize=14)
    writer.write_text(page)
    if readable:
        _lines(page, [readable], y=300)
    for xref in range(1, doc.xref_length()):
        if doc.xref_get_key(xref, "ToUnicode")[0] == "xref":
            doc.xref_set_key(xref, "ToUnicode", "null")
    return _save(doc, path)


def test_an_unreadable_text_layer_is_garbled_not_quoted(tmp_path):
    lines = [
        "Les travailleurs sociaux subissent des agressions verbales",
        "et physiques dans les centres d accueil de nuit.",
    ]
    result = extract_pdf(_garbled_pdf(tmp_path / "garbled.pdf", lines))
    assert result.status == "garbled" and "OCR" in result.reason and result.passages == ()
    mixed = _garbled_pdf(
        tmp_path / "mixed.pdf",
        lines[:1],
        readable="A readable paragraph after the unreadable line, with enough "
        "words to outweigh it.",
    )
    result = extract_pdf(mixed)
    assert result.status == "ok"
    assert [p.text for p in result.passages] == [
        "A readable paragraph after the unreadable line, with enough words to outweigh it."
    ]
    assert any(w.startswith("page 1: unreadable text") for w in result.warnings)


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_ocr_reads_a_page_whose_text_layer_is_unreadable(tmp_path):
    lines = [
        "Les travailleurs sociaux subissent des agressions verbales",
        "et physiques dans les centres d accueil de nuit.",
    ]
    result = extract_pdf(_garbled_pdf(tmp_path / "garbled.pdf", lines), ocr=True)
    assert result.status == "ok", result.reason
    assert "agressions verbales et physiques" in result.passages[0].text


def test_missing_empty_not_pdf_and_broken_files(tmp_path):
    assert extract_pdf(tmp_path / "nowhere.pdf").status == "missing"
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    assert extract_pdf(empty).status == "broken"
    html = tmp_path / "page.pdf"
    html.write_bytes(b"<!DOCTYPE html><html><body>Not found</body></html>")
    result = extract_pdf(html)
    assert result.status == "not_pdf" and "HTML" in result.reason
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    result = extract_pdf(garbage)
    assert result.status in {"broken", "no_pages"} and result.reason
    zero = tmp_path / "zero.pdf"
    zero.write_bytes(
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )
    assert extract_pdf(zero).status == "no_pages"


def test_truncated_pdf_is_repaired_or_reported(tmp_path, report_fr):
    data = report_fr.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) * 6 // 10])
    result = extract_pdf(cut)
    assert result.status in {"ok", "broken", "no_text"}
    if result.status == "ok":
        assert any("repaired" in w for w in result.warnings)
    else:
        assert result.reason and result.passages == ()


def test_passwords(tmp_path):
    def encrypted(name: str, user: str, owner: str = "owner-secret") -> Path:
        doc = pymupdf.open()
        _lines(doc.new_page(width=W, height=H), ["Confidential note about the night shelter."])
        return _save(
            doc,
            tmp_path / name,
            encryption=pymupdf.PDF_ENCRYPT_AES_256,
            user_pw=user,
            owner_pw=owner,
        )

    locked = encrypted("locked.pdf", "geheim")
    result = extract_pdf(locked)
    assert result.status == "encrypted" and "password" in result.reason and result.pages == 0
    assert extract_pdf(locked, password="wrong").status == "encrypted"
    opened = extract_pdf(locked, password="geheim")
    assert opened.status == "ok" and opened.pages == 1
    assert opened.passages[0].text == "Confidential note about the night shelter."
    # What a user types is normalised like PDF readers do (NFKC, soft hyphen dropped).
    assert (
        extract_pdf(encrypted("sasl.pdf", "SaSLprep"), password="S\u00aaSL\u00adprep").status
        == "ok"
    )
    # An empty user password only restricts permissions: the file opens, it is not locked.
    assert extract_pdf(encrypted("owner-only.pdf", "")).status == "ok"


def test_time_limit_stops_between_pages(report_fr):
    result = extract_pdf(report_fr, timeout=1e-9)
    assert result.status == "timeout" and "page 1 of 3" in result.reason
    assert result.passages == ()


def test_extractions_pickle(report_fr):
    result = extract_pdf(report_fr)
    assert pickle.loads(pickle.dumps(result)) == result


def test_extract_many_yields_every_path_with_its_own_result(report_fr, two_columns, tmp_path):
    missing = tmp_path / "missing.pdf"
    paths = [report_fr, str(two_columns), missing]
    results = dict(extract_many(paths, jobs=2, timeout=60))
    assert set(results) == {str(report_fr), str(two_columns), str(missing)}
    assert results[str(report_fr)] == extract_pdf(report_fr)
    assert results[str(two_columns)].status == "ok"
    assert results[str(missing)].status == "missing"


class _CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    """A thread pool that remembers the most futures it held unfinished at once."""

    def __init__(self) -> None:
        super().__init__(max_workers=1)
        self.lock = threading.Lock()
        self.pending = 0
        self.most = 0

    def submit(self, fn, /, *args, **kwargs):
        with self.lock:
            self.pending += 1
            self.most = max(self.most, self.pending)
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future) -> None:
        with self.lock:
            self.pending -= 1


def test_extract_many_keeps_at_most_two_documents_per_worker_in_flight(report_fr):
    with _CountingExecutor() as executor:
        results = list(extract_many([report_fr] * 12, executor=executor, jobs=1))
    assert len(results) == 12 and all(r.status == "ok" for _, r in results)
    assert executor.most == 2


def _sleep_or_echo(item: str) -> str:
    if item == "hang":
        time.sleep(600)
    return item.upper()


def _crash_or_echo(item: str) -> str:
    if item == "crash":
        os._exit(3)  # what a segfault in the PDF library does to a worker
    return item.upper()


def _run(fn, items, *, guard=None):
    return dict(
        run_bounded(
            fn,
            items,
            executor=None,
            workers=2,
            guard=guard,
            on_timeout=lambda item: "TIMEOUT",
            on_crash=lambda item: "CRASHED",
            on_error=lambda item, exc: f"ERROR {type(exc).__name__}",
        )
    )


def test_a_hung_worker_is_killed_and_the_rest_goes_on():
    started = time.monotonic()
    results = _run(_sleep_or_echo, ["a", "hang", "b", "c", "d"], guard=1.5)
    assert results == {"a": "A", "hang": "TIMEOUT", "b": "B", "c": "C", "d": "D"}
    assert time.monotonic() - started < 60


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_an_item_waiting_behind_a_busy_worker_is_not_timed_out():
    """The pool hands one item more than it has workers to its queue: that one waits its
    turn, and its time starts when a worker takes it, not when it was queued."""
    results = dict(
        run_bounded(
            _sleep,
            [1.6, 1.5],
            executor=None,
            workers=1,
            guard=2.5,
            on_timeout=lambda item: "TIMEOUT",
            on_crash=lambda item: "CRASHED",
            on_error=lambda item, exc: "ERROR",
        )
    )
    assert results == {1.6: 1.6, 1.5: 1.5}


def test_the_time_limit_of_a_hung_document_fires_soon_after_the_limit():
    from evidence.pdf import _extract, _parts

    assert _extract._GRACE <= 10
    started = time.monotonic()
    results = _run(_sleep_or_echo, ["hang"], guard=2.0)
    assert results == {"hang": "TIMEOUT"}
    assert time.monotonic() - started < 2.0 + 8  # the guard, a poll, and a loaded machine
    job = _parts.DocumentJob(1, "x.pdf", False, 120, None)
    assert "no answer after 130 s" in _extract._timed_out(120, job).reason


def test_a_crashing_document_is_pinned_down_and_the_others_finish():
    results = _run(_crash_or_echo, ["a", "b", "crash", "c", "d", "e"])
    assert results == {"a": "A", "b": "B", "crash": "CRASHED", "c": "C", "d": "D", "e": "E"}


def test_an_error_in_the_extractor_is_recorded_not_raised():
    results = _run(int, ["1", "x"])
    assert results == {"1": 1, "x": "ERROR ValueError"}


@pytest.mark.slow
def test_a_dask_cluster_executor_takes_over(report_fr, two_columns):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        results = dict(extract_many([report_fr, two_columns], executor=client.get_executor()))
    assert results[str(report_fr)] == extract_pdf(report_fr)
    assert results[str(two_columns)].status == "ok"


def test_too_many_pages_is_reported_not_read(tmp_path, monkeypatch):
    from evidence.pdf import _document as _pdfdoc

    doc = pymupdf.open()
    for i in range(3):
        _lines(doc.new_page(width=W, height=H), [f"Page {i} of a long compilation."], y=300)
    path = _save(doc, tmp_path / "long.pdf")
    monkeypatch.setattr(_pdfdoc, "MAX_PAGES", 2)
    result = extract_pdf(path)
    assert result.status == "too_large" and result.pages == 3
    assert "3 pages" in result.reason and "split" in result.reason


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("vio-", "lence est", "violence est"),
        ("Housing-", "First", "Housing-First"),
        ("sans-", "abri", "sans-abri"),  # seen inside a line elsewhere in the document
        ("self-", "esteem", "self-esteem"),
        ("dak-", "en thuislozen", "dak- en thuislozen"),
        ("low-", "and middle-income", "low- and middle-income"),
        ("COVID-", "19", "COVID-19"),
        ("pages 105-", "109", "pages 105-109"),
        ("Qwen2-", "72B", "Qwen2-72B"),
    ],
)
def test_line_end_hyphens(left, right, joined):
    from evidence.pdf._text import Vocabulary, join_hyphenated

    vocabulary = Vocabulary(["les services sans-abri de la ville"])
    assert join_hyphenated(left, right, vocabulary) == joined


def test_text_off_the_page_is_left_out(tmp_path):
    doc = pymupdf.open()
    page = doc.new_page(width=W, height=H)
    _lines(page, ["The visible paragraph of the page."], y=300)
    _lines(page, ["A printer's note set beyond the right edge."], x=W + 40, y=300)
    _lines(page, ["A job ticket above the page."], y=-30)
    result = extract_pdf(_save(doc, tmp_path / "bleed.pdf"))
    assert [p.text for p in result.passages] == ["The visible paragraph of the page."]


def test_a_truncated_file_that_kept_only_its_running_header_is_broken() -> None:
    sample = Path(__file__).resolve().parents[2] / "data" / "sample" / "pdfs" / "dummy2021day.pdf"
    result = extract_pdf(sample)
    assert result.status == "broken" and result.passages == ()
    assert "repaired" in result.reason


SHARED = Path(__file__).resolve().parents[3] / "shared"


def _long_report(path: Path, pages: int) -> Path:
    """A French report whose pages carry a running header and footer, printed numbers from
    21, and a paragraph that runs on to the next page (across a hyphen on odd pages)."""
    doc = pymupdf.open()
    for i in range(pages):
        page = doc.new_page(width=W, height=H)
        _furniture(page, 21 + i)
        y = 150.0  # below the margins, where a line repeated on every page is a running header
        if i:
            run_on = (
                "lence dans les centres d'accueil de nuit de la ville."
                if i % 2 == 0
                else "la rue, loin des services qui pourraient les protéger."
            )
            y = _lines(page, [run_on], y=y)
        if i % 4 == 0:
            y = _lines(
                page, [f"{i // 4 + 1}. Observations de terrain"], size=15, font="hebo", y=y + 12
            )
        y = _lines(
            page,
            [
                f"    Au cours du mois {i + 1}, les travailleurs sociaux ont signalé des",
                "agressions verbales et des menaces de la part de certains usagers.",
            ],
            y=y + 6,
        )
        if i == 5:
            # A ligature and a soft hyphen: lines whose cleaned text differs from the raw one.
            writer = pymupdf.TextWriter(page.rect)
            cjk = pymupdf.Font("cjk")
            writer.append((72, y + 6), "Le ﬁnancement des équipes reste insuf\u00ad", font=cjk)
            writer.append((72, y + 20), "ﬁsant selon les coordinateurs.", font=cjk)
            writer.write_text(page)
            y += 34
        if i < pages - 1:
            tail = (
                "des personnes confrontées chaque nuit à la vio-"
                if i % 2
                else "des personnes qui dorment seules dans"
            )
            _lines(page, [f"    Les équipes mobiles du secteur {i + 1} rencontrent", tail], y=y + 6)
    return _save(doc, path)


class _RecordingPool(concurrent.futures.ProcessPoolExecutor):
    """A process pool that remembers the jobs handed to it."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.jobs: list = []

    def submit(self, fn, /, *args, **kwargs):
        self.jobs.append(args[0])
        return super().submit(fn, *args, **kwargs)


def test_a_long_document_read_in_page_ranges_equals_the_whole_read(tmp_path):
    from evidence.pdf._parts import DocumentJob, MergeJob, RangeJob
    from evidence.workbook import passage_rows

    path = _long_report(tmp_path / "long.pdf", 10)
    whole = extract_pdf(path)
    with _RecordingPool() as pool:
        # Three workers asked for, so three ranges: one seam after a hyphen, one without.
        split = dict(extract_many([path], executor=pool, jobs=3, split_pages=4))[str(path)]
    assert split == whole
    assert passage_rows("report2020", split) == passage_rows("report2020", whole)
    # It was read in parts: an opening, a range per worker, then one last job.
    assert [type(j) for j in pool.jobs[:1] + pool.jobs[-1:]] == [DocumentJob, MergeJob]
    ranges = sorted((j.start, j.stop) for j in pool.jobs if isinstance(j, RangeJob))
    assert ranges == [(0, 3), (3, 6), (6, 10)]
    # What crosses the seams of the ranges is what crosses any page break.
    assert whole.status == "ok" and whole.lang == "fr" and whole.pages == 10
    assert {p.page_label for p in whole.passages} == {str(n) for n in range(21, 31)}
    assert not any("Rapport annuel" in p.text or "Observatoire" in p.text for p in whole.passages)
    hyphen = _by_text(whole, "Les équipes mobiles du secteur 2 ")
    assert hyphen.text.endswith(
        "chaque nuit à la violence dans les centres d'accueil de nuit de la ville."
    )
    assert (hyphen.page_label, hyphen.section) == ("22", "body")
    plain = _by_text(whole, "Les équipes mobiles du secteur 5 ")
    assert plain.text.endswith(
        "dorment seules dans la rue, loin des services qui pourraient les protéger."
    )
    assert (
        _by_text(
            whole, "Le financement des équipes reste insuffisant selon les coordinateurs."
        ).page_label
        == "26"
    )
    assert _by_text(whole, "3. Observations de terrain").section == "heading"


def test_a_long_document_opened_while_others_wait_is_read_whole(tmp_path, report_fr):
    from evidence.pdf._parts import DocumentJob, RangeJob

    path = _long_report(tmp_path / "long.pdf", 10)
    with _RecordingPool() as pool:
        results = list(
            extract_many([path] + [report_fr] * 24, executor=pool, jobs=2, split_pages=4)
        )
    # The other documents keep the second worker busy: splitting would only add work.
    assert not any(isinstance(j, RangeJob) for j in pool.jobs)
    assert [j.split_pages for j in pool.jobs if j.file == str(path)] == [4, None]
    assert all(isinstance(j, DocumentJob) for j in pool.jobs)
    assert len(results) == 25
    assert [e for f, e in results if f == str(path)] == [extract_pdf(path)]


def test_the_shared_corpus_book_read_in_page_ranges_equals_the_whole_read():
    book = SHARED / "corpora" / "pdfs-varied" / "pdfjs__freeculture.pdf"
    if not book.is_file():
        pytest.skip("the shared corpora are not beside the repository")
    whole = extract_pdf(book)
    split = dict(extract_many([book], jobs=2, split_pages=100))[str(book)]
    assert whole.status == "ok" and whole.pages == 352 and len(whole.passages) > 1000
    assert split == whole


def test_a_failing_range_fails_its_document_with_the_reason(tmp_path, monkeypatch, report_fr):
    from evidence.pdf import _reading

    path = _long_report(tmp_path / "long.pdf", 10)
    read_words = _reading.read_words

    def lost_on_page_eight(page: pymupdf.Page, *, ocr: bool) -> list:
        if page.number == 7 and page.parent.name == str(path):
            raise LookupError("page tree entry lost")
        return read_words(page, ocr=ocr)

    monkeypatch.setattr(_reading, "read_words", lost_on_page_eight)
    # Threads, so that the worker reads through the replaced function.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        results = dict(extract_many([path, report_fr], executor=pool, jobs=2, split_pages=4))
    failed = results[str(path)]
    assert failed.status == "error" and failed.passages == ()
    assert "LookupError: page tree entry lost" in failed.reason
    assert results[str(report_fr)] == extract_pdf(report_fr)


def test_a_document_read_in_page_ranges_keeps_its_time_limit(tmp_path, monkeypatch):
    from evidence.pdf import _reading

    path = _long_report(tmp_path / "long.pdf", 10)
    clock = [0.0]
    read_words = _reading.read_words

    def one_second_a_page(page: pymupdf.Page, *, ocr: bool) -> list:
        clock[0] += 1.0
        return read_words(page, ocr=ocr)

    monkeypatch.setattr(_reading, "read_words", one_second_a_page)
    monkeypatch.setattr(_reading, "monotonic", lambda: clock[0])
    monkeypatch.setattr(ex, "monotonic", lambda: clock[0])
    assert extract_pdf(path, timeout=5).status == "timeout"
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        within = dict(extract_many([path], executor=pool, jobs=2, split_pages=4, timeout=12))
        over = dict(extract_many([path], executor=pool, jobs=2, split_pages=4, timeout=5))
        short = dict(extract_many([path], executor=pool, jobs=2, split_pages=4, timeout=3))
    assert within[str(path)] == extract_pdf(path, timeout=12)
    late = over[str(path)]
    assert (late.status, late.pages, late.passages) == ("timeout", 10, ())
    assert "5 s" in late.reason and "--timeout" in late.reason
    # A range that runs out of its share stops there, as a whole read stops at a page.
    stopped = short[str(path)]
    assert (stopped.status, stopped.pages, stopped.passages) == ("timeout", 10, ())
    assert "stopped after 3 s at page" in stopped.reason


def test_pages_travel_between_workers_unchanged(tmp_path):
    from evidence.pdf._parts import pack_pages, unpack_pages
    from evidence.pdf._reading import read_pages

    def state(obj: object) -> dict:
        return {name: getattr(obj, name) for name in type(obj).__slots__ if name != "lines"}

    with pymupdf.open(_long_report(tmp_path / "long.pdf", 7)) as doc:
        texts, _ = read_pages(doc, 0, doc.page_count, ocr=False, deadline=None, notes={})
    back = unpack_pages(pickle.loads(pickle.dumps(pack_pages(texts))))
    assert any(ln.raw != ln.text for t in texts for ln in t.lines)  # the ligatures
    assert [state(t) for t in back] == [state(t) for t in texts]
    assert [[state(ln) for ln in t.lines] for t in back] == [
        [state(ln) for ln in t.lines] for t in texts
    ]
