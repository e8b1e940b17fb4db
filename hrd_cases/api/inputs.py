"""Input of the API: the request body and query validated by a schema, its size limited.
Answers and failures go through ``hrd_cases.http.errors`` (the one envelope and mapping)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from marshmallow import Schema
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType

from hrd_cases.http.errors import MAX_BODY_BYTES


# Input -----------------------------------------------------------------------------------------
def json_body(schema: Schema) -> dict[str, Any]:
    """The request's JSON object, validated by ``schema`` (unknown fields refused)."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    if not request.is_json:
        if request.content_length or request.mimetype:
            raise UnsupportedMediaType()
        payload: Any = {}  # no body at all: the schema decides what is missing
    else:
        try:
            payload = request.get_json()  # malformed JSON: BadRequest, answered 400 below
        except RecursionError:
            # "[[[[...]]]]" nested deeper than the parser's stack: malformed for our purposes.
            raise BadRequest() from None
    return schema.load(payload)


def no_body() -> None:
    """Steps that take no input accept no body, or an empty JSON object."""
    if request.content_length or request.mimetype:
        json_body(Schema())


def query_args(schema: Schema) -> dict[str, Any]:
    """Query parameters validated like a body: unknown ones refused, each given once."""
    raw: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        raw[key] = values if len(values) > 1 else values[0]
    return schema.load(raw)


def register_body_limit(bp: Blueprint) -> None:
    bp.before_request(_limit_body_size)


def _limit_body_size() -> None:
    request.max_content_length = MAX_BODY_BYTES
