"""``evidence themes``: themes proposed from the field, the coordinator's themes.yml, arguments."""

from __future__ import annotations

import argparse
from typing import Any

from evidence.config import Settings
from evidence.store import open_store
from evidence.workbook import run_themes

from ._output import emit

__all__ = ["cmd_themes", "themes_text"]


def _proposal_lines(p: dict[str, Any]) -> list[str]:
    lit = p["literature"]
    status = p["status"] + (f" as {p['theme']}" if p["theme"] else "")
    lines = [
        f"  {p['id']}  [{status}]  {p['n_organisations']} organisation(s), "
        f"{p['interviews']} interview(s), {p['passages']} passage(s), strength {p['strength']}",
        f"      codes: {', '.join(p['codes'])}",
        f"      literature: {lit['status']}"
        + (f" ({len(lit['together'])} source(s) with two of its codes together)")
        + (f"; nothing on {', '.join(lit['missing'])}" if lit["missing"] else ""),
    ]
    carriers = [
        f"{c['organisation']} ({len(c['codes'])}/{len(p['codes'])} codes, "
        f"{c['confirmed']} confirmed, {c['interviews']} interview(s))"
        for c in p["carriers"][:4]
    ]
    return [*lines, f"      carried by: {'; '.join(carriers) or 'none'}"]


def themes_text(s: dict[str, Any]) -> str:
    """Return the short text of ``evidence themes``."""
    out = [
        f"themes: {len(s['proposals'])} proposed from {s['field_sources']} field source(s) "
        f"(counting {s['counted']} codings)"
    ]
    for p in s["proposals"]:
        out += _proposal_lines(p)
    if s["new"]:
        out.append(f"new since the last run: {', '.join(s['new'])}")
    else:
        out.append("nothing new since the last run")
    if s["file_exists"]:
        out.append(f"{s['file']}: {len(s['themes'])} theme(s) kept")
        for t in s["themes"]:
            added = t["new_organisations"]
            out.append(
                f"  {t['id']}: {t['n_organisations']} organisation(s), {t['passages']} passage(s)"
                + (f"; new: {', '.join(added)}" if added else "")
            )
    else:
        out.append(f"{s['file']} does not exist: `evidence themes --init` writes a first one")
    out += [f"  wrote {p}" for p in s["written"]]
    return "\n".join(out)


def cmd_themes(args: argparse.Namespace, settings: Settings) -> int:
    """``evidence themes``: propose themes, compare with themes.yml; write on request."""
    with open_store(settings.store) as store:
        summary = run_themes(
            settings,
            store,
            confirmed=args.confirmed,
            init=args.init,
            write=args.write,
            lang=args.lang,
            closeness=args.closeness,
        )
    emit(args, summary, themes_text)
    return 0
