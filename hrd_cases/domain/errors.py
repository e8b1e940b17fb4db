"""Domain errors raised by services; ``hrd_cases.http.errors`` alone gives them an HTTP status.

Messages name rules, records and fields, never personal data: they reach logs and users.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """Base class for errors the user can be told about."""


class NotFound(DomainError):
    """Absent, or outside the user's scope: the two are deliberately indistinguishable."""


class Forbidden(DomainError):
    """The role does not allow the step."""


class InvalidTransition(DomainError):
    """A workflow step refused by a guard; ``rule`` names the guard.

    ``fields`` maps the input field a refusal concerns (its API name) to the refusal in
    words a person uses, so that both faces can put it beside that field.
    """

    def __init__(self, message: str, *, rule: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.fields: dict[str, str] = dict(fields or {})


class ValidationFailed(DomainError):
    """Input refused field by field; ``messages`` maps each field to its messages."""

    def __init__(self, messages: dict[str, list[str]]) -> None:
        super().__init__("validation failed")
        self.messages = messages


class FieldConflict(ValidationFailed):
    """Well-formed input refused by what is stored (an e-mail or a code already taken, a
    delegation that does not exist): a page shows it beside the field like any refusal, the
    API answers 409 with ``rule``, since the same request may succeed another time."""

    def __init__(self, messages: dict[str, list[str]], *, rule: str) -> None:
        super().__init__(messages)
        self.rule = rule
