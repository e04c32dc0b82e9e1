"""The fieldwork stage: field notes become pseudonymised sources and passages.

A note (.docx, .odt, .md, .txt) is read with ``read_note_text``; its metadata comes from its
front matter (``split_front_matter``) or ``metadata.csv`` (``parse_metadata_table``) and is
checked by ``check_metadata``, which refuses a note without recorded consent.
``compute_field_item`` splits an accepted note into speaker turns or paragraphs and
pseudonymises it with the coordinator's names list (``parse_names``, ``compile_names``) and
the :class:`PseudonymKey` (``parse_key``, ``format_key``), so no real name leaves the stage;
``find_name_candidates`` lists the words that look like names nobody listed, for review.
"""

from evidence.fieldwork._candidates import (
    NameCandidate,
    find_name_candidates,
    format_name_candidates,
)
from evidence.fieldwork._items import FIELD_VERSION, FieldItem, compute_field_item
from evidence.fieldwork._metadata import (
    Metadata,
    Refusal,
    check_metadata,
    parse_metadata_table,
    split_front_matter,
)
from evidence.fieldwork._notes import (
    SUPPORTED,
    NoteFormatError,
    NoteText,
    read_note,
    read_note_text,
)
from evidence.fieldwork._pseudonymise import (
    PSEUDONYM_PATTERN,
    NameEntry,
    NameMatcher,
    PseudonymKey,
    compile_names,
    find_identifiers,
    find_pseudonym_tokens,
    fold_name,
    format_key,
    parse_key,
    parse_names,
    pseudonymise_text,
)

__all__ = [
    "NameCandidate",
    "NameMatcher",
    "PSEUDONYM_PATTERN",
    "NoteText",
    "FIELD_VERSION",
    "SUPPORTED",
    "FieldItem",
    "Metadata",
    "NameEntry",
    "NoteFormatError",
    "PseudonymKey",
    "Refusal",
    "check_metadata",
    "compile_names",
    "compute_field_item",
    "find_identifiers",
    "find_name_candidates",
    "find_pseudonym_tokens",
    "fold_name",
    "format_key",
    "format_name_candidates",
    "parse_key",
    "parse_metadata_table",
    "parse_names",
    "pseudonymise_text",
    "read_note",
    "read_note_text",
    "split_front_matter",
]
