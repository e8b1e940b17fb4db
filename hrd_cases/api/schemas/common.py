"""Building blocks shared by the API schemas: strict input, safe text, countries, dates."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pycountry
from marshmallow import RAISE, Schema, ValidationError, fields, validate

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


def _encodable(value: str) -> None:
    # Lone surrogates cannot be encrypted (UTF-8) and NUL cannot be stored by PostgreSQL.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Text must be valid Unicode.") from None
    if "\x00" in value:
        raise ValidationError("Text must not contain NUL characters.")


def Text(*, max_length: int, min_length: int = 0, **kwargs: Any) -> fields.String:
    """A string with a length bound, refused if it cannot be stored or encrypted."""
    validators: list[Callable[[Any], Any]] = [
        validate.Length(min=min_length or None, max=max_length),
        _encodable,
    ]
    return fields.String(validate=validators, **kwargs)


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
