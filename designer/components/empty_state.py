"""What an empty table says: a calm sentence telling what will appear there and how.

Quasar's own "No data available" comes with a warning sign, which reads as an error on a
page that is simply new; `calm_when_empty` swaps it for an info icon and the sentence.
"""

from __future__ import annotations

from nicegui import ui

NO_DATA_SLOT = (
    '<div class="w-full flex items-center no-wrap gap-2 text-slate-600 py-1" '
    'data-testid="empty-state"><q-icon name="info_outline" size="sm" aria-hidden="true" />'
    "<span>{{ props.message }}</span></div>"
)


def calm_when_empty(table: ui.table, sentence: str) -> ui.table:
    """`table` says `sentence` when it has no rows; `say_when_empty` changes it later."""
    table.add_slot("no-data", NO_DATA_SLOT)
    return say_when_empty(table, sentence)


def say_when_empty(table: ui.table, sentence: str) -> ui.table:
    table.props["no-data-label"] = sentence
    table.update()
    return table
