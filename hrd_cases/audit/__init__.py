"""The audit log: append within the caller's transaction, verify the whole chain."""

from hrd_cases.audit.log import AuditProblem, Outcome, record, verify_chain

__all__ = ["AuditProblem", "Outcome", "record", "verify_chain"]
