"""The JSON envelope of every API answer, and the one mapping from failures to it.

``{"data": ..., "errors": {field: [messages]} | null, "meta": {...}}``. Error messages are
fixed texts, field names, or domain messages (which name rules, never personal data): nothing
a caller typed is echoed back, not even the name of an unknown field unless it looks like one.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)

from hrd_cases.crypto import ErasedError
from hrd_cases.domain.errors import DomainError, InvalidTransition, ValidationFailed

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
# Case payloads are small; a large body is a mistake or an attack, refused before parsing.
MAX_BODY_BYTES = 256 * 1024
MESSAGE = "message"  # the errors key of a message that concerns no single field

MESSAGES: dict[int, str] = {
    400: "The request could not be understood: is the body valid JSON?",
    401: "A valid bearer token is required.",
    403: "Your role does not allow this.",
    404: "There is nothing here, or you do not have access to it.",
    405: "This address does not accept that method.",
    409: "This step is not allowed in the current state.",
    413: f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB.",
    415: "Send the request body as application/json.",
    422: "Some fields need attention.",
    500: "Something went wrong. The error has been logged; nothing you sent was recorded.",
    503: "The service is briefly unavailable. Please retry shortly.",
}
_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")  # our fields are lower snake_case


def envelope(data: Any, *, status: int = 200, meta: Mapping[str, Any] | None = None) -> Response:
    response = jsonify({"data": data, "errors": None, "meta": dict(meta or {})})
    response.status_code = status
    return response


def error_envelope(
    status: int,
    errors: Mapping[str, list[str]] | None = None,
    *,
    meta: Mapping[str, Any] | None = None,
) -> Response:
    body = dict(errors or {MESSAGE: [MESSAGES.get(status, MESSAGES[500])]})
    response = jsonify({"data": None, "errors": body, "meta": dict(meta or {})})
    response.status_code = status
    return response


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error tree as ``{"defender.name": [...], "threats.0": [...]}``.

    Keys the caller invented (unknown fields) are echoed only when they look like field
    names: a key could be a name someone typed in the wrong place.
    """
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            key_text = str(key)
            if key_text == "_schema":  # about the object itself, not one of its fields
                path = prefix or MESSAGE
            else:
                if not isinstance(key, int) and not _FIELD_NAME.match(key_text):
                    key_text = "(unknown field)"
                path = f"{prefix}.{key_text}" if prefix else key_text
            for flat_key, texts in flatten_errors(value, path).items():
                flat.setdefault(flat_key, []).extend(texts)
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or MESSAGE: list(messages)}
    if isinstance(messages, list):
        for index, item in enumerate(messages):
            flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or MESSAGE: [str(messages)]}


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


# Failures --------------------------------------------------------------------------------------
def register_error_handlers(bp: Blueprint) -> None:
    bp.before_request(_limit_body_size)
    bp.register_error_handler(ValidationError, _validation_error)
    bp.register_error_handler(DomainError, _domain_error)
    bp.register_error_handler(ErasedError, _erased)
    bp.register_error_handler(HTTPException, _http_error)
    bp.register_error_handler(OperationalError, _database_down)
    bp.register_error_handler(Exception, _unexpected)
    # Routing failures (no such path, wrong method) happen before any blueprint is chosen:
    # they reach app-level handlers only, so the API claims them for its own prefix.
    bp.record_once(lambda state: _claim_routing_errors(state.app))


def _limit_body_size() -> None:
    request.max_content_length = MAX_BODY_BYTES


def _claim_routing_errors(app: Flask) -> None:
    for code in (404, 405):
        app.register_error_handler(code, _routing_error)


def _routing_error(exc: HTTPException):  # type: ignore[no-untyped-def]
    if request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/"):
        return _http_error(exc)
    from hrd_cases.web.errors import _handle_http  # the HTML pages keep their own answer

    return _handle_http(exc)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = MESSAGES.get(status, "The request could not be handled.")
    response = error_envelope(status, {MESSAGE: [message]})
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def _validation_error(exc: ValidationError) -> Response:
    return error_envelope(422, flatten_errors(exc.messages))


def _domain_error(exc: DomainError) -> Response:
    if isinstance(exc, ValidationFailed):
        return error_envelope(422, flatten_errors(exc.messages))
    if isinstance(exc, InvalidTransition):
        # Domain messages name rules and states, never personal data (hrd_cases.domain.errors).
        return error_envelope(409, {MESSAGE: [str(exc)]}, meta={"rule": exc.rule})
    # 403 and 404 carry a fixed text: "absent" and "out of scope" must read the same.
    return error_envelope(exc.status_code if exc.status_code in MESSAGES else 400)


def _erased(exc: ErasedError) -> Response:
    # Crypto-shredded content cannot be written under a destroyed key: a refused step.
    return error_envelope(
        409,
        {MESSAGE: ["This record's personal data was erased; its content cannot change."]},
        meta={"rule": "record.erased"},
    )


def _database_down(exc: OperationalError) -> Response:
    log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else "unknown")
    return error_envelope(503)


def _unexpected(exc: Exception) -> Response:
    # Type and stack only (code lines, no values): the message may quote decrypted content.
    log.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.endpoint,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return error_envelope(500)
