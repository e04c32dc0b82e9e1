"""How chapters print: the page size (A4 unless evidence.toml says letter), margins, tables
that fit the page and figures that do not overflow it, for the HTML (and the PDF Chromium
prints from it) and for the DOCX (pandoc's reference document with the page set).
"""

from __future__ import annotations

import subprocess
import threading
import zipfile
from pathlib import Path

__all__ = ["PAPERS", "write_print_css", "write_reference_docx"]

# Page sizes (width, height) in twentieths of a point, as Word counts them, and in CSS.
_PAPER = {"a4": ((11906, 16838), "A4"), "letter": ((12240, 15840), "letter")}
PAPERS = tuple(_PAPER)
_MARGIN_TWIPS = 1134  # 2 cm
_PRINT_CSS = """\
@page {{ size: {size}; margin: 18mm 16mm 20mm 16mm; }}
html {{ font-size: 11pt; }}
body {{ max-width: 46em; margin: 0 auto; padding: 1em; line-height: 1.45;
  font-family: "DejaVu Serif", Georgia, serif; }}
h1, h2, h3 {{ font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; line-height: 1.2;
  break-after: avoid; page-break-after: avoid; }}
p:has(+ p > img) {{ break-after: avoid; page-break-after: avoid; }}
img {{ max-width: 100%; height: auto; break-inside: avoid; page-break-inside: avoid; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9pt; margin: 0.8em 0;
  font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; page-break-inside: avoid; }}
th, td {{ border-bottom: 1px solid #bbb; padding: 0.2em 0.35em; vertical-align: top;
  overflow-wrap: break-word; hyphens: auto; }}
th {{ vertical-align: bottom; border-bottom: 1.5px solid #333; }}
blockquote {{ margin: 0.6em 0 0.6em 1em; padding-left: 0.8em; border-left: 3px solid #ccc; }}
a {{ color: #1a4d8f; }}
@media print {{ body {{ max-width: none; padding: 0; }} a {{ text-decoration: none; }} }}
"""


def write_print_css(folder: Path, paper: str) -> Path:
    """Write the chapters' stylesheet into ``folder`` (page size, readable tables, figures
    that fit the page); return its path."""
    path = folder / f"print-{paper}.css"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_PRINT_CSS.format(size=_PAPER[paper][1]), encoding="utf-8")
    return path


def write_reference_docx(folder: Path, paper: str, pandoc: str) -> Path:
    """Write into ``folder`` pandoc's reference DOCX with the page size of ``paper`` and
    2 cm margins; return its path.

    pandoc's own reference document names no page size, so Word falls back on its locale's
    (US Letter for many); the chapters are printed on A4 unless evidence.toml says letter.
    """
    path = folder / f"reference-{paper}.docx"
    with _REFERENCE_LOCK:  # chapters render in parallel threads into one folder
        if not path.is_file():
            _write_reference_docx(path, paper, pandoc)
    return path


_REFERENCE_LOCK = threading.Lock()


def _write_reference_docx(path: Path, paper: str, pandoc: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    default = path.with_suffix(".default.docx")
    subprocess.run(
        [pandoc, "-o", str(default), "--print-default-data-file", "reference.docx"],
        check=True,
        capture_output=True,
    )
    (width, height), _ = _PAPER[paper]
    m = _MARGIN_TWIPS
    page = (
        f'<w:pgSz w:w="{width}" w:h="{height}" />'
        f'<w:pgMar w:top="{m}" w:right="{m}" w:bottom="{m}" w:left="{m}" w:header="709" '
        'w:footer="709" w:gutter="0" />'
    )
    with zipfile.ZipFile(default) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"</w:sectPr>", page.encode() + b"</w:sectPr>")
            fixed = zipfile.ZipInfo(item.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, data)
    default.unlink()
