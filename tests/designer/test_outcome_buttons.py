"""Outcome buttons look like what they do: approving ones primary, destructive ones red."""

from __future__ import annotations

import pytest

from designer.components.outcome_buttons import (
    DESTRUCTIVE,
    NEUTRAL,
    PRIMARY,
    outcome_kind,
)


@pytest.mark.parametrize(("outcome", "label", "kind"), [
    ("approve", None, PRIMARY), ("accept_offer", None, PRIMARY), ("done", "Done", PRIMARY),
    ("request_docs", "Request documents", NEUTRAL), ("escalate", None, NEUTRAL),
    ("reject", "Reject", DESTRUCTIVE), ("cancel_order", None, DESTRUCTIVE),
    ("discard", None, DESTRUCTIVE), ("terminate", None, DESTRUCTIVE),
    ("no", "Decline the claim", DESTRUCTIVE), ("approve_or_reject", None, DESTRUCTIVE),
])
def test_the_kind_follows_the_outcome_and_its_label(outcome: str, label: str | None,
                                                    kind: str) -> None:
    assert outcome_kind(outcome, label) == kind
