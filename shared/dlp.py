"""The DLP detectors: personal data in free text, found by pattern and confirmed by checksum.

Pure functions, no policy (that is `runtime.security.dlp`). What counts as each kind:
- `card`: 13-19 digits, optionally grouped by single spaces or dashes, first digit 2-6 (the
  issuer ranges of the card networks) and a valid Luhn check digit.
- `iban`: two letters, two check digits and 11-30 letters or digits, upper case as printed
  (optionally grouped by spaces), whose ISO 13616 mod-97 remainder is 1.
- `national_id`: a US social security number written `AAA-GG-SSSS` (no area 000, 666 or
  9xx, no group 00, no serial 0000); a UK National Insurance number (`QQ 12 34 56 C`, with
  the prefixes HMRC never issues excluded); a Dutch BSN (9 digits passing the 11-check).
- `email`: `local@domain.tld`.
- `phone`: a number in international form (`+` and country code) that libphonenumber
  accepts as a valid number. National forms without a country code are not looked for:
  too many ordinary numbers look like them.

A span found by an earlier kind (in the order above) is not reported again by a later one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers

KINDS: tuple[str, ...] = ("card", "iban", "national_id", "email", "phone")


@dataclass(frozen=True)
class Match:
    kind: str
    start: int
    end: int


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to 10..35, mod 97 is 1."""
    text = iban.upper()
    if not (15 <= len(text) <= 34 and text[:2].isalpha() and text[2:4].isdigit()
            and text.isalnum() and text.isascii()):
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def bsn_ok(digits: str) -> bool:
    """The Dutch 11-check: 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or digits == "0" * 9:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


_CARD = re.compile(r"(?<![\d-])[2-6](?:[ -]?\d){12,18}(?![\d])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})*(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
                   r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", re.IGNORECASE)
_BSN = re.compile(r"(?<![\d.-])\d{9}(?![\d.-])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w+])\+\d(?:[ ().-]{0,2}\d){6,16}")


def _cards(text: str) -> Iterator[tuple[int, int]]:
    for m in _CARD.finditer(text):
        if luhn_ok(re.sub(r"[ -]", "", m.group())):
            yield m.span()


def _ibans(text: str) -> Iterator[tuple[int, int]]:
    for m in _IBAN.finditer(text):
        groups = m.group().split(" ")
        # a short upper-case word after a grouped IBAN joins the match: drop trailing groups
        for n in range(len(groups), 0, -1):
            if iban_ok("".join(groups[:n])):
                yield m.start(), m.start() + len(" ".join(groups[:n]))
                break


def _national_ids(text: str) -> Iterator[tuple[int, int]]:
    yield from (m.span() for m in _SSN.finditer(text))
    yield from (m.span() for m in _NINO.finditer(text))
    yield from (m.span() for m in _BSN.finditer(text) if bsn_ok(m.group()))


def _emails(text: str) -> Iterator[tuple[int, int]]:
    yield from (m.span() for m in _EMAIL.finditer(text))


def _phones(text: str) -> Iterator[tuple[int, int]]:
    for m in _PHONE.finditer(text):
        try:
            number = phonenumbers.parse(m.group(), None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            yield m.span()


_DETECTORS: tuple[tuple[str, Callable[[str], Iterator[tuple[int, int]]]], ...] = (
    ("card", _cards), ("iban", _ibans), ("national_id", _national_ids),
    ("email", _emails), ("phone", _phones),
)


def find(text: str) -> list[Match]:
    """Every piece of personal data in `text`, in the order of the text."""
    if not any(c.isdigit() or c == "@" for c in text):
        return []  # every kind holds a digit or an @: most strings end here
    found: list[Match] = []
    for kind, detect in _DETECTORS:
        for start, end in detect(text):
            if not any(start < m.end and m.start < end for m in found):
                found.append(Match(kind, start, end))
    return sorted(found, key=lambda m: m.start)


def mask(kind: str, value: str) -> str:
    """The masked form of one found value: enough left to recognise it, never to use it."""
    if kind == "email":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    alnum = [c for c in value if c.isalnum()]
    keep = {"card": 4, "iban": 4, "phone": 2, "national_id": 2}[kind]
    tail = "".join(alnum[-keep:])
    if kind == "card":
        return f"**** **** **** {tail}"
    if kind == "iban":
        return f"{''.join(alnum[:2]).upper()}** **** {tail}"
    stars = "*" * (len(alnum) - keep) + tail
    return f"+{stars}" if kind == "phone" else stars


def masked_text(text: str, matches: list[Match]) -> str:
    out, at = [], 0
    for m in matches:
        out += [text[at:m.start], mask(m.kind, text[m.start:m.end])]
        at = m.end
    return "".join([*out, text[at:]])


@dataclass(frozen=True)
class Hit:
    """Personal data of `kind` in `variable` (the top-level name it arrived under)."""

    variable: str
    kind: str


Allowed = Callable[[str], frozenset[str]]


def scan(values: dict[str, Any], allowed: Allowed) -> tuple[dict[str, Any], list[Hit]]:
    """`values` with every disallowed find masked, and the hits (one per variable and kind).

    `allowed(name)` gives the kinds variable `name` may hold; strings are searched at any
    depth of objects and arrays. The caller decides whether to keep the masked copy.
    """
    hits: list[Hit] = []
    out: dict[str, Any] = {}
    for name, value in values.items():
        kinds: set[str] = set()
        out[name] = _walk(value, allowed(name), kinds)
        hits += [Hit(name, k) for k in KINDS if k in kinds]
    return out, hits


def _walk(value: Any, allowed: frozenset[str], kinds: set[str]) -> Any:
    if isinstance(value, str):
        matches = [m for m in find(value) if m.kind not in allowed]
        kinds.update(m.kind for m in matches)
        return masked_text(value, matches) if matches else value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**8:
        # a card or id sent as a JSON number; masked, it becomes the masked string
        found = _walk(str(value), allowed, kinds)
        return value if found == str(value) else found
    if isinstance(value, dict):
        return {k: _walk(v, allowed, kinds) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, allowed, kinds) for v in value]
    return value
