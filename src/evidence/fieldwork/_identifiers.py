"""Patterns for identifiers in field notes: e-mails, Belgian phones, addresses, IBANs, NRNs.

Each finding is ``(category, value, start, end)`` where ``value`` is a normal form, so one
phone number written two ways gets one pseudonym. Candidates that fail a check (a register
number's or an IBAN's checksum, a phone number's length) are not findings.
"""

from __future__ import annotations

import re

__all__ = ["detect", "is_valid_nrn"]

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+\s*(?:@|\[at\]|\(at\)|\[@\])\s*[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"
)

# +32 / 0032 (optionally "(0)"), or the trunk 0, then 8 or 9 digits with light separators.
_PHONE = re.compile(
    r"(?<![\w+/.-])(?P<prefix>(?:\+|00)\s?32\s?(?:\(0\)\s?)?[\s./-]?|\(?0)"
    r"(?P<digits>\d(?:(?:[\s./-]|\)\s?)?\d){7,8})(?![\d/.]?\d)"
)
_DATE_LIKE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d{2}")

_NRN = re.compile(
    r"(?<![\d.])(\d{2})[.\s]?(\d{2})[.\s]?(\d{2})\s?[-.\s]?\s?(\d{3})[.\s]?(\d{2})(?![\d])"
)
_IBAN = re.compile(r"\bBE\s?(\d{2})(?:\s?(\d{4})){3}\b")

_CAP = r"[A-ZÀ-ÖØ-Þ]"
_PARTICLE = (
    r"(?:(?:de|du|des|la|le|les|aux|au|sur|sous|van|der|den|het|ter|ten|of|the|et)\s+"
    r"|[ldLD]['’]\s?)"
)
_NAME_WORD = rf"{_CAP}(?:[\w'’-]|\.(?=\w))*"
_STREET_NAME = rf"{_PARTICLE}*{_NAME_WORD}(?:[\s-]+{_PARTICLE}*{_NAME_WORD}){{0,4}}"
_NUMBER = (
    r"\d{1,4}(?:\s?(?:bis|ter|[a-zA-Z])\b)?(?:\s*(?:/|bte\.?|boîte|bus|b\.)\s*\d{1,4}[a-zA-Z]?)?"
)
_POSTCODE = rf"(?:,?\s+(?:B-)?[1-9]\d{{3}}\s+{_CAP}[\w'’-]*(?:[\s-]{_CAP}[\w'’-]*){{0,2}})"
_FR_TYPE = (
    r"(?i:rue|avenue|av\.|boulevard|bd|chaussée|chaussee|place|square|quai|allée|impasse|"
    r"chemin|clos|drève|galerie|passage|parvis|rond-point|cours|sentier|venelle)"
)
_NL_TYPES = (
    "straat",
    "laan",
    "plein",
    "steenweg",
    "lei",
    "dreef",
    "kaai",
    "markt",
    "weg",
    "dijk",
    "gracht",
    "singel",
    "kade",
    "vest",
    "hof",
)
_NL_TYPE = "(?:" + "|".join(_NL_TYPES) + ")"
_NL_TYPE_WORD = "(?:" + "|".join(t.capitalize() for t in _NL_TYPES) + ")"
_EN_TYPE = (
    r"(?:Street|St\.|Road|Rd\.|Avenue|Ave\.|Lane|Drive|Square|Place|Terrace|Way|Close|"
    r"Court|Crescent|Gardens)"
)
_ADDRESS = re.compile(
    "|".join(
        [
            rf"(?<![\w-]){_FR_TYPE}\s+{_STREET_NAME},?\s+(?:n°\s*)?{_NUMBER}{_POSTCODE}?",
            rf"(?<![\w/]){_NUMBER},?\s+{_FR_TYPE}\s+{_STREET_NAME}{_POSTCODE}?",
            rf"(?<![\w-])(?:{_NAME_WORD}\s+)?{_CAP}[\w'’-]*?{_NL_TYPE}\s+(?:nr\.?\s*)?{_NUMBER}"
            rf"{_POSTCODE}?",
            rf"(?<![\w-]){_NAME_WORD}\s+{_NL_TYPE_WORD}\s+{_NUMBER}{_POSTCODE}?",
            rf"(?<![\w/])\d{{1,4}}[a-zA-Z]?,?\s+{_STREET_NAME}\s+{_EN_TYPE}(?!\w){_POSTCODE}?",
        ]
    )
)


def is_valid_nrn(digits: str) -> bool:
    """Return True when 11 digits form a Belgian national register (or BIS) number.

    The check number is 97 minus the first nine digits modulo 97; for people born from
    2000 on, a 2 is put before those nine digits.
    """
    if len(digits) != 11 or not digits.isdigit():
        return False
    month, day = int(digits[2:4]), int(digits[4:6])
    if not (month % 20 <= 12 and month < 60 and day <= 31):
        return False
    base, check = int(digits[:9]), int(digits[9:])
    return check in (97 - base % 97, 97 - (2_000_000_000 + base) % 97)


def _valid_iban(compact: str) -> bool:
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def _phone(match: re.Match[str]) -> str | None:
    digits = re.sub(r"\D", "", match.group("digits"))
    if _DATE_LIKE.fullmatch(match.group().strip("()")):
        return None
    if len(digits) == 8 or (len(digits) == 9 and digits[0] == "4"):
        return "0" + digits
    return None


def detect(text: str) -> list[tuple[str, str, int, int]]:
    """Return every identifier found in ``text`` as (category, normal form, start, end)."""
    found: list[tuple[str, str, int, int]] = []
    for m in _EMAIL.finditer(text):
        value = re.sub(r"\s*(?:\[at\]|\(at\)|\[@\])\s*|\s*@\s*", "@", m.group()).casefold()
        found.append(("email", value, m.start(), m.end()))
    for m in _NRN.finditer(text):
        digits = "".join(m.groups())
        if is_valid_nrn(digits):
            found.append(("nrn", digits, m.start(), m.end()))
    for m in _IBAN.finditer(text):
        compact = re.sub(r"\s", "", m.group())
        if _valid_iban(compact):
            found.append(("iban", compact, m.start(), m.end()))
    for m in _PHONE.finditer(text):
        phone = _phone(m)
        if phone is not None:
            found.append(("phone", phone, m.start(), m.end()))
    for m in _ADDRESS.finditer(text):
        value = " ".join(m.group().split())
        found.append(("address", value, m.start(), m.end()))
    return found
