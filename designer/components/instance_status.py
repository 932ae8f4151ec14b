"""Instance statuses (SPEC §5) and the badge colour each has on every instance view."""

STATUSES = ["running", "suspended", "incident", "completed", "failed", "cancelled"]
# Shades dark enough for the badges' white text (WCAG AA, 4.5:1).
STATUS_COLOURS = {
    "running": "blue-9",
    "suspended": "brown-7",
    "incident": "red-9",
    "completed": "green-9",
    "failed": "deep-orange-10",
    "cancelled": "grey-8",
}


def testid(name: str) -> str:
    """Props naming an element for browser tests (`page.get_by_test_id`), beside its marker."""
    return f'data-testid="{name}"'
