"""The DLP detectors find card numbers, IBANs, national ids, e-mail addresses and phone
numbers in free text, and a one-digit slip in a card number or an IBAN is not reported."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shared import dlp


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, text[m.start:m.end]) for m in dlp.find(text)]


def _luhn_digit(body: str) -> str:
    return next(d for d in "0123456789" if dlp.luhn_ok(body + d))


def _iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    check = 98 - int("".join(str(int(c, 36)) for c in moved)) % 97
    return f"{country}{check:02d}{bban}"


cards = st.builds(
    lambda first, rest: (lambda body: body + _luhn_digit(body))(first + rest),
    st.sampled_from("23456"), st.text("0123456789", min_size=12, max_size=17))
ibans = st.builds(_iban, st.sampled_from(["DE", "NL", "FR", "GB", "ES"]),
                  st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=11, max_size=30))


def _grouped(number: str, sep: str) -> str:
    return sep.join(number[i:i + 4] for i in range(0, len(number), 4))


@settings(max_examples=200)
@given(cards, st.sampled_from(["", " ", "-"]))
def test_every_luhn_valid_card_number_is_found_however_it_is_grouped(card: str, sep: str) -> None:
    text = f"paid with {_grouped(card, sep)} yesterday"
    assert _kinds(text) == [("card", _grouped(card, sep))]


@settings(max_examples=200)
@given(cards, st.data())
def test_a_card_number_with_one_digit_changed_is_not_a_card(card: str, data: st.DataObject
                                                            ) -> None:
    at = data.draw(st.integers(1, len(card) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != card[at]]))
    typo = card[:at] + digit + card[at + 1:]
    assert "card" not in [k for k, _ in _kinds(f"card {typo}")]


@settings(max_examples=200)
@given(ibans, st.booleans())
def test_every_mod97_valid_iban_is_found_compact_or_grouped(iban: str, grouped: bool) -> None:
    written = _grouped(iban, " ") if grouped else iban
    assert ("iban", written) in _kinds(f"pay to {written} please")


@settings(max_examples=200)
@given(ibans, st.data())
def test_an_iban_with_one_digit_changed_fails_its_check(iban: str, data: st.DataObject) -> None:
    at = data.draw(st.sampled_from([i for i, c in enumerate(iban) if c.isdigit()]))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != iban[at]]))
    assert not dlp.iban_ok(iban[:at] + digit + iban[at + 1:])


def test_national_ids_of_three_countries_are_found() -> None:
    assert _kinds("SSN 123-45-6789") == [("national_id", "123-45-6789")]
    assert _kinds("NINO AB 12 34 56 C") == [("national_id", "AB 12 34 56 C")]
    assert _kinds("BSN 111222333") == [("national_id", "111222333")]


def test_ids_that_are_never_issued_or_fail_their_check_are_ignored() -> None:
    assert _kinds("000-12-3456 666-12-3456 912-34-5678") == []
    assert _kinds("GB 12 34 56 A") == []  # a prefix HMRC never issues
    assert _kinds("invoice 111222334") == []  # fails the 11-check


def test_email_and_international_phone_numbers_are_found() -> None:
    assert _kinds("write to jane.doe@example.co.uk") == [("email", "jane.doe@example.co.uk")]
    assert _kinds("call +44 20 7946 0958 today") == [("phone", "+44 20 7946 0958")]
    assert _kinds("call +1 555") == []  # too short to be a valid number


def test_ordinary_business_text_is_left_alone() -> None:
    text = "order 12345 of 2024-01-02, amount 1999.90 EUR, ticket #4711, v2.3.1"
    assert dlp.find(text) == []


def test_masking_keeps_only_enough_to_recognise_the_value() -> None:
    text = "card 4111 1111 1111 1111, mail jane@example.com, IBAN DE89370400440532013000"
    masked = dlp.masked_text(text, dlp.find(text))
    assert masked == "card **** **** **** 1111, mail j***@example.com, IBAN DE** **** 3000"


def test_a_scan_masks_at_any_depth_and_reports_one_hit_per_variable_and_kind() -> None:
    values = {"note": {"lines": ["card 4111111111111111", "again 5500 0000 0000 0004"]},
              "contact": "jane@example.com", "amount": 12}
    cleaned, hits = dlp.scan(values, lambda name: frozenset({"email"}) if name == "contact"
                             else frozenset())
    assert hits == [dlp.Hit("note", "card")]
    assert cleaned["note"]["lines"] == ["card **** **** **** 1111",
                                        "again **** **** **** 0004"]
    assert cleaned["contact"] == "jane@example.com"
