"""The evidence map page: data inline and inert, gzipped when large, the same bytes each time."""

from __future__ import annotations

import base64
import gzip
import json

from evidence.report import render_map

DATA = {
    "index": {"codes": [{"id": "form.x", "label": "</script><!-- x"}], "cells": [[0]]},
    "quotes": {"text": ["<script>alert(1)</script> <img src=x onerror=alert(2)>"]},
}


def _block(page: str, name: str) -> str:
    return page.split(f'id="map-{name}"', 1)[1].split(">", 1)[1].split("</script>", 1)[0]


def test_no_text_can_close_its_data_block() -> None:
    page = render_map(DATA, lang="nl", title="<Kaart>")
    # Four blocks: strings, index, quotes and the script; no text closes one early.
    assert page.count("</script>") == 4
    assert "<script>alert" not in page and "<!-- x" not in page and "<img" not in page
    assert json.loads(_block(page, "quotes")) == DATA["quotes"]
    assert json.loads(_block(page, "index")) == DATA["index"]
    assert "<title>&lt;Kaart&gt; · Bewijskaart</title>" in page and 'lang="nl"' in page


def test_large_blocks_are_gzipped_and_give_the_same_bytes_each_time() -> None:
    page = render_map(DATA, lang="fr", compress_over=10)
    assert page == render_map(DATA, lang="fr", compress_over=10)
    assert 'id="map-quotes" data-encoding="gzip"' in page
    packed = base64.b64decode(_block(page, "quotes"))
    assert json.loads(gzip.decompress(packed)) == DATA["quotes"]
