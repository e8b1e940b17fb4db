"""Building blocks shared by the API schemas: strict input, safe text, countries, dates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from hrd_cases.domain.text_input import (
    DEFAULT_RULE,
    MULTILINE_PATTERN,
    SINGLE_LINE_PATTERN,
    FieldRule,
    TextKind,
    check_text,
)
from hrd_cases.vocabulary import COUNTRY_CODES

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
    # The characters the policy refuses, declared as a pattern (NFC, lone surrogates and the
    # name's letter are checked in code: a pattern cannot say them).
    pattern = MULTILINE_PATTERN if rule.kind is TextKind.MULTILINE else SINGLE_LINE_PATTERN
    metadata = {"maxLength": rule.max_chars, "pattern": pattern, **kwargs.pop("metadata", {})}
    return fields.String(validate=validators, metadata=metadata, **kwargs)


def Country(**kwargs: Any) -> fields.String:
    """An ISO 3166-1 alpha-2 code from the templates' own list, declared as an enum."""
    return fields.String(
        validate=validate.OneOf(
            COUNTRY_CODES, error="Not an ISO 3166-1 alpha-2 country code (upper case, e.g. KE)."
        ),
        metadata={"example": "KE"},
        **kwargs,
    )


# The year as written, 1900 to 2199: one rule that a pattern can declare exactly (a UTC
# bound would refuse "2199-12-31T23:00:00-05:00", which a pattern cannot foresee).
WRITTEN_YEAR_PATTERN = "^(19|2[01])[0-9]{2}-"


def _plausible_moment(value: dt.datetime) -> None:
    if not EARLIEST.year <= value.year < LATEST.year:
        raise ValidationError("Must be between 1900 and 2200.")


def When(**kwargs: Any) -> fields.AwareDateTime:
    """A timezone-aware datetime (ISO 8601 with an offset), its year from 1900 to 2199."""
    metadata = {
        "description": "ISO 8601 with a UTC offset, year 1900 to 2199",
        "pattern": WRITTEN_YEAR_PATTERN,
    }
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


class EmptySchema(StrictSchema):
    """Steps without input: no field is accepted."""


def is_case_reference(value: str) -> bool:
    return bool(CASE_REFERENCE.match(value))
