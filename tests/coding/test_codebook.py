"""Loading codebook.yml: structure, labels, version, and errors that give the line and code."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

from evidence.coding import code_passages, compile_codebook
from evidence.coding._codebook import load_codebook, parse_codebook
from evidence.errors import CodebookError

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"

SMALL = """\
version: 3
languages: [fr, nl, en]
facets:
  form: {fr: Formes de violence, nl: Vormen van geweld, en: Forms of violence}
  setting: {fr: Lieux, nl: Plaatsen, en: Settings}
lists:
  people:
    fr: [sans-abri, usagers]
    nl: [daklozen]
    en: [homeless people]
    any: [residents]
vetoes:
  en: [non-violent communication]
tags:
  "#violence/physique": form.physical
codes:
  form.physical:
    facet: form
    labels: {fr: Violence physique, nl: Fysiek geweld, en: Physical violence}
    definition: Hitting, assault, fights, injuries inflicted.
    include: An unqualified agression in an incident.
    exclude: Sexual assault.
    patterns:
      fr: [agression, coups]
      nl: [mishandeling]
      en: [assault, "hit NEAR/3 @people"]
    vetoes:
      en: [sexual assault]
  setting.shelter:
    labels: {fr: Hébergement, nl: Opvang, en: Shelters}
    definition: Night shelters and hostels.
    patterns:
      any: [housing first]
      fr: [abri de nuit]
      nl: [nachtopvang]
      en: [night shelter*]
"""


def broken(old: str, new: str) -> str:
    assert old in SMALL, old
    return SMALL.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_small_codebook_loads_with_its_parts() -> None:
    cb = parse_codebook(SMALL, path="small.yml")
    assert list(cb.codes) == ["form.physical", "setting.shelter"]
    assert cb.languages == ("fr", "nl", "en")
    assert cb.facets == ("form", "setting")
    assert [c.id for c in cb.codes_of("setting")] == ["setting.shelter"]
    assert cb.codes["setting.shelter"].facet == "setting"
    assert cb.label("form.physical", "nl") == "Fysiek geweld"
    assert cb.label("form.unknown", "fr") == "form.unknown"
    assert cb.facet_label("form", "fr") == "Formes de violence"
    assert cb.facet_label("pop", "fr") == "pop"
    assert cb.tag_map == {"#violence/physique": "form.physical"}
    physical = cb.codes["form.physical"]
    assert physical.exclude == "Sexual assault."
    assert physical.line == line_of(SMALL, "  form.physical:")
    assert [(p.lang, p.source) for p in physical.vetoes] == [("en", "sexual assault")]
    near = next(p for p in physical.patterns if p.source.startswith("hit"))
    assert near.line == line_of(SMALL, "hit NEAR/3")
    # The list holds the English items and the items for every language.
    assert {tuple(w.text for w in phrase) for phrase in near.pattern.right} == {
        ("homeless", "people"),
        ("residents",),
    }
    assert [(p.lang, p.source) for p in cb.vetoes] == [("en", "non-violent communication")]


def test_version_is_the_declared_version_plus_a_content_hash_and_the_stemmer() -> None:
    first = parse_codebook(SMALL).version
    stemmer = importlib.metadata.version("snowballstemmer")
    assert re.fullmatch(rf"3\+[0-9a-f]{{10}}\+snowball-{re.escape(stemmer)}", first)
    assert parse_codebook(SMALL).version == first
    assert parse_codebook(SMALL.replace("coups]", "coups, gifle]")).version != first


def test_load_codebook_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yml"
    path.write_text(SMALL, encoding="utf-8")
    assert load_codebook(path).path == str(path)
    with pytest.raises(CodebookError, match="cannot read"):
        load_codebook(tmp_path / "missing.yml")
    path.write_bytes("version: 1\nlanguages: [fr]\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(path)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message", "code"),
    [
        (
            "    include:",
            "    inclusion:",
            "    inclusion:",
            "unknown key 'inclusion'",
            "form.physical",
        ),
        (
            "  setting.shelter:",
            "  form.physical:",
            "  form.physical:\n    labels: {fr: Héb",
            "duplicate key 'form.physical'",
            "form.physical",
        ),
        ("  setting.shelter:", "  pop.women:", "  pop.women:", "unknown facet 'pop'", "pop.women"),
        (
            "{fr: Hébergement, nl: Opvang, en: Shelters}",
            "{fr: Hébergement, en: Shelters}",
            "{fr: Hébergement, en",
            "lacks a label in nl",
            "setting.shelter",
        ),
        (
            "[agression, coups]",
            "[agression, (coups]",
            "[agression, (coups]",
            "unbalanced '('",
            "form.physical",
        ),
        (
            "[mishandeling]",
            "[mishandeling NEAR 3 letsel]",
            "[mishandeling NEAR",
            "NEAR needs a distance",
            "form.physical",
        ),
        (
            "    facet: form",
            "    facet: setting",
            "    facet: setting",
            "facet must be 'form'",
            "form.physical",
        ),
        (
            "hit NEAR/3 @people",
            "hit NEAR/3 @victims",
            "hit NEAR/3 @victims",
            "unknown word list @victims",
            "form.physical",
        ),
        (
            "[night shelter*]",
            "[night shelter*, re:(open]",
            "re:(open",
            "invalid regular expression",
            "setting.shelter",
        ),
        (
            "  form.physical:",
            "  Form.Physical:",
            "  Form.Physical:",
            "lowercase segments",
            "Form.Physical",
        ),
    ],
)
def test_errors_name_the_file_line_and_code(
    old: str, new: str, needle: str, message: str, code: str
) -> None:
    text = broken(old, new)
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, path="codebook.yml")
    err = info.value
    assert message in str(err)
    assert err.path == "codebook.yml"
    assert err.line == line_of(text, needle)
    assert err.code == code
    assert str(err).startswith(f"codebook.yml:{err.line}, code {code}: ")


def test_top_level_errors_give_the_line() -> None:
    with pytest.raises(CodebookError, match="unknown key 'colours'") as info:
        parse_codebook(SMALL + "colours: [red]\n", path="cb.yml")
    assert info.value.line == SMALL.count("\n") + 1
    with pytest.raises(CodebookError, match="unknown code 'form.sexual'"):
        parse_codebook(broken(": form.physical\ncodes", ": form.sexual\ncodes"))
    with pytest.raises(CodebookError, match="unsupported language 'xx'") as info:
        parse_codebook(broken("[fr, nl, en]", "[fr, nl, xx]"))
    assert info.value.line == 2
    with pytest.raises(CodebookError, match="missing top-level key 'codes'"):
        parse_codebook(SMALL[: SMALL.index("codes:")])
    with pytest.raises(CodebookError, match="the codebook is empty"):
        parse_codebook("# nothing\n")


def test_invalid_yaml_gives_the_line() -> None:
    text = broken("[agression, coups]", "[agression, coups")
    with pytest.raises(CodebookError, match="invalid YAML") as info:
        parse_codebook(text, path="cb.yml")
    assert info.value.line is not None and info.value.line > line_of(text, "[agression, coups")


def test_skip_rule_is_validated() -> None:
    cb = parse_codebook(
        SMALL + "skip:\n  min_words: 6\n  min_matches: 2\n  patterns:\n    any: [=doi]\n"
    )
    assert (cb.skip.min_words, cb.skip.min_matches) == (6, 2)
    assert [p.source for p in cb.skip.patterns] == ["=doi"]
    with pytest.raises(CodebookError, match="need min_matches"):
        parse_codebook(SMALL + "skip:\n  patterns:\n    any: [=doi]\n")
    with pytest.raises(CodebookError, match="whole number"):
        parse_codebook(SMALL + "skip:\n  min_words: many\n")


def spec_ids() -> list[str]:
    spec = SHARED / "codebook-spec.md"
    if not spec.is_file():
        pytest.skip("the shared codebook specification is not beside the repository")
    return re.findall(r"^\| ([a-z]+(?:\.[a-z_]+)+) \|", spec.read_text(encoding="utf-8"), re.M)


def test_repository_codebook_has_every_specified_code() -> None:
    ids = spec_ids()
    cb = load_codebook(REPO / "codebook.yml")
    assert len(ids) == 44
    assert [i for i in ids if i not in cb.codes] == []
    for code in cb.codes.values():
        assert all(code.labels[lang] for lang in ("fr", "nl", "en")), code.id
        assert {p.lang for p in code.patterns} >= {"fr", "nl", "en"} or any(
            p.lang == "any" for p in code.patterns
        ), code.id
    assert set(cb.tag_map.values()) <= set(cb.codes)


@pytest.mark.parametrize(
    ("lang", "said", "denied"),
    [
        (
            "en",
            "Violence against staff was reported in the night shelter last winter.",
            "No violence against staff was reported in the night shelter last winter.",
        ),
        (
            "fr",
            "Une agression contre les travailleurs a été signalée dans l'abri de nuit cet hiver.",
            "Aucune agression contre les travailleurs n'a été signalée dans l'abri de nuit.",
        ),
        (
            "nl",
            "Er werd geweld tegen hulpverleners gemeld in de nachtopvang die winter.",
            "Er werd geen geweld tegen hulpverleners gemeld in de nachtopvang die winter.",
        ),
    ],
)
def test_repository_codebook_does_not_code_violence_that_is_denied(
    lang: str, said: str, denied: str
) -> None:
    matcher = compile_codebook(load_codebook(REPO / "codebook.yml"))
    coded = {c.code for c in code_passages([("said", said, lang)], matcher)}
    assert "target.workers" in coded
    denied_codes = {c.code for c in code_passages([("denied", denied, lang)], matcher)}
    assert "target.workers" not in denied_codes and "form.physical" not in denied_codes
    assert "setting.shelter" in denied_codes  # the place is still where the passage is


def test_a_control_character_in_the_codebook_is_a_codebook_error() -> None:
    with pytest.raises(CodebookError, match="not YAML text"):
        parse_codebook("version: '1'\x07\n")
