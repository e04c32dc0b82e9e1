"""The evidence map's data: excerpts around the matched words, and what the page filters on."""

from __future__ import annotations

from evidence.analysis import cut_excerpt, excerpt_length


def test_a_short_passage_is_kept_whole_with_its_spans() -> None:
    text = "Une agression au guichet."
    assert cut_excerpt(text, [[4, 13, "agression", "form.physical"]]) == (
        text,
        [[4, 13, "agression", "form.physical"]],
    )


def test_a_long_passage_is_cut_around_its_first_matched_word() -> None:
    text = "mot " * 100 + "une agression grave " + "suite " * 100
    start = text.index("agression")
    end = len(text) - 6
    spans = [[start, start + 9, "agression", "form.physical"], [end, end + 5, "suite", "far"]]
    excerpt, kept = cut_excerpt(text, spans, limit=80)
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert len(excerpt) <= 82
    (mark,) = kept  # the span after the excerpt is dropped
    assert excerpt[mark[0] : mark[1]] == "agression"
    assert not excerpt[1:].startswith("o ")  # the excerpt opens on a whole word


def test_excerpts_shorten_as_a_map_grows_to_keep_it_small() -> None:
    assert excerpt_length(1_000) == 400
    assert excerpt_length(200_000) == 150
    assert excerpt_length(10_000_000) == 120
