"""The Messaging admin page: subscriptions, outbox routes, and dead letters with replay.

Subscriptions come from the CLI, a definition's `triggers`, or this page's form (checked
exactly as the CLI checks them); an admin removes one after confirming. Adding and removing
are recorded as admin acts. Here an admin also sees the messages that could not be applied
(with the reason), and replays a dead letter once its cause is gone. Replay runs through the
same intake as a consumer, so it applies once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import run, ui

from designer.auth import WebAuth
from designer.components.confirm import ConfirmDialog
from designer.components.empty_state import calm_when_empty
from designer.components.shell import page_frame
from designer.components.subscription_form import SubscriptionForm
from designer.components.table_cards import cards_on_phones
from runtime.core.errors import EngineError, NotFound
from runtime.messaging import deadletters, intake, outbox, subscriptions

if TYPE_CHECKING:
    from runtime import Engine

PERMISSION = "admin.users"
PATH = "/admin/messaging"


def _columns(*names: str) -> list[dict]:
    return [{"name": n, "label": n.replace("_", " ").capitalize(), "field": n, "align": "left"}
            for n in names]


REPLAY_SLOT = (
    '<q-td :props="props"><q-btn v-if="props.row.status == \'dead\'" flat dense size="sm" '
    'icon="replay" color="primary" aria-label="Replay" :data-testid="\'replay-\' + props.row.id" '
    "@click=\"() => $parent.$emit('replay', props.row.id)\"><q-tooltip>Replay</q-tooltip>"
    "</q-btn></q-td>"
)
REMOVE_SLOT = (
    '<q-td :props="props"><q-btn flat dense size="sm" icon="delete" color="negative" '
    'aria-label="Remove" :data-testid="\'remove-\' + props.row.name" '
    "@click=\"() => $parent.$emit('remove', props.row.name)\"><q-tooltip>Remove</q-tooltip>"
    "</q-btn></q-td>"
)


class MessagingPage:
    def __init__(self, engine: Engine, auth: WebAuth) -> None:
        self.engine = engine
        self.auth = auth
        self.confirm = ConfirmDialog()

    def build(self) -> None:
        ui.label("Messaging").classes("text-2xl font-semibold")
        with ui.card().classes("w-full gap-2"):
            ui.label("Subscriptions").classes("text-lg font-semibold")
            ui.label("Broker sources that start or move instances (statewright subscriptions "
                     "add, or a definition's triggers)").classes("text-sm text-slate-600")
            self.subs = ui.table(columns=[*_columns("name", "action", "definition", "broker",
                                                    "source", "event", "correlate", "origin"),
                                          {"name": "remove", "label": "", "field": "name"}],
                                 rows=[], row_key="name")
            self.subs.classes("w-full").props('flat bordered data-testid="subscription-table"')
            cards_on_phones(self.subs)
            calm_when_empty(self.subs, "No subscriptions yet. Add one below, or publish a "
                                       "definition with triggers; it is listed here.")
            self.subs.add_slot("body-cell-remove", REMOVE_SLOT)
            self.subs.on("remove", lambda e: self.ask_remove(str(e.args)))
        with ui.card().classes("w-full gap-2").props('data-testid="subscription-form"'):
            ui.label("Add subscription").classes("text-lg font-semibold")
            ui.label("The same fields and checks as `statewright subscriptions add`; consumers "
                     "pick it up within seconds").classes("text-sm text-slate-600")
            SubscriptionForm([d.key for d in self.engine.definitions()], self.add)
        with ui.card().classes("w-full gap-2"):
            ui.label("Dead letters").classes("text-lg font-semibold")
            ui.label("Messages that could not be applied, with the reason; replay applies them "
                     "again once the cause is gone").classes("text-sm text-slate-600")
            self.letters = ui.table(columns=[{"name": "replay", "label": "", "field": "id"},
                                             *_columns("subscription", "reason", "detail",
                                                       "attempts", "status", "created_at",
                                                       "body")],
                                    rows=[], row_key="id")
            self.letters.classes("w-full").props('flat bordered data-testid="dead-letter-table"')
            cards_on_phones(self.letters)
            calm_when_empty(self.letters, "No dead letters. A message that cannot be applied "
                                          "waits here with its reason until it is replayed.")
            self.letters.add_slot("body-cell-replay", REPLAY_SLOT)
            self.letters.on("replay", lambda e: self.replay(str(e.args)))
        with ui.card().classes("w-full gap-2"):
            ui.label("Outbox routes").classes("text-lg font-semibold")
            self.routes = ui.table(columns=_columns("definition", "event_types", "broker",
                                                    "destination"), rows=[], row_key="id")
            self.routes.classes("w-full").props('flat bordered data-testid="route-table"')
            cards_on_phones(self.routes)
            calm_when_empty(self.routes, "No outbox routes. Routes that publish instance "
                                         "events to a broker are listed here.")
        self.refresh()

    def refresh(self) -> None:
        with self.engine.store.read() as conn:
            self.subs.rows = [s.to_json() for s in subscriptions.all_subscriptions(conn)]
            self.letters.rows = [{**d, "body": d["body"][:80],
                                  "created_at": d["created_at"][:16].replace("T", " ")}
                                 for d in deadletters.letters(conn, status=None, limit=200)]
            self.routes.rows = [{**r.to_json(), "event_types": ", ".join(r.event_types) or "all"}
                                for r in outbox.all_routes(conn)]
        for table in (self.subs, self.letters, self.routes):
            table.update()

    async def add(self, sub: subscriptions.Subscription) -> None:
        """Store a checked subscription; an `EngineError` names the field that is wrong."""
        admin = self.auth.allowed(PERMISSION, "add subscriptions")
        if admin is None:
            return
        try:
            await run.io_bound(self.engine.version, sub.definition)
        except NotFound:
            raise EngineError(f"definition {sub.definition!r} is not published",
                              {"field": "definition"}) from None
        await run.io_bound(self.engine.writer.submit,
                           lambda conn: subscriptions.add(conn, sub, self.engine.clock.now()))
        self.auth.identity.record_admin_act(admin.username, "subscription.add", sub.name,
                                            f"{sub.action} {sub.definition} <- {sub.broker} "
                                            f"{sub.source}")
        ui.notify(f"Added subscription {sub.name}", type="positive")
        self.refresh()

    def ask_remove(self, name: str) -> None:
        with self.engine.store.read() as conn:
            sub = subscriptions.get(conn, name)
        from_definition = sub is not None and sub.origin.startswith("definition:")
        again = (f" It comes from {sub.origin.partition(':')[2]}'s triggers, so publishing "
                 "that definition again brings it back." if from_definition else "")
        self.confirm.ask(f"Remove subscription {name}? Its consumer stops within seconds; "
                         f"its dead letters stay.{again}", "Remove", lambda: self.remove(name))

    def remove(self, name: str) -> None:
        admin = self.auth.allowed(PERMISSION, "remove subscriptions")
        if admin is None:
            return
        try:
            self.engine.writer.submit(lambda conn: subscriptions.remove(conn, name))
        except EngineError as exc:
            ui.notify(exc.message, type="negative")
            return
        self.auth.identity.record_admin_act(admin.username, "subscription.remove", name)
        ui.notify(f"Removed subscription {name}", type="positive")
        self.refresh()

    async def replay(self, letter_id: str) -> None:
        try:
            outcome = await run.io_bound(intake.replay, self.engine.ledger, letter_id)
        except EngineError as exc:
            ui.notify(exc.message, type="negative")
            return
        if outcome == intake.APPLIED:
            ui.notify("Replayed: the message was applied", type="positive")
        else:
            ui.notify("Still refused: see the reason in the table", type="warning")
        self.refresh()


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page(PATH)
    def page() -> None:
        with page_frame("Admin", user=auth.username(), title="Messaging"):
            if auth.require(PERMISSION, PATH) is None:
                return
            MessagingPage(engine, auth).build()
