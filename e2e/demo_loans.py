"""Loan applicants the demo services treat in a known way (their answers are deterministic)."""

from __future__ import annotations

from runtime.demo.loans import LOWEST_SCORE, SCORE_RANGE
from runtime.demo.services import fraction


def reviewed_applicant(first: int) -> str:
    """The first SSN from 078-05-<first> on whose demo credit score (550-699) sends a large loan
    to the underwriter; tests pick different `first` numbers to keep their applicants apart."""
    for n in range(100):
        ssn = f"078-05-{first + n:04d}"
        middle = (fraction(ssn, "score", 1) + fraction(ssn, "score", 2)) / 2
        if 550 <= LOWEST_SCORE + round(middle * SCORE_RANGE) < 700:
            return ssn
    raise AssertionError("no demo applicant scores between 550 and 699")
