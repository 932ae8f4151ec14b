"""The "Add subscription" form of the Messaging admin page.

It asks for exactly what `statewright subscriptions add` takes and checks it with the same
`runtime.messaging.subscriptions.checked`, so the web, the CLI and a definition's `triggers`
can never disagree about what a subscription may be. A refusal names its field, and the
message is shown under that field rather than in a passing notification.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from nicegui import ui

from runtime.core.errors import EngineError
from runtime.messaging.subscriptions import SCHEMES, Subscription, checked
from runtime.messaging.tables import ACTIONS, SEND

# Which fields only make sense for one action: the rest are shared.
START_ONLY = ("variables", "business_key")
SEND_ONLY = ("event", "correlate", "match", "payload")
OPTIONAL = ("event", "correlate", "variables", "business_key", "payload", "idempotency", "group")
HINTS = {
    "name": "lower case, digits, - _ . (e.g. orders-paid)",
    "broker": f"a URL: {', '.join(s + '://' for s in SCHEMES)}",
    "source": "subject, queue, stream or topic",
    "event": "the event sent to the matched instance",
    "correlate": "CEL on the message, e.g. message.order_id",
    "match": "business_key or variable:<name>",
    "variables": "CEL giving the start variables; empty: the whole message",
    "business_key": "CEL giving the new instance's business key",
    "payload": "CEL giving the event payload; empty: the whole message",
    "idempotency": "header:<name> or CEL; empty: the broker's message id",
    "group": "consumer group shared by consumers; empty: statewright-<name>",
}
Save = Callable[[Subscription], Awaitable[None]]


class SubscriptionForm:
    """Fields for one subscription; `save` is called with a checked `Subscription` and may
    raise an `EngineError` whose `details["field"]` names the field to blame."""

    def __init__(self, definitions: list[str], save: Save) -> None:
        self._save = save
        self.fields: dict[str, ui.input | ui.select] = {}
        # three fields a row, one on a phone (three squeeze their labels and hints together)
        with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-x-4 gap-y-6"):
            self._input("name", "Name")
            self._input("broker", "Broker URL", placeholder="nats://broker:4222")
            self._input("source", "Source", placeholder="orders.paid")
            self.fields["definition"] = ui.select(
                definitions, label="Definition", with_input=True
            ).props('data-testid="sub-definition" hide-bottom-space')
            with ui.column().classes("gap-0"):
                ui.label("Action: start an instance, or send an event to one").classes(
                    "text-xs text-slate-600")
                self.action = ui.toggle(list(ACTIONS), value=ACTIONS[0]).props(
                    'data-testid="sub-action" unelevated')
                self.action.on_value_change(lambda _: self._show_action_fields())
            ui.element("div").classes("max-md:hidden")
            for name in (*SEND_ONLY, *START_ONLY, "idempotency", "group"):
                self._input(name, name.replace("_", " ").capitalize())
        self.fields["match"].value = "business_key"
        self.general_error = ui.label().classes("text-sm text-red-700")
        self.general_error.props('data-testid="sub-error"')
        with ui.row().classes("w-full justify-end"):
            self.submit = ui.button("Add subscription", icon="add", on_click=self._submit)
            self.submit.props('data-testid="sub-submit"')
        self._show_action_fields()

    def _input(self, name: str, label: str, placeholder: str = "") -> None:
        field = ui.input(label, placeholder=placeholder).props(
            f'data-testid="sub-{name.replace("_", "-")}" hint="{HINTS[name]}"')
        field.classes("w-full")
        field.on_value_change(lambda _: setattr(field, "error", None))
        self.fields[name] = field

    def _show_action_fields(self) -> None:
        sending = self.action.value == SEND
        for name in SEND_ONLY:
            self.fields[name].set_visibility(sending)
        for name in START_ONLY:
            self.fields[name].set_visibility(not sending)

    def subscription(self) -> Subscription:
        """The form as a subscription; blank optional fields are absent, and fields of the
        other action are dropped so a hidden leftover can never change its meaning."""
        raw = {name: str(field.value or "").strip() for name, field in self.fields.items()}
        hidden = START_ONLY if self.action.value == SEND else SEND_ONLY
        for name in hidden:
            raw[name] = ""
        optional = {name: raw[name] or None for name in OPTIONAL}
        return Subscription(name=raw["name"], broker=raw["broker"], source=raw["source"],
                            action=str(self.action.value), definition=raw["definition"],
                            match=raw["match"] or "business_key", origin="web", **optional)

    def clear_errors(self) -> None:
        for field in self.fields.values():
            field.error = None
        self.general_error.set_text("")

    def show_error(self, exc: EngineError) -> None:
        field = self.fields.get(str(exc.details.get("field", "")))
        if field is None:
            self.general_error.set_text(exc.message)
            return
        field.error = exc.message

    async def _submit(self) -> None:
        self.clear_errors()
        try:
            sub = self.subscription()
            if not sub.definition:
                raise EngineError("choose the definition the subscription starts or moves",
                                  {"field": "definition"})
            await self._save(checked(sub))
        except EngineError as exc:
            self.show_error(exc)
            return
        for name, field in self.fields.items():
            field.value = "business_key" if name == "match" else None if name == "definition" \
                else ""
