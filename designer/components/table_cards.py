"""Tables that turn into one card per row on a phone (below 768 px), with no sideways scroll.

The rows stay the table's own `tr`/`td` elements (so row actions, selection and test ids are
the same at every width); CSS stacks each row's cells, each cell led by its column's label
(the `data-label` every body cell template sets; Quasar's own `td::before` highlight is
given up on a phone for it).
"""

from __future__ import annotations

from nicegui import ui

CELL = '<q-td :props="props" :data-label="props.col.label">{{ props.value }}</q-td>'
_CSS = """
@media (max-width: 767.98px) {
  .sw-cards .q-table__middle { overflow-x: visible; }
  .sw-cards table { min-width: 0 !important; table-layout: auto !important; }
  .sw-cards thead { display: none; }
  .sw-cards table, .sw-cards tbody, .sw-cards tbody tr { display: block; width: 100%; }
  .sw-cards tbody tr { border: 1px solid #cbd5e1; border-radius: 8px; margin: 0 0 8px;
                       padding: 6px 0; height: auto; }
  .body--dark .sw-cards tbody tr { border-color: #475569; }
  .sw-cards tbody td { display: flex; align-items: baseline; gap: .5rem; height: auto !important;
                       width: auto !important;
                       padding: 2px 12px !important; border: 0 !important; white-space: normal;
                       overflow-wrap: anywhere; text-align: left !important; }
  .sw-cards tbody td[data-label]::before { content: attr(data-label); flex: 0 0 6.5rem;
                       position: static; background: none; opacity: 1; font-size: .75rem;
                       font-weight: 600; color: #475569; }
  .body--dark .sw-cards tbody td[data-label]::before { color: #cbd5e1; }
  .sw-cards tbody td[data-label=""]::before { display: none; }
}
"""


def cards_on_phones(table: ui.table) -> ui.table:
    """Give `table` the phone layout; cells without their own slot get the labelled one."""
    ui.add_css(_CSS)
    table.classes("sw-cards")
    table.add_slot("body-cell", CELL)
    return table
