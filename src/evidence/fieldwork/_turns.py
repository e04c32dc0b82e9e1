"""Splitting a note into passages: speaker turns when the note is a transcript, else paragraphs.

A note is a transcript when a speaker label (``Q:``, ``Interviewer :``, ``P01:``,
``**R :**``) starts a paragraph or line and some label comes back at least twice; a turn
runs until the next label or heading. Interviewer turns get the section ``question`` (not
coded, as they are not evidence); headings get ``heading``; the rest is ``body``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Turn", "is_known_speaker", "split_turns"]

_LABEL = re.compile(
    r"^[ \t]*(?:[*_]{1,2})?"
    r"(?P<label>[A-ZÀ-ÖØ-Þ][\w’'.-]{0,24}(?:[ \t]+(?:[A-ZÀ-ÖØ-Þ][\w’'.-]{0,24}|\d{1,3})){0,2}"
    r"(?:[ \t]*\([^()\n]{1,40}\))?)"
    r"(?:[*_]{1,2})?[ \t]*[:：](?:[*_]{1,2})?(?:[ \t]+(?P<body>.*)|[ \t]*$)"
)
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(?P<text>.+?)[ \t#]*$")
_INTERVIEWER = {
    "q",
    "question",
    "i",
    "int",
    "interviewer",
    "intervieweur",
    "intervieweuse",
    "enqueteur",
    "enquetrice",
    "chercheur",
    "chercheuse",
    "animateur",
    "animatrice",
    "moderateur",
    "moderatrice",
    "facilitateur",
    "facilitatrice",
    "v",
    "vraag",
    "interviewster",
    "onderzoeker",
    "onderzoekster",
    "moderator",
    "gespreksleider",
    "researcher",
    "facilitator",
}
_PARTICIPANT = {
    "r",
    "a",
    "reponse",
    "antwoord",
    "answer",
    "participant",
    "participante",
    "deelnemer",
    "deelneemster",
    "repondant",
    "repondante",
    "respondent",
    "temoin",
    "getuige",
    "travailleur",
    "travailleuse",
    "educateur",
    "educatrice",
    "medewerker",
    "medewerkster",
    "benevole",
    "vrijwilliger",
    "usager",
    "usagere",
    "gebruiker",
    "directeur",
    "directrice",
    "coordinateur",
    "coordinatrice",
    "coordinator",
    "worker",
    "staff",
    "user",
    "client",
    "hulpverlener",
    "intervenant",
    "intervenante",
    "assistant",
    "assistante",
    "note",
    "notes",
    "remarque",
    "opmerking",
    "conclusion",
    "conclusie",
    "tous",
    "allen",
    "all",
    "groupe",
    "groep",
    "group",
    "x",
    "y",
    "z",
}
_PSEUDONYM = re.compile(r"^(?:[A-Z]{1,5}\d{1,3})(?:\W.*)?$")


@dataclass(frozen=True, slots=True)
class Turn:
    """A passage of a note: its number (§), text, speaker label and role, and section."""

    number: int
    text: str
    speaker: str = ""
    role: str = ""
    section: str = "body"


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def _role(label: str) -> str:
    head = _fold(re.split(r"[\s(]", label.strip(), maxsplit=1)[0]).strip(".")
    return "interviewer" if head in _INTERVIEWER else "participant"


def is_known_speaker(label: str) -> bool:
    """True when a (pseudonymised) speaker label is a role word, a pseudonym or a number."""
    head = _fold(re.split(r"[\s(]", label.strip(), maxsplit=1)[0]).strip(".")
    return bool(
        head in _INTERVIEWER
        or head in _PARTICIPANT
        or _PSEUDONYM.match(label.strip())
        or re.fullmatch(r"[a-z]?\d+", head)
    )


def _paragraphs(body: str) -> list[tuple[str, str, str, str]]:
    """Cut the text into (kind, label, text, raw): kind is heading, labelled or plain."""
    out: list[tuple[str, str, str, str]] = []
    current: list[str] = []
    raw: list[str] = []
    label = ""

    def flush() -> None:
        nonlocal current, raw, label
        text = " ".join(" ".join(current).split())
        if text or label:
            out.append(("labelled" if label else "plain", label, text, " ".join(raw)))
        current, raw, label = [], [], ""

    for line in body.split("\n"):
        heading = _HEADING.match(line)
        found = _LABEL.match(line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            text = " ".join(heading.group("text").split())
            out.append(("heading", "", text, text))
        elif found:
            flush()
            label = " ".join(found.group("label").split())
            current, raw = [found.group("body") or ""], [line.strip()]
        else:
            current.append(line)
            raw.append(line.strip())
    flush()
    return out


def split_turns(body: str) -> list[Turn]:
    """Return the passages of a note body: speaker turns in a transcript, else paragraphs."""
    paragraphs = _paragraphs(body)
    labels = [label for kind, label, _, _ in paragraphs if kind == "labelled"]
    if len(labels) > len(set(labels)):
        return _transcript_turns(paragraphs)
    turns: list[Turn] = []
    for kind, _, text, raw in paragraphs:
        if kind == "heading":
            turns.append(Turn(len(turns) + 1, text, section="heading"))
        elif kind == "labelled":
            # A label that never comes back is part of the text ("Note: ...").
            turns.append(Turn(len(turns) + 1, " ".join(raw.split())))
        elif text:
            turns.append(Turn(len(turns) + 1, text))
    return turns


def _transcript_turns(paragraphs: list[tuple[str, str, str, str]]) -> list[Turn]:
    """Return a transcript's turns: a label's paragraphs up to the next label or heading."""
    turns: list[Turn] = []
    speaker = ""
    parts: list[str] = []
    for kind, label, text, _ in paragraphs:
        if kind == "heading":
            _close_turn(turns, speaker, parts)
            speaker, parts = "", []
            turns.append(Turn(len(turns) + 1, text, section="heading"))
        elif kind == "labelled":
            _close_turn(turns, speaker, parts)
            speaker, parts = label, [text]
        elif speaker:
            parts.append(text)
        elif text:
            turns.append(Turn(len(turns) + 1, text))
    _close_turn(turns, speaker, parts)
    return turns


def _close_turn(turns: list[Turn], speaker: str, parts: list[str]) -> None:
    """Add the turn of ``speaker`` made of ``parts`` (none when it has no text)."""
    text = "\n\n".join(p for p in parts if p)
    if speaker and text:
        role = _role(speaker)
        section = "question" if role == "interviewer" else "body"
        turns.append(Turn(len(turns) + 1, text, speaker, role, section))
