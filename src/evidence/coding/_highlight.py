"""Show a passage with its matches highlighted, as HTML, ANSI or Markdown.

Overlapping matches merge into one segment naming all their codes; a segment's look says the
strongest status among them (a match, then a veto, then a skip sign, then a cancelled match).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from evidence.coding._match import MATCH, SKIP, VETO, VETOED, Match

__all__ = ["render_highlighted"]

_ANSI = {MATCH: "\x1b[1;30;43m", VETO: "\x1b[9;37;41m", VETOED: "\x1b[2;9m", SKIP: "\x1b[4;36m"}
_ANSI_RESET = "\x1b[0m"


def render_highlighted(text: str, matches: Sequence[Match], fmt: str = "html") -> str:
    """Return ``text`` with ``matches`` highlighted as ``html``, ``ansi`` or ``markdown``.

    Overlapping matches are merged into one highlighted segment naming all their codes.
    """
    if fmt not in ("html", "ansi", "markdown"):
        raise ValueError(f"unknown format {fmt!r}: use html, ansi or markdown")
    bounds = sorted({0, len(text)} | {b for m in matches for b in (m.start, m.end)})
    runs: list[tuple[int, int, list[Match]]] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        covering = [m for m in matches if m.start < end and start < m.end]
        prev = runs[-1] if runs else None
        if (
            prev is not None
            and covering
            and prev[2]
            and prev[1] == start
            and _status(covering) == _status(prev[2])
        ):
            runs[-1] = (prev[0], end, prev[2] + [m for m in covering if m not in prev[2]])
            continue
        runs.append((start, end, covering))
    return "".join(
        _render_segment(text[s:e], cov, fmt) if cov else _escape(text[s:e], fmt)
        for s, e, cov in runs
    )


def _status(covering: list[Match]) -> str:
    statuses = {m.status for m in covering}
    for status in (MATCH, VETO, SKIP):
        if status in statuses:
            return status
    return VETOED


def _escape(segment: str, fmt: str) -> str:
    if fmt == "html":
        return html.escape(segment, quote=False)
    if fmt == "markdown":
        return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in segment)
    return segment


def _render_segment(segment: str, covering: list[Match], fmt: str) -> str:
    status = _status(covering)
    codes = ", ".join(dict.fromkeys(m.code or "all codes" for m in covering))
    if fmt == "ansi":
        return f"{_ANSI[status]}{segment}{_ANSI_RESET}"
    body = _escape(segment, fmt)
    if fmt == "markdown":
        return f"**{body}**" if status == MATCH else f"~~{body}~~"
    title = "; ".join(
        dict.fromkeys(f"{m.code or 'all codes'}: {m.pattern} ({m.status})" for m in covering)
    )
    tag = "mark" if status == MATCH else "del"
    return (
        f'<{tag} class="evidence-{status}" data-codes="{html.escape(codes)}" '
        f'title="{html.escape(title)}">{body}</{tag}>'
    )
