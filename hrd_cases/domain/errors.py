"""Domain errors raised by services; ``hrd_cases.http.errors`` alone gives them an HTTP status.

Messages name rules, records and fields, never personal data: they reach logs and users.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class for errors the user can be told about."""


class NotFound(DomainError):
    """Absent, or outside the user's scope: the two are deliberately indistinguishable."""


class Forbidden(DomainError):
    """The role does not allow the step."""


class InvalidTransition(DomainError):
    """A workflow step refused by a guard; ``rule`` names the guard."""

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class ValidationFailed(DomainError):
    """Input refused field by field; ``messages`` maps each field to its messages."""

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__("validation failed")
        self.messages = messages
