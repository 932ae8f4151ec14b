"""Two published versions side by side in one graph: what was added, removed and changed.

`a` and `b` pick the versions (by default the latest against the one before); the two
pickers at the top load the page again with the pair chosen, so a comparison can be linked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nicegui import ui

from designer.auth import WebAuth
from designer.components.canvas import ProcessCanvas
from designer.components.shell import page_frame
from designer.diff import ADDED, CHANGED, REMOVED, UNCHANGED, diff_documents
from runtime import NotFound

if TYPE_CHECKING:
    from runtime import Engine

LEGEND = {
    ADDED: ("#16a34a", "added"),
    REMOVED: ("#dc2626", "removed (dashed)"),
    CHANGED: ("#d97706", "changed"),
    UNCHANGED: ("#94a3b8", "unchanged"),
}
# The change list's text: the swatch colours are too light for text on white (3.2:1); these
# read at 4.5:1 or more, and the theme lightens them on dark cards.
TEXT_CLASSES = {ADDED: "text-green-700", REMOVED: "text-red-700", CHANGED: "text-amber-800",
                UNCHANGED: "text-slate-600"}


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/processes/{key}/diff")
    def diff_page(key: str, a: str = "", b: str = "") -> None:
        with page_frame(
            "Processes", user=auth.username(), full_width=True, title=f"Compare {key} versions"
        ):
            if auth.require("definitions.read", f"/processes/{key}/diff?a={a}&b={b}") is None:
                return
            try:
                numbers = [v.version for v in engine.versions(key)]
            except NotFound:
                numbers = []
            a, b = default_pair(numbers, a, b)
            try:
                old, new = engine.version(key, int(a)), engine.version(key, int(b))
            except (NotFound, ValueError):
                ui.label(
                    f"Process {key!r} has no published versions {a!r} and {b!r} to compare."
                ).classes("text-lg")
                ui.link("Back to Processes", "/processes")
                return
            diff = diff_documents(old.document, new.document)
            with ui.row().classes("w-full items-center gap-x-6 gap-y-2"):
                ui.label(f"{new.name or key}: v{old.version} → v{new.version}").classes(
                    "text-xl font-semibold"
                ).mark("diff-title")
                _pickers(key, numbers, old.version, new.version)
                ui.space()
                with ui.row().classes("items-center gap-x-4 gap-y-1").mark("diff-legend"):
                    for colour, text in LEGEND.values():
                        with ui.row().classes("items-center gap-1"):
                            ui.element("span").style(
                                f"display:inline-block;width:14px;height:14px;"
                                f"border-radius:3px;background:{colour}"
                            )
                            ui.label(text).classes("text-sm")
            with ui.row().classes(
                "w-full gap-3 flex-nowrap max-md:flex-wrap items-stretch md:h-[calc(100vh-180px)]"
            ):
                with ui.card().classes("grow p-0 min-w-0 max-md:w-full max-md:h-[60vh]"):
                    canvas = (
                        ProcessCanvas(readonly=True).classes("w-full h-full").mark("diff-canvas")
                    )
                with ui.card().classes(
                    "w-80 max-md:w-full shrink-0 gap-1 overflow-y-auto"
                ).mark("changes").props('data-testid="changes"'):
                    ui.label("Changes").classes("text-xs font-semibold uppercase text-slate-600")
                    if not diff.changes:
                        ui.label(
                            "No change in meaning between these versions (the layout may "
                            "differ)." if old.version != new.version else
                            "Pick two different versions to see what changed."
                        ).classes("text-sm").mark("no-changes")
                    for change in diff.changes:
                        ui.label(change.text()).classes(
                            f"text-sm break-words {TEXT_CLASSES[change.status]}"
                        ).mark("change")
            canvas.set_graph(diff.nodes, diff.edges)
            canvas.set_diff(diff.states, diff.transitions)


def default_pair(numbers: list[int], a: str, b: str) -> tuple[str, str]:
    """The versions asked for; a missing one is filled in: `b` the latest, `a` the version
    before `b` (or `b` itself when it is the first)."""
    if not numbers:
        return a, b
    if not b:
        b = str(max(numbers))
    if not a:
        earlier = [n for n in numbers if b.isdigit() and n < int(b)]
        a = str(max(earlier)) if earlier else b
    return a, b


def _pickers(key: str, numbers: list[int], old: int, new: int) -> None:
    """"From" and "to" selects; a change loads the page with the new pair."""
    options = {n: f"v{n}" for n in sorted(numbers, reverse=True)}
    picked = {"a": old, "b": new}

    def pick(which: str, value: int) -> None:
        picked[which] = value
        ui.navigate.to(f"/processes/{key}/diff?a={picked['a']}&b={picked['b']}")

    with ui.row().classes("items-center gap-2"):
        for which, label, value in (("a", "From", old), ("b", "To", new)):
            testid = "diff-from" if which == "a" else "diff-to"
            ui.select(
                options, value=value, label=label, on_change=lambda e, w=which: pick(w, e.value)
            ).props(f'dense outlined data-testid="{testid}"').classes("w-28").mark(testid)
