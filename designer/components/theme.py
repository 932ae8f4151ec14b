"""Light and dark themes, the visible focus ring and the contrast fixes every page shares.

The theme follows the system setting (`prefers-color-scheme`) until the visitor picks one
with the header's toggle; the pick is kept in a cookie rather than the user's storage, so it
survives logging in (which renews the storage) and applies on the login page too.
"""

from __future__ import annotations

from nicegui import ui

from designer.components.toasts import install_toasts

THEME_COOKIE = "statewright_theme"
# The toggle cycles through these; None (follow the system) is where a visitor starts.
THEMES: dict[str, bool | None] = {"auto": None, "dark": True, "light": False}
NEXT_THEME = {"auto": "dark", "dark": "light", "light": "auto"}
THEME_ICONS = {"auto": "brightness_auto", "dark": "dark_mode", "light": "light_mode"}
THEME_NAMES = {"auto": "follows the system", "dark": "dark", "light": "light"}
COOKIE_MAX_AGE_S = 365 * 24 * 3600

# Tailwind greys on the light background fall under 4.5:1 once they sit on slate-100, and
# Quasar's own focus shade is barely visible: one sheet fixes both and gives dark mode its
# colours, as the pages use a handful of Tailwind colour classes Quasar does not restyle.
THEME_CSS = """
.sw-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
/* NiceGUI's link blue (#3b82f6) is 3.4:1 on the page background; links that name no colour
   of their own get a darker one (the header and drawer are outside .q-page). */
.q-page .nicegui-link:not([class*="text-primary"]):not([class*="text-slate"]) { color: #1d4ed8; }
/* a phone fits four tabs without Quasar's scroll arrows covering the last one */
@media (max-width: 640px) {
  .q-page .q-tab { padding: 0 8px; }
  .q-page .q-tab__label { font-size: 13px; }
}
/* NiceGUI puts Quasar's `!important` colours (.text-primary, .bg-white...) in a cascade layer,
   and an important declaration in an earlier layer beats one in a later layer or none: so the
   rules that must win sit, all important, in `theme`, the first layer NiceGUI declares. */
@layer theme {
:focus-visible { outline: 3px solid #1d4ed8 !important; outline-offset: 2px !important; }
.q-header :focus-visible, .q-drawer :focus-visible { outline-color: #fbbf24 !important; }
.body--dark :focus-visible { outline-color: #93c5fd !important; }
body.body--dark { background: #0f172a !important; color: #e2e8f0 !important;
  color-scheme: dark; }  /* native controls too: date pickers, scrollbars */
.body--dark .q-card, .body--dark .q-table__container, .body--dark .q-table__card,
.body--dark .q-menu, .body--dark .q-dialog .q-card {
  background: #1e293b !important; color: #e2e8f0 !important; }
.body--dark .q-header { background: #0b1733 !important; }
.body--dark .q-drawer { background: #1e293b !important; }
.body--dark .q-tab-panels, .body--dark .q-tab-panel { background: transparent !important; }
.body--dark .bg-white, .body--dark .bg-slate-50, .body--dark .bg-slate-100 {
  background: #1e293b !important; }
.body--dark .bg-blue-50 { background: #172554 !important; }
.body--dark .bg-red-50 { background: #450a0a !important; }
.body--dark .bg-amber-50 { background: #451a03 !important; }
.body--dark .text-slate-500, .body--dark .text-slate-600, .body--dark .text-slate-700 {
  color: #cbd5e1 !important; }
.body--dark .text-slate-900 { color: #f1f5f9 !important; }
.body--dark .text-red-500, .body--dark .text-red-600, .body--dark .text-red-700,
.body--dark .text-red-800, .body--dark .text-negative { color: #fca5a5 !important; }
.body--dark .text-green-700 { color: #86efac !important; }
.body--dark .text-orange-600, .body--dark .text-orange-700, .body--dark .text-amber-600 {
  color: #fdba74 !important; }
.body--dark .text-amber-800 { color: #fcd34d !important; }
.body--dark .text-blue-700, .body--dark .text-primary { color: #93c5fd !important; }
/* the brand blue is too dark on a dark page: a light one for text, borders and focused
   field labels, a brighter one under white button text */
body.body--dark { --q-primary: #93c5fd !important; }
.body--dark .bg-primary { background: #2563eb !important; color: #fff !important; }
.body--dark .border-slate-200 { border-color: #334155 !important; }
.body--dark .border-slate-800 { border-color: #cbd5e1 !important; }
.body--dark .q-page .nicegui-link:not([class*="text-slate"]) { color: #93c5fd !important; }
.body--dark .js-plotly-plot .main-svg:first-child { background: #1e293b !important; }
.body--dark .js-plotly-plot .main-svg text { fill: #e2e8f0 !important; }
.body--dark .js-plotly-plot .gridlayer path { stroke: #334155 !important; }
.body--dark .js-plotly-plot .legend .bg { fill: #1e293b !important; }
/* sankey: plotly's black flows and white label halo are drawn for a white paper */
.body--dark .js-plotly-plot .sankey-link { fill: rgb(148 163 184 / 0.4) !important; }
.body--dark .js-plotly-plot .node-label { text-shadow: none !important; }
}
"""


# Quasar leaves two things unnamed that the pages cannot reach through props: a table's
# scrolling middle (keyboard users must be able to focus it to scroll) and its row-selection
# checkboxes. This names them as Quasar renders them, including rows that arrive later.
NAME_QUASAR_PARTS_JS = """
<script>
(() => {
  const name = () => {
    document.querySelectorAll('.q-table__middle.scroll:not([tabindex])').forEach(region => {
      region.tabIndex = 0;
      region.setAttribute('role', 'region');
      region.setAttribute('aria-label', 'Table (scrolls sideways)');
    });
    document.querySelectorAll('.q-table .q-checkbox[role=checkbox]:not([aria-label])')
      .forEach(box => box.setAttribute('aria-label',
        box.closest('thead') ? 'Select all rows shown' : 'Select this row'));
  };
  new MutationObserver(name).observe(document.body, {childList: true, subtree: true});
  name();
})();
</script>
"""


def theme_from_cookie() -> str:
    """The theme this browser picked, "auto" if none (or the cookie is not one we set)."""
    try:
        request = ui.context.client.request
    except RuntimeError:
        return "auto"
    picked = request.cookies.get(THEME_COOKIE, "auto") if request is not None else "auto"
    return picked if picked in THEMES else "auto"


def apply_theme() -> ui.dark_mode:
    """Quasar's dark mode as this browser picked it, and the shared style sheet."""
    ui.add_css(THEME_CSS)
    ui.add_body_html(NAME_QUASAR_PARTS_JS)
    install_toasts()
    return ui.dark_mode(THEMES[theme_from_cookie()])


def theme_toggle(dark: ui.dark_mode) -> ui.button:
    """The header's button: follows the system, then dark, then light, then back."""
    state = {"theme": theme_from_cookie()}
    button = ui.button(color=None).props('flat round dense data-testid="theme-toggle"')
    button.classes("text-white").mark("theme-toggle")

    def show() -> None:
        theme = state["theme"]
        button.props(f'icon="{THEME_ICONS[theme]}" aria-label="Theme: {THEME_NAMES[theme]}; '
                     f'switch to {THEME_NAMES[NEXT_THEME[theme]]}" data-theme="{theme}"')

    def switch() -> None:
        state["theme"] = NEXT_THEME[state["theme"]]
        dark.set_value(THEMES[state["theme"]])
        ui.run_javascript(f'document.cookie = "{THEME_COOKIE}={state["theme"]}; path=/; '
                          f'max-age={COOKIE_MAX_AGE_S}; SameSite=Lax"')
        show()

    button.on_click(switch)
    show()
    return button
