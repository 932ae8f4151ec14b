"""The errors `shared` raises; each says what is wrong and where, so callers can show it as is."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.findings import Finding


class StatewrightError(Exception):
    """Base of every error raised by `shared`."""


class DocumentError(StatewrightError):
    """The input cannot be read or parsed as a JSON/YAML object at all (CLI exit code 2).

    Raised for a missing or unreadable file, empty input, text that is neither JSON nor YAML,
    a top level that is not an object, and documents too large or too deeply nested.
    """


class SchemaError(StatewrightError):
    """The document parsed but does not match the `statewright/v1` model.

    `findings` holds one `schema` finding per problem, each naming its JSON path.
    """

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        lines = "\n".join(f"  {f.message}" for f in findings)
        super().__init__(f"the definition does not match statewright/v1:\n{lines}")


class GuardError(StatewrightError):
    """A CEL expression does not compile, or fails while evaluating (undefined name, bad types)."""
