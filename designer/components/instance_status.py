"""Instance statuses (SPEC §5) and the badge colour each has on every instance view."""

STATUSES = ["running", "suspended", "incident", "completed", "failed", "cancelled"]
STATUS_COLOURS = {
    "running": "blue",
    "suspended": "amber",
    "incident": "red",
    "completed": "green",
    "failed": "deep-orange",
    "cancelled": "grey",
}


def testid(name: str) -> str:
    """Props naming an element for browser tests (`page.get_by_test_id`), beside its marker."""
    return f'data-testid="{name}"'
