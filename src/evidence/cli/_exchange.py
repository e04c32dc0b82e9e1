"""The REFI-QDA project commands: ``evidence qdpx export|import``."""

from __future__ import annotations

import argparse
from typing import Any

from evidence.config import Settings
from evidence.workbook import run_qdpx_export, run_qdpx_import

from ._output import emit

__all__ = ["cmd_qdpx"]


def _skipped(d: dict[str, Any]) -> list[str]:
    return [f"  skipped {s['item']}: {s['reason']}" for s in d["skipped"]]


def _export_text(d: dict[str, Any]) -> str:
    head = (
        f"wrote {d['file']}: {d['sources']} sources, {d['codes']} codes, {d['selections']} "
        f"coded passages ({d['codings']} codings) by {d['users']} users"
    )
    return "\n".join([head, *_skipped(d)])


def _import_text(d: dict[str, Any]) -> str:
    made = f" made by {d['origin']}" if d["origin"] else ""
    lines = [
        f"imported {d['file']}{made}: {d['codes']} codes ({len(d['new_codes'])} new, under "
        f"the imported facet), {d['sources']} sources, {d['codings']} codings as "
        f"{d['decisions']} new decisions in the decisions file"
    ]
    lines += [f"  field note refused: {r['item']}: {r['reason']}" for r in d["refused_notes"]]
    return "\n".join(lines + _skipped(d))


def cmd_qdpx(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence qdpx export|import``: the coded project as a REFI-QDA project."""
    if args.action == "export":
        data = run_qdpx_export(settings, args.file, lang=args.lang)
        emit(args, data, _export_text)
        return 1 if data["skipped"] else 0
    data = run_qdpx_import(settings, args.file, mapping=args.map, consent=args.consent)
    emit(args, data, _import_text)
    return 1 if data["skipped"] or data["refused_notes"] else 0
