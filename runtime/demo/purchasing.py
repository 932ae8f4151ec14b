"""Purchase order: the budget system, the ERP, the supplier EDI gateway, payments."""

from __future__ import annotations

from typing import Any

from runtime.demo.services import fraction, hiccup, reference
from runtime.execution.actions import ActionContext, Handler

LARGEST_REMAINING_BUDGET = 150_000


def check_budget(ctx: ActionContext) -> dict[str, Any]:
    """Whether the cost centre has `total` left; looks the cost centre up when none is given."""
    code = ctx.variables.get("budget_code") or (
        f"CC-{1000 + int(fraction(ctx.variables.get('requester'), 'cost centre') * 9000)}")
    remaining = round(fraction(code, "remaining") * LARGEST_REMAINING_BUDGET, -2)
    total = ctx.variables.get("total") or 0
    return {"budget_code": code, "budget_available": total <= remaining}


def create_purchase_order(ctx: ActionContext) -> dict[str, Any]:
    """Creates the order in the ERP; its number correlates the supplier's messages."""
    hiccup(ctx, "the ERP", 0.05)
    return {"po_number": reference("PO", ctx)}


def cancel_purchase_order(ctx: ActionContext) -> dict[str, Any]:
    """Cancels the order in the ERP; cancelling a cancelled order changes nothing."""
    return {}


def send_purchase_order(ctx: ActionContext) -> dict[str, Any]:
    """Sends the order to the supplier over EDI, a gateway that often times out."""
    hiccup(ctx, "the supplier EDI gateway", 0.15)
    return {}


def pay_supplier(ctx: ActionContext) -> dict[str, Any]:
    """Pays the invoice once the payment terms are over."""
    hiccup(ctx, "the payment provider", 0.1)
    return {}


ACTIONS: dict[str, Handler] = {
    "check_budget": check_budget,
    "create_purchase_order": create_purchase_order,
    "cancel_purchase_order": cancel_purchase_order,
    "send_purchase_order": send_purchase_order,
    "pay_supplier": pay_supplier,
}
