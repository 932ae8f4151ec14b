"""Variable classifications and what each viewer may see: the masking rule table of
docs/security.md as code, shared by the REST API, the web app, the CLI and exports.

| classification | sealed at rest | shown to |
|---|---|---|
| `public`, `internal` | no | whoever may read the instance |
| `confidential` | no | holders of `variables.confidential` (admin, operator) |
| `restricted` (`sensitive: true`) | yes | nobody (masked in every view) |

A `set` target computed from a confidential (restricted) variable is itself confidential
(restricted), as `shared.sensitivity` does for sealing, so a `set` cannot launder a value.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.definition import Definition
from shared.findings import Finding
from shared.sensitivity import derived_names, sensitive_names

CLASSIFICATIONS: tuple[str, ...] = ("public", "internal", "confidential", "restricted")
# The permission (runtime/security/identity/permissions.py) that unmasks confidential values.
CONFIDENTIAL = "variables.confidential"


def confidential_names(definition: Definition) -> frozenset[str]:
    """Variables shown only to `variables.confidential` holders: declared confidential, or
    derived from one, and not already restricted (those are masked for everyone)."""
    seeds = frozenset(v.name for v in definition.variables if v.level == "confidential")
    return derived_names(definition, seeds) - sensitive_names(definition)


def hidden_names(definition: Definition, sees_confidential: bool) -> frozenset[str]:
    """The variable names masked for a viewer: restricted always, confidential unless
    `sees_confidential`."""
    hidden = sensitive_names(definition)
    if not sees_confidential:
        hidden |= confidential_names(definition)
    return hidden


def check_classification(definition: Definition) -> Iterator[Finding]:
    """`conflicting-classification`: `sensitive: true` with a classification other than
    `restricted` says two things at once; the reader cannot tell which was meant."""
    for v in definition.variables:
        if v.sensitive and v.classification not in (None, "restricted"):
            yield Finding.of(
                "conflicting-classification",
                f"variable '{v.name}' is `sensitive: true` (restricted) but classified "
                f"'{v.classification}': drop `sensitive` or set `classification: restricted`",
            )
