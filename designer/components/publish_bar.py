"""The designer header's verdict: error and warning counts, the version just published, and
Publish, disabled with the reason while errors are left."""

from __future__ import annotations

from collections.abc import Callable

from nicegui import ui


def publish_bar(errors: int, warnings: int, published_version: int | None,
                publish: Callable[[], None]) -> None:
    if errors:
        ui.badge(f"{errors} error{'s' * (errors != 1)}", color="red-9").mark(
            "error-count"
        ).props('data-testid="error-count"')
    if warnings:
        ui.badge(f"{warnings} warning{'s' * (warnings != 1)}", color="deep-orange-10")
    if published_version is not None:
        ui.label(f"Published version {published_version}").classes(
            "text-green-700 font-semibold"
        ).mark("published-version").props('data-testid="published-version"')
    button = ui.button("Publish", icon="publish", on_click=publish).mark("publish").props(
        'data-testid="publish"')
    if errors:
        button.disable()
        ui.label(f"Publishing needs 0 errors ({errors} left)").classes(
            "text-xs text-slate-600"
        ).mark("publish-reason").props('data-testid="publish-reason"')
