"""Findings and the report that `validate` returns: values the CLI, designer and API all show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]

# Every finding code of SPEC §3, then those of the security scan (`shared.security_checks`),
# with its severity: the one table the checks draw from.
SEVERITIES: dict[str, Severity] = {
    "schema": "error",
    "duplicate-id": "error",
    "unknown-state": "error",
    "no-start": "error",
    "many-starts": "error",
    "unreachable": "error",
    "dead-end": "error",
    "no-way-out": "error",
    "end-has-exit": "error",
    "ambiguous": "error",
    "bad-guard": "error",
    "unknown-variable": "warning",
    "no-default": "error",
    "bad-exit": "error",
    "missing-role": "error",
    "missing-action": "error",
    "missing-duration": "error",
    "no-error-path": "warning",
    "unbounded-wait": "warning",
    "secret-in-definition": "error",
    "plain-http-endpoint": "warning",
    "restricted-in-guard": "warning",
    "sensitive-copied-to-plain": "warning",
    "restricted-in-output": "warning",
    "bad-segregation": "error",
    "conflicting-classification": "error",
    "unbalanced_fork": "error",
    "join_without_fork": "error",
    "ambiguous_branch_event": "error",
    "unknown-calendar": "error",
    "bad-timezone": "error",
    "bad-hours": "error",
    "unknown-holiday-country": "error",
}


@dataclass(frozen=True)
class Finding:
    """One problem: a code from SPEC §3, a message a person can act on, and what it concerns."""

    code: str
    severity: Severity
    message: str
    states: tuple[str, ...] = ()
    transitions: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        code: str,
        message: str,
        states: list[str] | tuple[str, ...] = (),
        transitions: list[str] | tuple[str, ...] = (),
    ) -> Finding:
        """A finding whose severity comes from the code table."""
        return cls(code, SEVERITIES[code], message, tuple(states), tuple(transitions))

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "states": list(self.states),
            "transitions": list(self.transitions),
        }


@dataclass(frozen=True)
class Report:
    """The outcome of validating one definition; `ok` means no errors (warnings allowed)."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def to_json(self) -> dict[str, Any]:
        """The SPEC §3 shape: `{"ok": bool, "findings": [...]}`."""
        return {"ok": self.ok, "findings": [f.to_json() for f in self.findings]}
