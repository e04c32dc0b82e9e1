"""Guards the public API: what ``import evidence`` offers is a decision, not an accident."""

from __future__ import annotations

import evidence


def test_public_names_are_the_curated_list() -> None:
    assert sorted(evidence.__all__) == sorted(
        [
            "BuildError",
            "BuildLockedError",
            "Chapter",
            "CodebookError",
            "ConfigError",
            "DropError",
            "EvidenceError",
            "ExtractionError",
            "LibraryError",
            "ReportError",
            "Settings",
            "StoreError",
            "Workbook",
            "ZoteroError",
            "__version__",
            "load_settings",
            "open_workbook",
        ]
    )
    for name in evidence.__all__:
        assert hasattr(evidence, name), name


def test_every_error_derives_from_the_base_class() -> None:
    errors = [getattr(evidence, n) for n in evidence.__all__ if n.endswith("Error")]
    assert all(issubclass(e, evidence.EvidenceError) for e in errors)
    assert evidence.ConfigError.exit_code == 2 and evidence.ExtractionError.exit_code == 1
