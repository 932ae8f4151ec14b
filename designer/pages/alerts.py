"""The Alerts page (admins): the alerts firing now and lately resolved, the rules, and a
dialog to define one. Every act asks the server again whether the visitor may still manage
alerts; a rule the runtime refuses is shown with its reason, naming the field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.auth import WebAuth
from designer.components.confirm import ConfirmDialog
from designer.components.empty_state import calm_when_empty
from designer.components.shell import page_frame
from designer.components.table_cards import cards_on_phones
from runtime import alerts
from runtime.core.errors import EngineError

if TYPE_CHECKING:
    from runtime import Engine

ADMIN_ALERTS = "admin.alerts"
NUMBERS = ("window_s", "baseline_s", "factor", "threshold", "repeat_s")
REFRESH_S = 5.0

ALERT_COLUMNS = [
    {"name": "status", "label": "Status", "field": "status", "align": "left"},
    {"name": "rule", "label": "Rule", "field": "rule", "align": "left"},
    {"name": "subject", "label": "Subject", "field": "subject", "align": "left"},
    {"name": "since", "label": "Since", "field": "since", "align": "left"},
    {"name": "message", "label": "Condition", "field": "message", "align": "left"},
]
RULE_COLUMNS = [
    {"name": "name", "label": "Rule", "field": "name", "align": "left", "sortable": True},
    {"name": "kind", "label": "Kind", "field": "kind", "align": "left"},
    {"name": "scope", "label": "On", "field": "scope", "align": "left"},
    {"name": "params", "label": "Parameters", "field": "params", "align": "left"},
    {"name": "actions", "label": "", "field": "name", "align": "right"},
]
STATUS_SLOT = (
    '<q-td :props="props" :data-label="props.col.label">'
    '<q-badge :color="props.value == \'firing\' ? \'red-9\' : '
    "'green-9'\">{{ props.value }}</q-badge></q-td>"
)
DELETE_SLOT = (
    '<q-td :props="props"><q-btn flat dense size="sm" icon="delete" color="negative" '
    'aria-label="Remove the rule" '
    ":data-testid=\"'delete-rule-' + props.row.name\" "
    "@click=\"() => $parent.$emit('remove', props.row.name)\">"
    "<q-tooltip>Remove the rule</q-tooltip></q-btn></q-td>"
)


def alert_rows(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [{**row, "key": f"{row['rule']}/{row['subject']}",
             "since": _ago(row["since"] if row["status"] == "firing" else row["resolved_at"],
                           now)} for row in rows]


def rule_rows(rules: list[alerts.Rule]) -> list[dict[str, Any]]:
    out = []
    for rule in rules:
        params = {k: v for k, v in rule.params.items() if v is not None}
        scope = rule.definition or params.pop("breaker", None) or "everything"
        out.append({"name": rule.name, "kind": rule.kind, "scope": scope,
                    "params": ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in params.items())})
    return out


class AlertsPage:
    def __init__(self, engine: Engine, auth: WebAuth) -> None:
        self.engine = engine
        self.auth = auth
        self.confirm = ConfirmDialog()

    def build(self) -> None:
        ui.label("Alerts").classes("text-2xl font-semibold")
        with ui.card().classes("w-full gap-3"):
            _header("Alerts", "Firing now (oldest first), then resolved (latest first)")
            self.alerts = ui.table(columns=ALERT_COLUMNS, rows=[], row_key="key")
            self.alerts.classes("w-full").props(
                'flat bordered dense data-testid="alert-table"'
            ).mark("alert-table")
            calm_when_empty(self.alerts, "Nothing is firing. When a rule's condition holds, "
                                         "its alert appears here and its channels are told.")
            cards_on_phones(self.alerts)
            self.alerts.add_slot("body-cell-status", STATUS_SLOT)
        with ui.card().classes("w-full gap-3"):
            with _header("Rules", "Evaluated by the runner; messages go to the channels of "
                                  "scope 'alert' (statewright tasks channel-add alert ...)"):
                ui.button("New rule", icon="add_alert", on_click=self.new_rule).props(
                    'data-testid="new-rule"').mark("new-rule")
            self.rules = ui.table(columns=RULE_COLUMNS, rows=[], row_key="name")
            self.rules.classes("w-full").props(
                'flat bordered data-testid="rule-table"'
            ).mark("rule-table")
            calm_when_empty(self.rules, "No alert rules yet. Add one with New rule; the "
                                        "runner checks it every minute.")
            cards_on_phones(self.rules)
            self.rules.add_slot("body-cell-actions", DELETE_SLOT)
            self.rules.on("remove", lambda e: self.remove(str(e.args)))
        self.refresh()
        ui.timer(REFRESH_S, self.refresh)

    def refresh(self) -> None:
        ledger = self.engine.ledger
        self.alerts.rows = alert_rows(alerts.alert_status(ledger), self.engine.clock.now())
        self.rules.rows = rule_rows(alerts.list_rules(ledger))
        self.alerts.update()
        self.rules.update()

    def _act(self, act: Callable[[str], str]) -> bool:
        who = self.auth.allowed(ADMIN_ALERTS, "manage alert rules")
        if who is None:
            return False
        try:
            done = act(who.username)
        except EngineError as error:
            ui.notify(error.message, type="negative", multi_line=True)
            return False
        ui.notify(done, type="positive")
        self.refresh()
        return True

    def new_rule(self) -> None:
        keys = [summary.key for summary in self.engine.definitions()]
        with ui.dialog() as dialog, ui.card().classes("w-[28rem] gap-2"):
            ui.label("New alert rule").classes("text-lg font-semibold")
            name = ui.input("Name", placeholder="payments-stuck").classes("w-full")
            name.props('data-testid="rule-name"').mark("rule-name")
            kind = ui.select(list(alerts.KINDS), label="Kind", value="stuck").classes("w-full")
            kind.props('data-testid="rule-kind"').mark("rule-kind")
            about = ui.label().classes("text-sm text-slate-600")
            definition = ui.select(keys, label="Definition (empty: every one)", clearable=True)
            definition.classes("w-full").props('data-testid="rule-definition"')
            definition.mark("rule-definition")
            breaker = ui.input("Breaker group (empty: any)").classes("w-full").mark("rule-breaker")
            numbers = {field: ui.number(field, format="%g").classes("w-full").props(
                f'data-testid="rule-{field}" clearable').mark(f"rule-{field}")
                for field in NUMBERS}

            def show_kind() -> None:
                text, defaults = alerts.KINDS[kind.value]
                about.set_text(f"Fires when {text}.")
                definition.set_visibility(kind.value in alerts.rules.PER_DEFINITION)
                breaker.set_visibility(kind.value == alerts.rules.BREAKER_OPEN)
                for field, element in numbers.items():
                    element.set_visibility(field in defaults or field == "repeat_s")
                    default = defaults.get(field)
                    element.props(f'placeholder="{default:g}"' if default is not None
                                  else 'placeholder=""')

            kind.on_value_change(show_kind)
            show_kind()

            def create() -> None:
                raw: dict[str, Any] = {"name": (name.value or "").strip(), "kind": kind.value}
                if definition.visible and definition.value:
                    raw["definition"] = definition.value
                if breaker.visible and breaker.value:
                    raw["breaker"] = breaker.value.strip()
                raw |= {field: element.value for field, element in numbers.items()
                        if element.visible and element.value is not None}

                def act(admin: str) -> str:
                    rule = alerts.add_rule(self.engine.ledger, raw, actor=admin)
                    return f"Defined the rule {rule.name}"

                if self._act(act):
                    dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Create rule", on_click=create).props(
                    'data-testid="create-rule"').mark("create-rule")
        dialog.on("hide", dialog.delete)
        dialog.open()

    def remove(self, name: str) -> None:
        def act(_admin: str) -> str:
            alerts.remove_rule(self.engine.ledger, name)
            return f"Removed the rule {name}"

        self.confirm.ask(f"Remove the alert rule {name}? Its alerts are forgotten and nothing "
                         "more is sent about them.", "Remove", lambda: self._act(act))


def _header(title: str, subtitle: str) -> ui.row:
    header = ui.row().classes("w-full items-center justify-between")
    with header, ui.column().classes("gap-0"):
        ui.label(title).classes("text-lg font-semibold")
        ui.label(subtitle).classes("text-sm text-slate-600")
    return header


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return ""
    seconds = max(0.0, (now - moment).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/alerts")
    def page() -> None:
        with page_frame("Alerts", user=auth.username()):
            if auth.require(ADMIN_ALERTS, "/alerts") is None:
                return
            AlertsPage(engine, auth).build()
