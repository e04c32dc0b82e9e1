"""The evidence map as one self-contained HTML page: data, script and styles inline.

No server, no network, no build step: the page is plain HTML (a table whose cells are
buttons), CSS bubbles and about 300 lines of vanilla JavaScript, so it opens from a USB stick
or an e-mail attachment in any recent browser. The data sit in ``<script
type="application/json">`` blocks with every ``<`` written ``\\u003c``, so no text from a
source can close the block; the script writes every text with ``textContent``. The palette is
matplotlib's cividis, made for readers with colour-vision deficiencies.

A large map's data weigh tens of megabytes as JSON; a block above :data:`COMPRESS_OVER` bytes
is gzipped and base64-encoded, and the page unpacks it with the browser's
``DecompressionStream``: the index (what the map and its filters need) before drawing, the
quotes when a cell is first opened.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
from functools import cache
from importlib import resources
from typing import Any

from evidence.i18n import texts

__all__ = ["COMPRESS_OVER", "render_map"]

#: Data blocks larger than this (bytes of JSON) are gzipped in the page.
COMPRESS_OVER = 2_000_000


@cache
def _asset(name: str) -> str:
    """Return the text of ``assets/<name>`` (the page's script and styles)."""
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


def _json(value: object) -> str:
    """Return ``value`` as JSON safe inside a ``<script>`` block (no ``</`` nor ``<!--``)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _block(name: str, value: object, compress_over: int) -> str:
    """Return ``value`` in a ``<script>`` block with id ``map-<name>``: JSON, or gzipped JSON in
    base64 when the JSON is larger than ``compress_over`` bytes."""
    payload = _json(value)
    if len(payload.encode("utf-8")) <= compress_over:
        return f'<script type="application/json" id="map-{name}">{payload}</script>'
    # mtime=0: the same data give the same bytes.
    packed = gzip.compress(payload.encode("utf-8"), compresslevel=9, mtime=0)
    encoded = base64.b64encode(packed).decode("ascii")
    return (
        f'<script type="application/octet-stream" id="map-{name}" data-encoding="gzip">'
        f"{encoded}</script>"
    )


def render_map(
    data: dict[str, Any],
    *,
    lang: str = "fr",
    title: str = "",
    compress_over: int = COMPRESS_OVER,
) -> str:
    """Return the evidence map page (HTML text) of ``data`` (:func:`evidence.analysis.compute_map`)
    with its fixed texts in ``lang``."""
    chapter = texts("chapter", lang)
    strings = {
        **{f"kind_{k}": chapter[k] for k in ("literature", "field")},
        **{k: chapter[k] for k in ("confirmed", "automatic")},
        **texts("map", lang),
    }
    heading = f"{title} · {strings['title']}" if title else strings["title"]
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        # Nothing may be fetched: the page works offline, and a passage can never load a URL.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n"
        f"<title>{html.escape(heading)}</title>\n<style>{_asset('map.css')}</style>\n</head>\n<body>\n"
        f'<header><h1 id="map-title">{html.escape(heading)}</h1>'
        f'<p class="intro">{html.escape(strings["intro"])}</p></header>\n'
        '<main><form id="filters" aria-labelledby="filters-title"></form>\n'
        '<section id="map-area" aria-labelledby="map-title"><div id="legend"></div>'
        '<div id="map-scroll"><table id="map" class="map"></table></div>'
        '<p id="map-status" class="status" role="status" aria-live="polite"></p></section>\n'
        '<section id="passages" aria-live="polite"></section></main>\n'
        f'<script type="application/json" id="map-strings">{_json(strings)}</script>\n'
        f"{_block('index', data['index'], compress_over)}\n"
        f"{_block('quotes', data['quotes'], compress_over)}\n"
        f"<script>{_asset('map.js')}</script>\n</body>\n</html>\n"
    )
