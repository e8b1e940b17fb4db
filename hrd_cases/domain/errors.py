"""Domain errors raised by services and mapped to responses in one place (``web.errors``).

Messages name rules, records and fields, never personal data: they reach logs and users.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class for errors the user can be told about."""

    status_code = 400


class NotFound(DomainError):
    """Absent, or outside the user's scope: the two are deliberately indistinguishable."""

    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class InvalidTransition(DomainError):
    """A workflow step refused by a guard; ``rule`` names the guard."""

    status_code = 409

    def __init__(self, message: str, *, rule: str) -> None:
        super().__init__(message)
        self.rule = rule


class ValidationFailed(DomainError):
    status_code = 422

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__("validation failed")
        self.messages = messages
