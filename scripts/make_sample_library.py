"""Build the fictional sample library: PDFs, references.bib and a manifest, reproducibly.

Run from the repository root:

    .venv/bin/python scripts/make_sample_library.py            # writes into the repository
    .venv/bin/python scripts/make_sample_library.py --out DIR  # writes DIR/data/sample/... instead

Sources are the Markdown files of data/sample/sources/ (YAML front matter + body) and the
citation-only entries of data/sample/citations.yml. Every output byte depends only on them and
on the pymupdf version: fixed metadata dates, no random file id, deterministic font subsets.
The one exception is the encrypted PDF: its passwords are drawn at random and thrown away, and
AES encryption adds random salts, so it is re-encrypted only when its plain text changes (the
manifest records the digest of the plain PDF it was made from).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pymupdf
import yaml
from _sample_pdf import (
    LEFT,
    RED,
    RIGHT,
    SHY,
    STYLES,
    TOP,
    Block,
    Flow,
    Layout,
    Style,
    draw_running_text,
    measure,
    wrap,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCES = Path("data/sample/sources")
CITATIONS = Path("data/sample/citations.yml")
PDF_DIR = Path("data/sample/pdfs")
MANIFEST = Path("data/sample/manifest.json")
BIB = Path("references.bib")
TRUNCATE_AT = 0.6
NOTICE = {
    "fr": "Document fictif de démonstration — données inventées",
    "nl": "Fictief demonstratiedocument — verzonnen gegevens",
    "en": "Fictional demonstration document — invented data",
}
BIB_NOTE = "Fictional demonstration document, invented data (evidence sample library)"
LANGID = {"fr": "french", "nl": "dutch", "en": "english"}
LANG_TAG = {"fr": "fr-BE", "nl": "nl-BE", "en": "en-GB"}
ABSTRACT_LABEL = {"fr": "Résumé", "nl": "Samenvatting", "en": "Abstract"}
REFERENCE_HEADINGS = {"Références", "Bibliographie", "Referenties", "Literatuur", "References"}
BIB_FIELDS = {
    "article": ("journal", "volume", "number", "pages"),
    "techreport": ("institution", "type", "number", "address"),
    "incollection": ("booktitle", "editor", "publisher", "address", "pages"),
    "book": ("publisher", "address"),
}


@dataclass
class Source:
    """One document of the sample: bibliographic fields, layout and body blocks."""

    meta: dict[str, Any]
    blocks: list[Block]
    notes: dict[str, str]
    layout: Layout = field(default_factory=Layout)

    @property
    def key(self) -> str:
        return str(self.meta["key"])


def load_source(path: Path) -> Source:
    """Return the document described by one Markdown source file."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    if match is None:
        raise SystemExit(f"{path}: expected a YAML front matter block between '---' lines")
    meta = yaml.safe_load(match.group(1))
    if meta.get("key") != path.stem:
        raise SystemExit(f"{path}: key {meta.get('key')!r} must equal the file name")
    blocks, notes = _parse_body(match.group(2))
    try:
        layout = Layout(**meta.get("layout", {}))
    except TypeError as error:
        raise SystemExit(f"{path}: unknown setting under 'layout:' ({error})") from error
    return Source(meta, blocks, notes, layout)


def _parse_body(text: str) -> tuple[list[Block], dict[str, str]]:
    """Return the blocks and footnotes of a Markdown body (the subset documented in README)."""
    blocks: list[Block] = []
    notes: dict[str, str] = {}
    para: list[str] = []
    in_refs = False

    def flush() -> None:
        if para:
            blocks.append(Block("body", " ".join(para)))
            para.clear()

    for raw in text.replace("{-}", SHY).splitlines():
        line = raw.strip()
        note = re.match(r"\[\^(\w+)\]:\s*(.*)", line)
        if not line or line in ("<!-- newpage -->", "<!-- scanned -->") or note:
            flush()
        if note:
            notes[note.group(1)] = note.group(2)
        elif line in ("<!-- newpage -->", "<!-- scanned -->"):
            blocks.append(Block(line[5:-4]))
        elif line.startswith("#"):
            flush()
            level, heading = line.split(" ", 1)
            blocks.append(Block(f"h{len(level)}", heading))
            in_refs = heading in REFERENCE_HEADINGS
        elif line.startswith("- "):
            flush()
            blocks.append(Block("ref" if in_refs else "item", line[2:]))
        elif line:
            para.append(line)
    flush()
    return blocks, notes


def page_label(layout: Layout, index: int) -> str:
    """Return the label printed on page `index` (0-based): page-label scheme or footer number."""
    if not layout.page_labels:
        return str((layout.first_printed_page or 1) + index)
    rule = max((r for r in layout.page_labels if int(r["startpage"]) <= index), key=_start)
    number = int(rule.get("firstpagenum", 1)) + index - int(rule["startpage"])
    return str(rule.get("prefix", "")) + (_roman(number) if rule["style"] == "r" else str(number))


def _start(rule: dict[str, object]) -> int:
    return int(str(rule["startpage"]))


def _roman(number: int) -> str:
    values = ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    out = ""
    for value, letters in values:
        while number >= value:
            out, number = out + letters, number - value
    return out


def _display_authors(meta: dict[str, Any]) -> str:
    names = [" ".join(reversed(name.split(", "))) for name in meta["authors"]]
    return ", ".join(names[:-1]) + (" & " if len(names) > 1 else "") + names[-1]


def _title_block(flow: Flow, source: Source) -> None:
    """Draw title, authors, venue, the fictional-material notice and the abstract."""
    meta = source.meta
    canvas = flow.canvas
    width = RIGHT - LEFT
    y = TOP - 6
    for style, text, layer in (
        (Style("tiit", 9.5, 12.0), meta["venue"], "title"),
        (Style("hebo", 16.0, 19.5, before=6.0), meta["title"], "title"),
        (Style("helv", 10.5, 13.5, before=4.0), _display_authors(meta), "title"),
        (Style("tiit", 9.5, 12.0), meta.get("affiliation", ""), "title"),
    ):
        y += style.before
        for line in wrap(text, style, width):
            canvas.draw(layer, LEFT, y + style.size, line.text, style)
            y += style.leading
    y += 8
    notice = Style("hebo", 9.0, 11.0)
    box = pymupdf.Rect(LEFT, y, LEFT + measure(NOTICE[meta["language"]], notice) + 16, y + 17)
    canvas.page.draw_rect(box, color=RED, fill=(1.0, 0.93, 0.93), width=0.6)
    canvas.draw("notice", LEFT + 8, y + 12, NOTICE[meta["language"]], notice)
    y = box.y1 + 12
    if meta.get("abstract"):
        label = Style("hebo", 9.5, 12.5)
        canvas.draw("body", LEFT, y + label.size, ABSTRACT_LABEL[meta["language"]], label)
        y += label.leading
        for line in wrap(meta["abstract"], STYLES["abstract"], width):
            canvas.draw("body", LEFT, y + STYLES["abstract"].size, line.text, STYLES["abstract"])
            y += STYLES["abstract"].leading
        y += 6
    canvas.page.draw_line((LEFT, y), (RIGHT, y), color=(0.6, 0.6, 0.6), width=0.5)
    flow.set_top(y + 12)


def _pour(flow: Flow, blocks: list[Block]) -> list[Block]:
    """Place blocks until a `scanned` directive; return the blocks that follow it."""
    for index, block in enumerate(blocks):
        if block.kind == "newpage":
            flow.new_page()
            continue
        if block.kind == "scanned":
            return blocks[index + 1 :]
        style = STYLES["h1" if block.kind == "h1" else block.kind]
        keep = 2 * STYLES["body"].leading if block.kind.startswith("h") else 0.0
        flow.place(index, wrap(block.text, style, flow.width), style, keep=keep)
    return []


def _scanned_page(source: Source, blocks: list[Block], index: int) -> pymupdf.Pixmap:
    """Render blocks as a page of their own and return its picture (100 dpi, grey)."""
    scratch = pymupdf.open()
    flow = Flow(scratch, Layout(), source.notes)
    flow.new_page(top=TOP - 10)
    _pour(flow, blocks)
    flow.close()
    if scratch.page_count != 1:
        raise SystemExit(f"{source.key}: the scanned appendix must fit on one page")
    canvas = flow.canvases[0]
    assert canvas is not None
    draw_running_text(canvas, "", "", page_label(source.layout, index))
    canvas.finish()
    return scratch[0].get_pixmap(dpi=100, colorspace=pymupdf.csGRAY)


def build_pdf(source: Source) -> tuple[bytes, dict[str, Any]]:
    """Return the plain PDF bytes of one document and the facts the manifest records."""
    meta, layout = source.meta, source.layout
    doc = pymupdf.open()
    flow = Flow(doc, layout, source.notes)
    flow.new_page()
    _title_block(flow, source)
    rest = _pour(flow, source.blocks)
    flow.close()
    if rest:
        flow.add_raster_page(_scanned_page(source, rest, len(flow.canvases)))
    labels = [page_label(layout, i) for i in range(doc.page_count)]
    if layout.page_labels:
        doc.set_page_labels(layout.page_labels)
        if [page.get_label() for page in doc] != labels:
            raise SystemExit(f"{source.key}: page labels differ from the printed numbers")
    for index, canvas in enumerate(flow.canvases):
        if canvas is None:
            continue
        number = labels[index] if layout.numbers else ""
        draw_running_text(canvas, layout.header, layout.footer, number)
        canvas.finish()
    _set_metadata(doc, meta)
    doc.subset_fonts()
    data = doc.tobytes(garbage=4, deflate=True, no_new_id=True)
    facts = {
        "pages": doc.page_count,
        "page_labels": labels,
        "pdf_page_labels": bool(layout.page_labels),
        "printed_numbers": layout.numbers,
        "running_header": layout.header,
        "columns": layout.columns,
        "image_only_pages": [i for i, c in enumerate(flow.canvases) if c is None],
        "hyphenated": [[page, word] for page, word in flow.hyphenated],
        "continued": _continued(flow),
        "footnotes": len(source.notes),
    }
    _check_layout(source, facts)
    return data, facts


def _check_layout(source: Source, facts: dict[str, Any]) -> None:
    """Stop when an edit of the text has lost a layout feature the sample promises."""
    problems = []
    if not 2 <= facts["pages"] <= 6:
        problems.append(f"{facts['pages']} pages, the sample wants 2 to 6")
    if any(SHY in block.text for block in source.blocks) and not facts["hyphenated"]:
        problems.append("no soft hyphen ({-}) fell at a line end: adjust the text before it")
    if source.layout.columns == 2:
        moves = {(a[0] == b[0], a[1], b[1]) for c in facts["continued"] for a, b in _pairs(c)}
        if (True, 0, 1) not in moves:
            problems.append("no paragraph runs from the left column into the right one")
        if (False, 1, 0) not in moves:
            problems.append("no paragraph runs across a page break")
    if problems:
        raise SystemExit(f"{source.key}: " + "; ".join(problems))


def _pairs(continued: dict[str, Any]) -> list[tuple[list[int], list[int]]]:
    frames = continued["frames"]
    return list(zip(frames, frames[1:], strict=False))


def _continued(flow: Flow) -> list[dict[str, Any]]:
    """Return the body paragraphs that run from one frame (column or page) into the next."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for placed in flow.placed:
        where = (placed.page, placed.frame)
        if where not in spans.setdefault(placed.block, []):
            spans[placed.block].append(where)
    return [{"block": b, "frames": [list(w) for w in s]} for b, s in spans.items() if len(s) > 1]


def _set_metadata(doc: pymupdf.Document, meta: dict[str, Any]) -> None:
    stamp = f"D:{meta['year']}0601090000Z"
    doc.set_metadata(
        {
            "title": meta["title"],
            "author": "; ".join(" ".join(reversed(a.split(", "))) for a in meta["authors"]),
            "subject": NOTICE[meta["language"]],
            "keywords": ", ".join(meta.get("keywords", [])),
            "creator": "evidence sample library (scripts/make_sample_library.py)",
            "producer": f"PyMuPDF {pymupdf.VersionBind}",
            "creationDate": stamp,
            "modDate": stamp,
        }
    )
    doc.xref_set_key(doc.pdf_catalog(), "Lang", f"({LANG_TAG[meta['language']]})")


def _encrypt(plain: bytes) -> bytes:
    """Return `plain` encrypted with AES-256 under passwords nobody keeps."""
    doc = pymupdf.open("pdf", plain)
    return doc.tobytes(
        garbage=4,
        deflate=True,
        no_new_id=True,
        encryption=pymupdf.PDF_ENCRYPT_AES_256,
        user_pw=secrets.token_urlsafe(24),
        owner_pw=secrets.token_urlsafe(24),
    )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def format_bib(entries: list[dict[str, Any]]) -> str:
    """Return references.bib text: entries sorted by key, fields in a fixed order."""
    out = []
    for meta in sorted(entries, key=lambda m: m["key"]):
        kind = meta["entry"]
        fields: list[tuple[str, Any]] = [
            ("author", " and ".join(meta["authors"])),
            ("title", meta["title"]),
        ]
        fields += [(name, meta.get(name)) for name in BIB_FIELDS[kind]]
        fields += [("year", meta["year"]), ("langid", LANGID[meta["language"]])]
        fields += [("keywords", ", ".join(meta.get("keywords", []))), ("note", BIB_NOTE)]
        fields.append(("file", meta.get("file")))
        body = ",\n".join(
            f"  {name} = {{{_bib_escape(str(value))}}}" for name, value in fields if value
        )
        out.append(f"@{kind}{{{meta['key']},\n{body}\n}}\n")
    return "\n".join(out)


def _bib_escape(value: str) -> str:
    return value.replace("&", r"\&")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def build_library(out: Path) -> dict[str, Any]:
    """Write every PDF, references.bib and the manifest under `out`; return the manifest."""
    old = _old_manifest(out / MANIFEST)
    sources = [load_source(p) for p in sorted((ROOT / SOURCES).glob("*.md"))]
    files: dict[str, dict[str, Any]] = {}
    for source in sources:
        plain, facts = build_pdf(source)
        kind = source.meta.get("output", "pdf")
        name = f"{source.key}.pdf"
        target = out / PDF_DIR / name
        data = plain
        if kind == "truncated":
            data = plain[: int(len(plain) * TRUNCATE_AT)]
        elif kind == "encrypted":
            data = _reuse_encrypted(target, old.get(name, {}), _sha(plain)) or _encrypt(plain)
            facts["plain_sha256"] = _sha(plain)
        _write(target, data)
        files[name] = {
            "key": source.key,
            "language": source.meta["language"],
            "kind": kind,
            "bytes": len(data),
            "sha256": _sha(data),
            **facts,
        }
    citations = yaml.safe_load((ROOT / CITATIONS).read_text(encoding="utf-8"))
    entries = [s.meta | {"file": f"{PDF_DIR}/{s.key}.pdf"} for s in sources] + citations
    bib = format_bib(entries).encode("utf-8")
    _write(out / BIB, bib)
    manifest = {
        "generator": "scripts/make_sample_library.py",
        "pymupdf": pymupdf.VersionBind,
        "mupdf": pymupdf.VersionFitz,
        "references_bib_sha256": _sha(bib),
        "files": files,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    _write(out / MANIFEST, text.encode("utf-8"))
    return manifest


def _old_manifest(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8")).get("files", {})


def _reuse_encrypted(target: Path, old: dict[str, Any], plain_sha: str) -> bytes | None:
    """Return the existing encrypted file when it was made from the same plain PDF."""
    if not target.exists() or old.get("plain_sha256") != plain_sha:
        return None
    data = target.read_bytes()
    return data if _sha(data) == old.get("sha256") else None


def main(argv: list[str] | None = None) -> int:
    """Build the library and print one line per PDF; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="root to write into")
    args = parser.parse_args(argv)
    manifest = build_library(args.out)
    total = 0
    for name, info in manifest["files"].items():
        total += info["bytes"]
        print(f"{name:42} {info['language']} {info['pages']}p {info['bytes']:>8} B {info['kind']}")
    print(f"{len(manifest['files'])} PDFs, {total / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
