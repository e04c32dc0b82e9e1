from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypandoc
import pytest

from evidence.report._print import write_print_css, write_reference_docx


@pytest.mark.parametrize(
    ("paper", "css", "twips"), [("a4", "A4", (11906, 16838)), ("letter", "letter", (12240, 15840))]
)
def test_the_page_size_reaches_the_stylesheet_and_the_reference_docx(
    tmp_path: Path, paper: str, css: str, twips: tuple[int, int]
) -> None:
    sheet = write_print_css(tmp_path, paper).read_text(encoding="utf-8")
    assert f"@page {{ size: {css};" in sheet
    pandoc = str(pypandoc.get_pandoc_path())  # the one chapters are rendered with
    reference = write_reference_docx(tmp_path, paper, pandoc)
    with zipfile.ZipFile(reference) as docx:
        page = re.search(r"<w:pgSz [^>]*>", docx.read("word/document.xml").decode())
        stamps = {info.date_time for info in docx.infolist()}
    assert page and f'w:w="{twips[0]}"' in page[0] and f'w:h="{twips[1]}"' in page[0]
    assert stamps == {(2000, 1, 1, 0, 0, 0)}  # the same bytes on every build
    first = reference.read_bytes()
    reference.unlink()
    assert write_reference_docx(tmp_path, paper, pandoc).read_bytes() == first
