"""Insurance claim: the policy system, fraud screening, payments, repair network, assessors.

Reserve payment, book repair and schedule assessor form a saga: each has an undo action that
the engine runs in reverse order when the claim fails or is rolled back.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from runtime.demo.services import Refused, fraction, hiccup, pick, reference
from runtime.execution.actions import ActionContext, Handler

LAPSED_RATE = 0.05
NO_CAPACITY_RATE = 0.05
LARGE_CLAIM_EUR = 20_000
REPAIR_SHOPS = ["Autohaus Berger", "Carrosserie Dupont", "Quickfix Motors", "Van Dijk Garage"]
ASSESSORS = ["A. Novak", "M. Rossi", "J. Okafor", "L. Lindqvist"]


def verify_policy(ctx: ActionContext) -> dict[str, Any]:
    """Checks the policy was in force on the incident date; a lapsed policy is refused."""
    policy = ctx.variables.get("policy_number")
    hiccup(ctx, "the policy system", 0.05)
    if fraction(policy, "lapsed") < LAPSED_RATE:
        raise Refused(f"policy {policy} was not in force on {ctx.variables.get('incident_date')}")
    return {}


def fraud_score(ctx: ActionContext) -> dict[str, Any]:
    """A 0-1 risk score from the screening service; large claims score a little higher."""
    v = ctx.variables
    hiccup(ctx, "the fraud screening service", 0.08)
    score = fraction(v.get("policy_number"), v.get("claimant"), v.get("incident_date")) ** 2
    if (v.get("claim_amount") or 0) > LARGE_CLAIM_EUR:
        score += 0.1
    return {"fraud_score": round(min(score, 0.99), 2)}


def reserve_payment(ctx: ActionContext) -> dict[str, Any]:
    """Reserves the claimed amount with the payment provider."""
    hiccup(ctx, "the payment provider", 0.05)
    return {"payment_reference": reference("RSV", ctx)}


def release_payment(ctx: ActionContext) -> dict[str, Any]:
    """Releases the reservation; releasing twice is a no-op at the provider."""
    return {}


def book_repair_shop(ctx: ActionContext) -> dict[str, Any]:
    """Books a partner shop; sometimes no shop near the claimant has capacity."""
    policy = ctx.variables.get("policy_number")
    hiccup(ctx, "the repair network", 0.1)
    if fraction(policy, "capacity") < NO_CAPACITY_RATE:
        raise Refused(f"no partner repair shop near {ctx.variables.get('claimant')} has capacity")
    return {"repair_booking": f"{reference('RB', ctx)} at {pick(REPAIR_SHOPS, policy, 'shop')}"}


def cancel_repair_booking(ctx: ActionContext) -> dict[str, Any]:
    """Cancels the booking at the shop."""
    return {}


def schedule_assessor(ctx: ActionContext) -> dict[str, Any]:
    """Schedules an assessor's visit 3 to 10 days after the incident."""
    v = ctx.variables
    hiccup(ctx, "the assessor calendar", 0.05)
    visit = _day_after(v.get("incident_date"), 3 + int(fraction(ctx.instance_id, "day") * 8))
    assessor = pick(ASSESSORS, v.get("policy_number"), "assessor")
    return {"assessor_visit": f"{reference('AV', ctx)}: {assessor} on {visit}"}


def cancel_assessor_visit(ctx: ActionContext) -> dict[str, Any]:
    """Cancels the assessor's visit."""
    return {}


def pay_claim(ctx: ActionContext) -> dict[str, Any]:
    """Pays the assessed amount against the reservation."""
    hiccup(ctx, "the payment provider", 0.1)
    return {}


def _day_after(day: Any, days: int) -> str:
    try:
        return (date.fromisoformat(day) + timedelta(days=days)).isoformat()
    except (TypeError, ValueError):
        return f"day {days} after the incident"


ACTIONS: dict[str, Handler] = {
    "verify_policy": verify_policy,
    "fraud_score": fraud_score,
    "reserve_payment": reserve_payment,
    "release_payment": release_payment,
    "book_repair_shop": book_repair_shop,
    "cancel_repair_booking": cancel_repair_booking,
    "schedule_assessor": schedule_assessor,
    "cancel_assessor_visit": cancel_assessor_visit,
    "pay_claim": pay_claim,
}
