"""Each role lands where it works (issue #19, part 3)."""

from __future__ import annotations

import pytest

from designer.landing import landing_path
from runtime.security.identity.permissions import ROLE_PERMISSIONS, TASK_ROLE_PERMISSIONS


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        (["underwriter"], "/tasks"),
        (["underwriter", "clerk"], "/tasks"),
        (["manager"], "/dashboards"),
        (["manager", "underwriter"], "/dashboards"),
        (["analyst"], "/processes"),
        (["admin"], "/processes"),
        (["operator"], "/instances"),
        (["auditor"], "/compliance"),
        (["analyst", "manager"], "/processes"),
    ],
)
def test_each_role_lands_where_it_works(roles: list[str], landing: str) -> None:
    permissions = frozenset().union(
        *(ROLE_PERMISSIONS.get(role, TASK_ROLE_PERMISSIONS) for role in roles)
    )
    assert landing_path(permissions) == landing


def test_someone_without_any_permission_lands_on_the_process_list() -> None:
    # That page then says which permission is missing.
    assert landing_path(frozenset()) == "/processes"
