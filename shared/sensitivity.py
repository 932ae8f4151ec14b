"""Which variables of a definition hold sensitive values: the one answer sealing, masking and
the definition scan share.

A variable is sensitive when it is declared `sensitive: true` (or `classification: restricted`),
or when some transition's `set` computes it from a sensitive one (`"set": {"case_note": "'SSN '
+ ssn"}`): a value derived from a secret is kept sealed like the secret, so a `set` cannot
launder it into the clear.
The closure runs to a fixed point, so chains of `set`s are followed.
"""

from __future__ import annotations

from typing import Any

from shared.definition import Definition
from shared.errors import GuardError
from shared.guards import referenced_names

MASK = "***"


def declared_sensitive(definition: Definition) -> frozenset[str]:
    """Names of the variables declared `sensitive: true` or `classification: restricted`."""
    return frozenset(v.name for v in definition.variables if v.level == "restricted")


def sensitive_names(definition: Definition) -> frozenset[str]:
    """Declared sensitive variables plus every `set` target derived from one."""
    return derived_names(definition, declared_sensitive(definition))


def derived_names(definition: Definition, seeds: frozenset[str]) -> frozenset[str]:
    """`seeds` plus every `set` target computed (directly or through a chain) from one."""
    names = set(seeds)
    if not names:
        return frozenset()
    assignments = [(target, _reads(src)) for t in definition.transitions
                   for target, src in t.set.items()]
    changed = True
    while changed:
        changed = False
        for target, reads in assignments:
            if target not in names and reads & names:
                names.add(target)
                changed = True
    return frozenset(names)


def _reads(src: str) -> frozenset[str]:
    """The names `src` reads; none for an expression that does not compile (validation reports
    it as `bad-guard`, and such a definition is never published)."""
    try:
        return frozenset(referenced_names(src))
    except GuardError:
        return frozenset()


def masked(value: Any, names: frozenset[str]) -> Any:
    """`value` with every entry keyed by a sensitive variable's name replaced by the mask, at
    any depth (event payloads nest variables under `variables` or `values`)."""
    if not names:
        return value
    if isinstance(value, dict):
        return {
            k: MASK if k in names and v is not None else masked(v, names) for k, v in value.items()
        }
    if isinstance(value, list):
        return [masked(v, names) for v in value]
    return value
