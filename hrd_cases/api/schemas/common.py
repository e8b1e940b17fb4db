"""Building blocks shared by the API schemas: strict input, safe text, countries, dates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from rfc3986_validator import validate_rfc3986

from hrd_cases.domain.text_input import (
    DEFAULT_RULE,
    MULTILINE_PATTERN,
    SINGLE_LINE_PATTERN,
    FieldRule,
    TextKind,
    check_text,
)
from hrd_cases.domain.vocabulary import COUNTRY_CODES

# Datetimes outside this window are typing mistakes, and very far ones overflow time zones.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
CASE_REFERENCE = re.compile(r"^[A-Z]{2}-[0-9]{4}-[0-9]{1,8}$")
CASE_REFERENCE_PATTERN = CASE_REFERENCE.pattern
# HRD- and random characters (hrd_cases.records.defenders); earlier references were shorter.
DEFENDER_REFERENCE = re.compile(r"^HRD-[0-9A-Z]{4,8}(-[0-9A-Z]{4,8})?$")


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


def _ranges(chars: list[int]) -> str:
    """A regex character class body for these code points: BMP ones as \\uXXXX escapes, the
    others as literal characters (ECMA-262 has no \\U escape; both it and Python accept them)."""

    def one(code: int) -> str:
        return f"\\u{code:04X}" if code <= 0xFFFF else chr(code)

    parts, start, previous = [], None, None
    for code in chars:
        if start is None:
            start = previous = code
        elif code == previous + 1:  # type: ignore[operator]
            previous = code
        else:
            parts.append(one(start) if start == previous else f"{one(start)}-{one(previous)}")  # type: ignore[arg-type]
            start = previous = code
    if start is not None:
        parts.append(one(start) if start == previous else f"{one(start)}-{one(previous)}")  # type: ignore[arg-type]
    return "".join(parts)


# No letter or white space is assigned above this code point (Unicode 14 and 15).
_LAST_LETTER_OR_SPACE = 0x323FF


def _name_patterns() -> tuple[str, str]:
    """The name rule as patterns: a single line with a letter (str.isalpha: Unicode category
    L, as the policy counts letters); and the same or only white space (which the services
    treat as no name). About 0.1 s at import: the classes are read from the running Unicode
    database."""
    chars = list(map(chr, range(_LAST_LETTER_OR_SPACE + 1)))
    letters = [ord(c) for c in filter(str.isalpha, chars)]
    line = re.compile(SINGLE_LINE_PATTERN.replace("$", r"\Z"))  # Python's $ allows a final \n
    spaces = [ord(c) for c in filter(str.isspace, chars) if line.match(c)]
    body = SINGLE_LINE_PATTERN.removeprefix("^").removesuffix("*$")
    with_letter = f"^{body}*[{_ranges(letters)}]{body}*$"
    return with_letter, f"{with_letter}|^[{_ranges(spaces)}]*$"


# A name that must be there (a correction never removes it), and one that may be blank.
NAME_WITH_LETTER_PATTERN, NAME_PATTERN = _name_patterns()


def _non_blank(line_pattern: str) -> str:
    """``line_pattern`` (``^[^...]*$``) with at least one character that is not white space
    as str.strip counts it: what the services mean by a text that is not blank."""
    allowed = line_pattern.removeprefix("^").removesuffix("*$")
    refused = allowed.removeprefix("[^").removesuffix("]")
    spaces = [code for code in range(0x3001) if chr(code).isspace()]
    return f"^{allowed}*[^{refused}{_ranges(spaces)}]{allowed}*$"


NON_BLANK_MULTILINE_PATTERN = _non_blank(MULTILINE_PATTERN)


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
    pattern = {
        TextKind.MULTILINE: MULTILINE_PATTERN,
        TextKind.LINE: SINGLE_LINE_PATTERN,
        TextKind.NAME: NAME_PATTERN,
    }[rule.kind]
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


# An https address: an absolute RFC 3986 URI (the document's `format: uri`) with a host.
HTTPS_URI_PATTERN = "^https://[^/?#@:]"


def _https_uri(value: str) -> None:
    if not re.match(HTTPS_URI_PATTERN, value) or validate_rfc3986(value, rule="URI") is None:
        raise ValidationError("Not a valid https:// address.")


def HttpsUrl(*, max_length: int, **kwargs: Any) -> fields.String:
    """The rule the document declares (format uri, the https pattern, the length), in code."""
    return fields.String(
        validate=[validate.Length(max=max_length), _https_uri],
        metadata={"format": "uri", "pattern": HTTPS_URI_PATTERN},
        **kwargs,
    )


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


def is_case_reference(value: str) -> bool:
    return bool(CASE_REFERENCE.match(value))
