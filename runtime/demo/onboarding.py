"""Employee onboarding: the directory service and the equipment desk."""

from __future__ import annotations

from typing import Any

from runtime.demo.services import Refused, hiccup, reference
from runtime.execution.actions import ActionContext, Handler


def provision_accounts(ctx: ActionContext) -> dict[str, Any]:
    """Creates mail, chat and HR accounts; the directory refuses an address it cannot use."""
    email = ctx.variables.get("email") or ""
    local, _, domain = email.partition("@")
    if not local or "." not in domain:
        raise Refused(f"the directory refused the address {email!r}")
    hiccup(ctx, "the directory service", 0.1)
    return {}


def deprovision_accounts(ctx: ActionContext) -> dict[str, Any]:
    """Removes the accounts again; removing missing accounts is not an error."""
    return {}


def order_equipment(ctx: ActionContext) -> dict[str, Any]:
    """Opens a ticket at the equipment desk; its number correlates the delivery message."""
    hiccup(ctx, "the equipment desk", 0.05)
    return {"equipment_ticket": reference("EQ", ctx, digits=5)}


ACTIONS: dict[str, Handler] = {
    "provision_accounts": provision_accounts,
    "deprovision_accounts": deprovision_accounts,
    "order_equipment": order_equipment,
}
