"""Operator acts on instances (suspend, resume, cancel, retry, move, set-vars, migrate,
rollback), each audited with actor and reason, and the queries behind the operator pages."""

from runtime.operations.acts import OPERATIONS, incident_reason, perform, perform_batch

__all__ = ["OPERATIONS", "incident_reason", "perform", "perform_batch"]
