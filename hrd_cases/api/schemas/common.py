"""Building blocks shared by the API schemas: strict input, safe text, countries, dates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pycountry
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hrd_cases.domain.text_input import DEFAULT_RULE, FieldRule, TextKind, check_text

# Datetimes outside this window are typing mistakes, and very far ones overflow time zones.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
CASE_REFERENCE = re.compile(r"^[A-Z]{2}-[0-9]{4}-[0-9]{1,8}$")
CASE_REFERENCE_PATTERN = CASE_REFERENCE.pattern


class StrictSchema(Schema):
    """Input: an unknown field is an error, never silently dropped."""

    class Meta:
        unknown = RAISE


class OutputSchema(Schema):
    """Output: dumped from trusted objects; documented as closed (no other property)."""

    class Meta:
        unknown = RAISE


class _Policy:
    """The input policy (``domain.text_input``) with the service's own message, so the API
    and the HTML form refuse the same text in the same words (the service checks again)."""

    def __init__(self, rule: FieldRule) -> None:
        self.rule = rule

    def __call__(self, value: str) -> None:
        problem = check_text(value, self.rule)
        if problem:
            raise ValidationError(problem)


def Text(
    *,
    max_length: int | None = None,
    min_length: int = 0,
    rule: FieldRule | None = None,
    **kwargs: Any,
) -> fields.String:
    """A string under the input policy: ``rule`` names the stored field's rule (kind and
    length in characters); without one, the strictest multi-line rule with ``max_length``."""
    rule = rule or FieldRule(TextKind.MULTILINE, max_length or DEFAULT_RULE.max_chars)
    # The policy counts the maximum in characters after NFC, with the same message as the
    # HTML form; the document still declares it as maxLength.
    validators: list[Any] = [_Policy(rule)]
    if min_length:
        validators.insert(0, validate.Length(min=min_length))
    metadata = {"maxLength": rule.max_chars, **kwargs.pop("metadata", {})}
    return fields.String(validate=validators, metadata=metadata, **kwargs)


def _country_code(value: str) -> None:
    if len(value) != 2 or not value.isupper() or pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError("Not an ISO 3166-1 alpha-2 country code (upper case, e.g. KE).")


def Country(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=[validate.Length(equal=2), _country_code],
        metadata={"pattern": "^[A-Z]{2}$", "example": "KE"},
        **kwargs,
    )


def _plausible_moment(value: dt.datetime) -> None:
    if not EARLIEST <= value < LATEST:
        raise ValidationError("Must be between 1900 and 2200.")


def When(**kwargs: Any) -> fields.AwareDateTime:
    """A timezone-aware datetime (ISO 8601 with an offset) between 1900 and 2200."""
    metadata = {"description": "ISO 8601 with a UTC offset, between 1900 and 2200"}
    metadata.update(kwargs.pop("metadata", {}))
    return fields.AwareDateTime(validate=_plausible_moment, metadata=metadata, **kwargs)


class JsonBoolean(fields.Boolean):
    """A JSON boolean, nothing else: "yes", 1 or "on" are refused, not guessed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def Flag(**kwargs: Any) -> fields.Boolean:
    return JsonBoolean(**kwargs)


class PageQuerySchema(StrictSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class PaginationSchema(OutputSchema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


def is_case_reference(value: str) -> bool:
    return bool(CASE_REFERENCE.match(value))
