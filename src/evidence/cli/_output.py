"""What the command line prints: JSON with ``--json``, otherwise a short text per command."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "build_text",
    "emit",
    "failures_text",
    "fieldwork_text",
    "ocr_text",
    "skipped_text",
    "sync_text",
]


def emit(args: argparse.Namespace, data: Any, text: Callable[[Any], str]) -> None:
    """Print ``data`` as JSON when the command was given ``--json``, else ``text(data)``."""
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        print(text(data))


def failures_text(failures: Sequence[dict[str, str]]) -> list[str]:
    """Return the lines listing failed items with their reason (none when nothing failed)."""
    lines = [
        f"  ✗ {f['item']}: {f['reason']}" + (f" ({f['detail']})" if f.get("detail") else "")
        for f in failures
    ]
    return ([f"{len(failures)} item(s) failed:"] + lines) if failures else []


def ocr_text(needs_ocr: Sequence[dict[str, Any]]) -> list[str]:
    """Return the lines listing documents with pages that OCR would read (none: no line)."""
    if not needs_ocr:
        return []
    lines = [f"{len(needs_ocr)} document(s) with pages only OCR can read (evidence extract --ocr):"]
    for d in needs_ocr:
        lines += [f"  ◌ {d['source_key']}: {d['path']}: {page}" for page in d["pages"]]
    return lines


def skipped_text(skipped: Sequence[dict[str, str]]) -> str:
    """Return one ``✗ item: reason`` line per skipped item, each after a line break."""
    return "".join(f"\n  ✗ {x['item']}: {x['reason']}" for x in skipped)


def sync_text(s: dict[str, Any]) -> str:
    """Return the summary of ``evidence sync``."""
    where = s.get("file") or s.get("library") or ""
    line = (
        f"sync ({s.get('route', '')}{': ' + str(where) if where else ''}): "
        f"{s.get('sources', 0)} sources (+{s.get('added', 0)} ~{s.get('updated', 0)} "
        f"-{s.get('removed', 0)}), {s.get('files', 0)} files, {s.get('missing', 0)} missing"
    )
    if "annotations" in s:
        line += f", {s['annotations']} annotations, {s.get('human_codings', 0)} human codings"
    if "requests" in s:
        line += f"; {s['requests']} request(s), library version {s.get('version', '')}"
    if s.get("zotero"):
        line += f"\n  Zotero not used: {s['zotero']}"
    skipped = s.get("skipped", [])
    return line + f", {len(skipped)} entries skipped" + skipped_text(skipped)


def build_text(s: dict[str, Any]) -> str:
    """Return the one-screen summary of ``evidence build``."""
    st = s["status"]
    lines = [
        f"build: {st['sources']} sources, {st['documents']} documents ({st['documents_ok']} read),"
        f" {st['passages']} passages, codings "
        + (", ".join(f"{k}: {v}" for k, v in st["codings"].items()) or "none"),
        f"  extract: {s['extract']['documents']} processed, {s['extract']['unchanged']} unchanged;"
        f" code: {s['code']['documents']} document(s) coded",
    ]
    if s.get("chapters"):
        lines.append("  chapters: " + ", ".join(p for p in s["chapters"] if p.endswith(".html")))
    elif s.get("up_to_date"):
        lines.append(
            "  chapters: up to date, nothing they are made from changed since the last build"
        )
    if s.get("briefs"):
        lines.append("  briefs: " + ", ".join(p for p in s["briefs"] if p.endswith(".md")))
    return "\n".join(lines + failures_text(s["failures"]) + ocr_text(s.get("needs_ocr", [])))


def fieldwork_text(summary: dict[str, Any], *, review: bool = False) -> str:
    """Return the fieldwork summary; with ``review``, what was replaced and where."""
    s = summary
    lines = [
        f"fieldwork ({s['folder']}): {s['notes']} note(s), {s['imported']} imported "
        f"({s['changed']} changed, {s['unchanged']} unchanged), {s['passages']} passages, "
        f"{len(s['refused'])} refused",
        *(f"  ✗ {r['item']}: {r['reason']} ({r['detail']})" for r in s["refused"]),
        *(f"  ! {w['item']}: {w['warning']}" for w in s["warnings"]),
        "  replaced: " + (", ".join(f"{k} {v}" for k, v in s["replacements"].items()) or "nothing"),
    ]
    if review:
        lines.append("pseudonymisation review (pseudonyms only; the key holds the real values):")
        lines += [_review_line(r) for r in s["review"]]
    return "\n".join(lines)


def _review_line(r: dict[str, Any]) -> str:
    places: dict[str, list[str]] = defaultdict(list)
    for where in r["where"]:
        item, _, label = where.rpartition(" ")
        places[item].append(label)
    spots = "; ".join(f"{item} {' '.join(labels)}" for item, labels in places.items())
    return f"  {r['category']:<12} {r['pseudonym']:<8} ×{r['count']}: {spots}"
