"""A queue of human tasks as a table: priority badges, a live due countdown, row actions.

The countdown runs in the browser (one `setInterval` per page rewriting every `[data-due]`
element each second), so a page with hundreds of tasks costs the server nothing per tick.
The server renders the first text and the offset between its clock and the browser's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from nicegui import ui

from designer.components.empty_state import calm_when_empty
from designer.components.shown_values import shown
from designer.components.table_cards import cards_on_phones
from runtime.people.tasks import Task

# Dark enough for white text (WCAG AA).
PRIORITY_COLOURS = {
    "urgent": "red-9", "high": "deep-orange-10", "normal": "blue-9", "low": "grey-8"
}


def _column(name: str, label: str, field: str, align: str = "left",
            wraps: bool = False) -> dict[str, str]:
    """A column; only free text wraps (`sw-wrap`), keys and times stay on one line."""
    column = {"name": name, "label": label, "field": field, "align": align}
    if wraps:
        column["classes"] = "sw-wrap"
    return column


COLUMNS = [
    _column("priority", "Priority", "priority"),
    _column("name", "Task", "name", wraps=True),
    _column("business_key", "Business key", "business_key"),
    _column("definition", "Process", "definition"),
    _column("instance", "Instance", "instance_id"),
    _column("state", "State", "state"),
    _column("holder", "Role / assignee", "holder", wraps=True),
    _column("due", "Due", "due_at"),
    _column("actions", "", "id", align="right"),
]
VARIABLE_PREFIX = "var_"


def columns_with(variables: list[str]) -> list[dict[str, str]]:
    """The columns, with one per inbox variable after the process (headed by its name in
    words: `applicant_name` reads "Applicant name")."""
    at = next(n for n, c in enumerate(COLUMNS) if c["name"] == "definition") + 1
    extra = [_column(f"{VARIABLE_PREFIX}{v}", v.replace("_", " ").strip().capitalize() or v,
                     f"{VARIABLE_PREFIX}{v}", wraps=True) for v in variables]
    return [*COLUMNS[:at], *extra, *COLUMNS[at:]]


_TD = '<q-td :props="props" :data-label="props.col.label"'
EMPTY_QUEUES = {  # by the table's marker (the inbox's two queues)
    "my-tasks": "No tasks claimed by you. Claim one from your roles' tasks below and it "
                "moves here.",
    "role-tasks": "No tasks waiting for your roles. New tasks for your roles appear here "
                  "as instances reach them.",
}
_SLOTS = {
    "no-data": '<div class="w-full text-center text-slate-600 py-1">No tasks here</div>',
    "body-cell-priority": (
        f'{_TD}><div class="flex flex-wrap gap-1">'
        '<q-badge :color="props.row.priority_colour" '
        ':label="props.value" :data-testid="\'priority-\' + props.row.id" />'
        '<q-badge v-if="props.row.escalated" outline color="red-7" label="escalated" '
        ':data-testid="\'escalated-\' + props.row.id" /></div></q-td>'
    ),
    "body-cell-name": (
        f'{_TD}><a :href="props.row.href" class="text-primary font-medium" '
        ':data-testid="\'open-\' + props.row.id">{{ props.value }}</a></q-td>'
    ),
    "body-cell-definition": (
        f'{_TD}><span class="font-mono">{{{{ props.value }}}}</span>'
        '<span class="text-slate-600"> v{{ props.row.version }}</span></q-td>'
    ),
    "body-cell-instance": (
        f'{_TD}><span class="font-mono text-xs" :title="props.value">'
        "{{ props.row.instance_short }}</span></q-td>"
    ),
    "body-cell-state": (
        f'{_TD}><span class="font-mono text-xs">{{{{ props.value }}}}</span></q-td>'
    ),
    "body-cell-due": (
        f'{_TD}><span v-if="props.value" :data-due="props.value" '
        ':class="props.row.late ? \'text-red-600 font-semibold\' : \'\'" '
        ":title=\"'due ' + props.row.due_label\">{{ props.row.due_text }}</span>"
        '<span v-else class="text-slate-600">no SLA</span></q-td>'
    ),
    "body-cell-actions": (
        f'{_TD}><div class="flex no-wrap items-center justify-end gap-1">'
        '<q-btn v-if="props.row.can_claim" unelevated dense no-wrap size="sm" color="primary" '
        'label="Claim" icon="pan_tool" :data-testid="\'claim-\' + props.row.id" '
        "@click=\"() => $parent.$emit('claim', props.row.id)\" />"
        '<q-btn v-if="props.row.can_unclaim" flat dense no-wrap size="sm" label="Unclaim" '
        'icon="undo" :data-testid="\'unclaim-\' + props.row.id" '
        "@click=\"() => $parent.$emit('unclaim', props.row.id)\" />"
        '<q-btn v-if="props.row.can_delegate" flat dense size="sm" icon="forward_to_inbox" '
        'aria-label="Delegate" '
        ":data-testid=\"'delegate-' + props.row.id\" "
        "@click=\"() => $parent.$emit('delegate', props.row.id)\"><q-tooltip>Delegate to a"
        " user or a role</q-tooltip></q-btn></div></q-td>"
    ),
}
# Cells wrap instead of overflowing into their neighbours; a table wider than the page
# scrolls inside its card (and becomes cards on a phone: `table_cards`).
_CSS = """
.sw-task-table table { table-layout: auto; max-width: none; }
.sw-task-table tbody td { white-space: nowrap; vertical-align: top; height: auto; }
.sw-task-table tbody td.sw-wrap { white-space: normal; overflow-wrap: break-word;
                                  min-width: 6rem; }
.sw-task-table th { white-space: nowrap; }
"""

_COUNTDOWN_JS = """
<script>
(() => {
  if (window.statewrightCountdown) return;
  const pad = (n) => String(n).padStart(2, '0');
  window.statewrightSpan = (ms) => {
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400); s %= 86400;
    const h = Math.floor(s / 3600); s %= 3600;
    const m = Math.floor(s / 60); s %= 60;
    const span = d ? `${d}d ${h}h ${pad(m)}m`
      : h ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
    return ms <= 0 ? `overdue by ${span}` : `in ${span}`;
  };
  const tick = () => {
    const now = Date.now() + (window.statewrightClockOffset || 0);
    for (const el of document.querySelectorAll('[data-due]')) {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) continue;
      el.textContent = window.statewrightSpan(due - now);
      el.classList.toggle('text-red-600', due <= now);
      el.classList.toggle('font-semibold', due <= now);
    }
  };
  window.statewrightCountdown = setInterval(tick, 1000);
})();
</script>
"""


def add_countdown(now: datetime) -> None:
    """Tick every `[data-due]` element once a second, counting from the server's `now`."""
    ui.add_body_html(
        f"<script>window.statewrightClockOffset = {now.timestamp() * 1000:.0f} - Date.now();"
        f"</script>" + _COUNTDOWN_JS
    )


def countdown(due: datetime | None, now: datetime) -> str:
    """What the countdown shows at `now` (the browser keeps it current afterwards)."""
    if due is None:
        return "no SLA"
    seconds = int(abs((due - now).total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        span = f"{days}d {hours}h {minutes:02d}m"
    elif hours:
        span = f"{hours}h {minutes:02d}m {seconds:02d}s"
    else:
        span = f"{minutes}m {seconds:02d}s"
    return f"overdue by {span}" if due <= now else f"in {span}"


def task_row(task: Task, me: str, roles: frozenset[str], admin: bool, now: datetime,
             business_key: str | None = None, variables: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    """One table row; the `can_*` flags only choose buttons: the service decides.
    `variables`: the inbox variables the viewer may see (`inbox_columns`)."""
    mine = task.assignee == me
    offered = admin or task.role in roles
    if task.assignee is None:
        holder = f"{task.role} (unclaimed)"
    elif mine:
        holder = "me" + (f" (from {task.delegated_by})" if task.delegated_by else "")
    else:
        holder = f"claimed by {task.assignee}"
    return {
        **{f"{VARIABLE_PREFIX}{k}": shown(v) for k, v in (variables or {}).items()},
        "id": task.id,
        "href": f"/tasks/{task.id}",
        "business_key": business_key or "",
        "name": task.name,
        "priority": task.priority,
        "priority_colour": PRIORITY_COLOURS.get(task.priority, "grey-8"),
        "escalated": task.escalated,
        "definition": task.definition,
        "version": task.version,
        "instance_id": task.instance_id,
        "instance_short": task.instance_id[:8],
        "state": task.human_state,
        "holder": holder,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "due_label": task.due_at.strftime("%Y-%m-%d %H:%M UTC") if task.due_at else "",
        "due_text": countdown(task.due_at, now),
        "late": task.overdue,
        "can_claim": task.assignee is None and offered,
        "can_unclaim": mine or (admin and task.assignee is not None),
        "can_delegate": task.allow_delegation and (
            mine or admin or (task.assignee is None and offered)),
    }


def task_table(marker: str, on_action: dict[str, Callable[[str], None]]) -> ui.table:
    """An empty queue table; `on_action` maps claim/unclaim/delegate to handlers of a task id."""
    table = ui.table(columns=COLUMNS, rows=[], row_key="id").classes("w-full")
    table.props(f'flat bordered dense data-testid="{marker}"').classes("sw-task-table")
    ui.add_css(_CSS)
    cards_on_phones(table)
    table.mark(marker)
    calm_when_empty(table, EMPTY_QUEUES.get(marker, "No tasks here."))
    for name, template in _SLOTS.items():
        table.add_slot(name, template)
    for action, handler in on_action.items():
        table.on(action, lambda e, handle=handler: handle(str(e.args)))
    return table
