"""The library stage: references, one source per reference, with their files.

``load_references`` reads a bibliography file, BibTeX, RIS or CSL-JSON as its extension
says, into a :class:`LoadReport`: the :class:`Source` records, and the entries skipped with
their line and reason. ``make_citation_keys`` and ``render_bibtex`` write references.bib from
Zotero item data, which ``parse_bibtex`` reads back; :mod:`evidence.library.zotero` talks to
Zotero itself. ``hash_file`` gives the content hash documents are registered by.
"""

from evidence.library._bibtex import (
    LoadReport,
    Source,
    hash_file,
    normalise_language,
    parse_bibtex,
)
from evidence.library._bibwrite import make_citation_keys, render_bibtex
from evidence.library._formats import load_references

__all__ = [
    "LoadReport",
    "Source",
    "hash_file",
    "load_references",
    "make_citation_keys",
    "normalise_language",
    "parse_bibtex",
    "render_bibtex",
]
