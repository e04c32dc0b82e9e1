"""A REFI-QDA project as a partner's tool writes it (NVivo-style), for the exchange tests."""

from __future__ import annotations

import io
import zipfile

USER = "5C94BC9E-DB8C-4F1D-9CD6-E900C7440860"
CODE = "2DFBA8C9-59F5-4424-99D6-EA9BCE18134B"
SOURCE = "A2B94468-80A5-412F-92D6-E900D97B55A6"

# A note as NVivo writes it: a byte-order mark, CRLF line ends, and a character outside the
# Basic Multilingual Plane (two UTF-16 units) before the coded words.
NOTE = "Night shift 🌙 at the shelter.\r\nA resident hit a worker.\r\nShe was exhausted."


def make_project(
    text: bytes, start: int, end: int, *, origin: str, namespace: str = "1.0"
) -> bytes:
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:{namespace}" name="Partner project" origin="{origin}">
  <Users><User guid="{USER}" name="Partner coder"/></Users>
  <CodeBook><Codes>
    <Code guid="{CODE}" name="Night-time aggression" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{SOURCE}" name="Night interview" plainTextPath="internal://{SOURCE}.txt"
        creatingUser="{USER}">
      <PlainTextSelection guid="08CBCED0-D736-44C8-8FD6-EB4D29FE46C5" startPosition="{start}"
          endPosition="{end}" creatingUser="{USER}" creationDateTime="2024-03-01T10:00:00Z">
        <Description>clear case</Description>
        <Coding guid="76414714-63C4-4A25-A47E-66FEF80BD52E" creatingUser="{USER}">
          <CodeRef targetGUID="{CODE}"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
    <PictureSource guid="11111111-2222-3333-4444-555555555555" name="A photo"
        path="internal://photo.png"/>
  </Sources>
</Project>"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Partner project.qde", xml)
        archive.writestr(f"Sources/{SOURCE}.txt", text)
    return buffer.getvalue()


def utf16_span(text: str, words: str) -> tuple[int, int]:
    """Return where ``words`` lie in ``text`` in UTF-16 code units (NVivo's count)."""
    at = text.index(words)
    before = len(text[:at].encode("utf-16-le")) // 2
    return before, before + len(words.encode("utf-16-le")) // 2
