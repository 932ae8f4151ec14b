"""Loan approval: a credit bureau, the core banking payout, the letter service."""

from __future__ import annotations

from typing import Any

from runtime.demo.services import Refused, fraction, hiccup
from runtime.execution.actions import ActionContext, Handler

LOWEST_SCORE, SCORE_RANGE = 350, 500
CLOSED_ACCOUNT_RATE = 0.03


def credit_score(ctx: ActionContext) -> dict[str, Any]:
    """The bureau's score for the applicant: 350-850, most near 600, the same on every check."""
    applicant = ctx.variables.get("ssn") or ctx.variables.get("applicant_name", "")
    hiccup(ctx, "the credit bureau", 0.1)
    middle = (fraction(applicant, "score", 1) + fraction(applicant, "score", 2)) / 2
    return {"credit_score": LOWEST_SCORE + round(middle * SCORE_RANGE)}


def disburse_loan(ctx: ActionContext) -> dict[str, Any]:
    """Pays out the approved amount (the requested one when the underwriter left it blank)."""
    hiccup(ctx, "core banking", 0.05)
    if fraction(ctx.variables.get("application_id"), "payee") < CLOSED_ACCOUNT_RATE:
        raise Refused("the bank refused the payout: the applicant's account is closed")
    paid = ctx.variables.get("approved_amount") or ctx.variables.get("amount")
    return {"approved_amount": paid}


def reverse_disbursement(ctx: ActionContext) -> dict[str, Any]:
    """Claws the payout back; reversing twice is a no-op at the bank."""
    return {}


def send_rejection_letter(ctx: ActionContext) -> dict[str, Any]:
    """Queues the letter; the mail service is sometimes slow to answer."""
    hiccup(ctx, "the mail service", 0.1)
    return {}


ACTIONS: dict[str, Handler] = {
    "credit_score": credit_score,
    "disburse_loan": disburse_loan,
    "reverse_disbursement": reverse_disbursement,
    "send_rejection_letter": send_rejection_letter,
}
