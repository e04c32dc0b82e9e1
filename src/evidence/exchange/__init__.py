"""The exchange stage: the coded project to and from QDA software, in REFI-QDA (.qdpx).

:func:`write_qdpx` writes a :class:`QdaProject` (users, sources with their plain text, and
:class:`QdaSelection` codings) with the workbook's codebook; :func:`read_qdpx` reads one made
by NVivo, ATLAS.ti, MAXQDA, QualCoder or the workbook, positions converted to code points.
:func:`locate_passages` finds the workbook's passages in a source's text, so that selections
become decisions on passages. Codebooks alone (.qdc) are the coding stage's business.
"""

from evidence.exchange._model import QdaCoding, QdaProject, QdaSelection, QdaSource, QdaUser
from evidence.exchange._read import read_qdpx
from evidence.exchange._text import locate_passages
from evidence.exchange._write import PROJECT_NAMESPACE, make_guid, render_project_xml, write_qdpx

__all__ = [
    "PROJECT_NAMESPACE",
    "QdaCoding",
    "QdaProject",
    "QdaSelection",
    "QdaSource",
    "QdaUser",
    "locate_passages",
    "make_guid",
    "read_qdpx",
    "render_project_xml",
    "write_qdpx",
]
