from __future__ import annotations

from pathlib import Path

import pytest

from evidence.config import find_root, load_settings, read_secret
from evidence.errors import ConfigError


def test_settings_resolve_paths_against_the_root(workbook: Path) -> None:
    settings = load_settings(workbook)
    assert settings.root == workbook.resolve()
    assert settings.store == workbook.resolve() / "store.sqlite"
    assert settings.pdf_dirs == (workbook.resolve() / "pdfs",)
    assert settings.chapters[0].id == "tiny"
    assert settings.chapters[0].title_in("fr") == "Petit chapitre"
    assert settings.chapters[0].title_in("nl") == "Tiny chapter"  # falls back to a given title


def test_root_is_found_from_a_subfolder(workbook: Path) -> None:
    sub = workbook / "pdfs"
    assert find_root(sub) == workbook.resolve()


def test_no_workbook_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no evidence.toml"):
        find_root(tmp_path)


def test_unknown_key_names_the_key_and_the_known_ones(workbook: Path) -> None:
    toml = workbook / "evidence.toml"
    toml.write_text(toml.read_text().replace("[extract]", "[extract]\nthreads = 4"))
    with pytest.raises(ConfigError, match=r"unknown key 'threads' in \[extract\].*jobs"):
        load_settings(workbook)


def test_wrong_type_says_what_is_expected(workbook: Path) -> None:
    toml = workbook / "evidence.toml"
    toml.write_text(toml.read_text().replace("jobs = 1", 'jobs = "two"'))
    with pytest.raises(ConfigError, match="expected a whole number"):
        load_settings(workbook)


def test_invalid_toml_is_reported_with_the_file(workbook: Path) -> None:
    (workbook / "evidence.toml").write_text("[workbook\nname = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(workbook)


def test_unknown_chapter_language_is_refused(workbook: Path) -> None:
    toml = workbook / "evidence.toml"
    toml.write_text(toml.read_text().replace('language = "en"\n', 'language = "de"\n'))
    with pytest.raises(ConfigError, match="'de' is not one of fr, nl, en"):
        load_settings(workbook)


def test_secret_comes_from_environment_before_dotenv(
    workbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workbook / ".env").write_text("# local secrets\nexport ZOTERO_API_KEY='from-dotenv'\n")
    monkeypatch.delenv("ZOTERO_API_KEY", raising=False)
    assert read_secret("ZOTERO_API_KEY", workbook) == "from-dotenv"
    monkeypatch.setenv("ZOTERO_API_KEY", "from-env")
    assert read_secret("ZOTERO_API_KEY", workbook) == "from-env"
    assert read_secret("NOT_SET_ANYWHERE", workbook) == ""


def test_repository_settings_load() -> None:
    settings = load_settings(Path(__file__).resolve().parents[1])
    assert {c.id for c in settings.chapters} >= {"literature"}
    assert settings.language == "fr"


def test_paper_is_a4_unless_the_settings_say_letter(workbook: Path) -> None:
    assert load_settings(workbook).paper == "a4"
    toml = workbook / "evidence.toml"
    original = toml.read_text(encoding="utf-8")
    toml.write_text(original + '\n[report]\npaper = "Letter"\n', encoding="utf-8")
    assert load_settings(workbook).paper == "letter"
    toml.write_text(original + '\n[report]\npaper = "A5"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'paper = "A5" is not one of a4, letter'):
        load_settings(workbook)
