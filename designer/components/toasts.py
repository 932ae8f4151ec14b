"""Toasts that do not outlive their news: a success clears the warnings shown before it.

"Some fields need attention" still on screen beside "Completed" reads as if the submit had
failed. Quasar can dismiss a toast only through the function `Notify.create` returned, which
NiceGUI drops; the script below keeps those functions so the server can dismiss every toast
of the page before it shows a success.
"""

from __future__ import annotations

from typing import Any

from nicegui import ui

TOASTS_JS = """
<script>
document.addEventListener('DOMContentLoaded', () => {
  const create = Quasar.Notify.create.bind(Quasar.Notify);
  const shown = new Set();
  Quasar.Notify.create = (given) => {
    const options = typeof given === 'string' ? {message: given} : {...given};
    const onDismiss = options.onDismiss;
    let dismiss = null;
    options.onDismiss = () => { shown.delete(dismiss); if (onDismiss) onDismiss(); };
    dismiss = create(options);
    shown.add(dismiss);
    return dismiss;
  };
  window.swDismissToasts = () => { [...shown].forEach(dismiss => dismiss()); shown.clear(); };
});
</script>
"""


def install_toasts() -> None:
    """Once per page (the shared theme does it)."""
    ui.add_body_html(TOASTS_JS)


def notify_success(message: str, **options: Any) -> None:
    """`ui.notify(message, type="positive")` after dismissing the page's earlier toasts."""
    ui.run_javascript("window.swDismissToasts && window.swDismissToasts()")
    ui.notify(message, type="positive", **options)
