"""Coding: the codebook's rules applied to passages, people's decisions, suggestions, measures.

- the codebook: :func:`load_codebook` reads and checks codebook.yml into a :class:`Codebook`;
  :func:`write_qdc` and :func:`load_qdc_book` exchange it with QDA software (REFI-QDA
  codebooks: :class:`QdcBook` of :class:`QdcCode` and :class:`QdcSet`; :func:`read_codes`
  reads the codebook of a project too, with the small XML helpers the project exchange
  shares), and :func:`render_codebook_yaml` turns an imported one into a codebook.yml
  skeleton;
- rule coding: :func:`compile_codebook` compiles it into a :class:`Matcher`;
  :func:`code_passages` gives each passage its :class:`Coding` per code, and
  :func:`explain_passage` the :class:`Match` list behind it, which :func:`render_highlighted`
  shows;
- people's decisions (:class:`Decision`): :func:`load_decisions`, :func:`add_decision`,
  :func:`write_decisions`, and :func:`compute_final_decisions`, the decision that stands per
  passage and code;
- the learned layer of the coder: a :class:`CoderModel` (:func:`load_model`, shipped as
  :data:`SHIPPED_MODEL`, trained by :func:`train_model` on :class:`TrainingPassage` and measured
  by :func:`cross_validate`) refines the rules' codings with :func:`apply_model`;
- learned suggestions: :func:`compute_training_set`, :func:`train_suggester` (a
  :class:`Suggester`), :func:`suggest_codes` and :func:`compute_review_queue`;
- measures: :func:`compute_evaluation` of the rules against passages coded by people (read
  with :func:`load_jsonl`, shown with :func:`format_evaluation`), and
  :func:`compute_agreement` between two coders (:func:`compute_coder_sets`).
"""

from evidence.coding._agreement import (
    compute_agreement,
    compute_coder_sets,
)
from evidence.coding._codebook import (
    Codebook,
    load_codebook,
    parse_codebook,
)
from evidence.coding._decisions import (
    ALL_CODES,
    Decision,
    Labels,
    add_decision,
    check_codes,
    closest,
    compute_final_decisions,
    compute_final_labels,
    describe_problems,
    load_decisions,
    record_decision,
    write_decisions,
)
from evidence.coding._evaluate import (
    PARTS,
    compute_evaluation,
    format_evaluation,
    load_jsonl,
)
from evidence.coding._highlight import (
    render_highlighted,
)
from evidence.coding._match import (
    Coding,
    Match,
)
from evidence.coding._matcher import (
    Matcher,
    code_passages,
    compile_codebook,
    explain_passage,
)
from evidence.coding._model import (
    SHIPPED_MODEL,
    CoderModel,
    Passage,
    apply_model,
    load_model,
    render_model,
)
from evidence.coding._qdc import (
    IMPORTED_FACET,
    QdcBook,
    QdcCode,
    QdcSet,
    child_text,
    children,
    code_guid,
    load_qdc,
    load_qdc_book,
    local_name,
    namespace_of,
    read_codes,
    read_qdc,
    read_xml,
    render_codebook_yaml,
    render_qdc,
    write_qdc,
)
from evidence.coding._stems import STEM_LANGUAGES, stem_text, stem_word
from evidence.coding._suggest import (
    Example,
    Suggester,
    compute_reliability,
    compute_review_queue,
    compute_training_set,
    suggest_codes,
    train_suggester,
)
from evidence.coding._training import (
    TrainingPassage,
    compute_learning_curve,
    cross_validate,
    file_digest,
    train_model,
)

__all__ = [
    "add_decision",
    "ALL_CODES",
    "apply_model",
    "child_text",
    "children",
    "code_guid",
    "IMPORTED_FACET",
    "QdcBook",
    "QdcCode",
    "QdcSet",
    "read_codes",
    "read_qdc",
    "read_xml",
    "check_codes",
    "closest",
    "code_passages",
    "Codebook",
    "CoderModel",
    "Coding",
    "compile_codebook",
    "compute_agreement",
    "compute_coder_sets",
    "compute_evaluation",
    "compute_final_decisions",
    "compute_final_labels",
    "compute_reliability",
    "compute_review_queue",
    "compute_learning_curve",
    "compute_training_set",
    "cross_validate",
    "Decision",
    "Example",
    "describe_problems",
    "explain_passage",
    "file_digest",
    "format_evaluation",
    "Labels",
    "load_codebook",
    "load_decisions",
    "load_jsonl",
    "load_model",
    "load_qdc",
    "load_qdc_book",
    "local_name",
    "namespace_of",
    "parse_codebook",
    "Match",
    "Matcher",
    "PARTS",
    "Passage",
    "record_decision",
    "render_codebook_yaml",
    "render_highlighted",
    "render_model",
    "SHIPPED_MODEL",
    "STEM_LANGUAGES",
    "stem_text",
    "stem_word",
    "render_qdc",
    "suggest_codes",
    "Suggester",
    "train_model",
    "train_suggester",
    "TrainingPassage",
    "write_decisions",
    "write_qdc",
]
