"""One mapping from failures to responses, one JSON envelope, one unexpected-error logger.

``{"data": ..., "errors": {field: [messages]} | null, "meta": {...}}``. Error messages are
fixed texts, field names, or domain messages (which name rules, never personal data): nothing
a caller typed is echoed back, not even the name of an unknown field unless it looks like one.
The exception text of anything else is never shown or logged: it could quote decrypted content
or SQL parameters.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, gettext
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from hrd_cases.crypto import ErasedError, TamperedRelation
from hrd_cases.domain.errors import (
    DomainError,
    FieldConflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from hrd_cases.i18n.refusals import refusal_text
from hrd_cases.i18n.schema_messages import translated_schema_message

log = logging.getLogger(__name__)

API_PATH_PREFIX = "/api/"
MESSAGE = "message"  # the errors key of a message that concerns no single field
# Case payloads are small; a large body is a mistake or an attack, refused before parsing.
MAX_BODY_BYTES = 256 * 1024


def N_(message: str) -> str:
    """Marks a message for the catalogues; it is translated where it is shown (the API
    document keeps the English)."""
    return message


JSON_MESSAGES: dict[int, str] = {
    400: N_("The request could not be understood: is the body valid JSON?"),
    401: N_("A valid bearer token is required."),
    403: N_("Your role does not allow this."),
    404: N_("There is nothing here, or you do not have access to it."),
    405: N_("This address does not accept that method."),
    409: N_("This step is not allowed in the current state."),
    413: N_("The request body is larger than %(size)d KiB."),
    415: N_("Send the request body as application/json."),
    422: N_("Some fields need attention."),
    429: N_("Too many requests. Please wait a minute and try again."),
    500: N_("Something went wrong. The error has been logged; nothing you sent was recorded."),
    503: N_("The service is briefly unavailable. Please retry shortly."),
}
ERASED_MESSAGE = N_("This record's personal data was erased; its content cannot change.")


def json_message(status: int, *, translated: bool = True) -> str:
    """The API's human-readable message for a status: in the caller's language in an answer,
    in English in the API document. Machine-readable codes never change."""
    text = JSON_MESSAGES.get(status, JSON_MESSAGES[500])
    values = {"size": MAX_BODY_BYTES // 1024}
    return gettext(text, **values) if translated else text % values


_FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")  # our fields are lower snake_case

# Domain errors carry no HTTP code; this is where they get one. 403 and 404 carry a fixed
# text: "absent" and "out of scope" must read the same.
_DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, 404),
    (Forbidden, 403),
    (InvalidTransition, 409),
    (ValidationFailed, 422),
)


@dataclass(frozen=True, slots=True)
class Failure:
    """What a failure becomes, before a face (JSON or HTML page) formats it."""

    status: int
    fields: Mapping[str, list[str]] | None = None
    detail: str | None = None  # a text safe to show: a domain rule, never user input
    meta: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


# The envelope --------------------------------------------------------------------------------
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
    body = dict(errors or {MESSAGE: [json_message(status)]})
    response = jsonify({"data": None, "errors": body, "meta": dict(meta or {})})
    response.status_code = status
    return response


def _is_text(message: object) -> bool:
    """A message: a string, or a lazily translated one (Flask-Babel's LazyString)."""
    return isinstance(message, str | LazyString)


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
    if isinstance(messages, list) and all(_is_text(m) for m in messages):
        return {prefix or MESSAGE: [str(m) for m in messages]}
    if isinstance(messages, list):
        for index, item in enumerate(messages):
            flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or MESSAGE: [str(messages)]}


def json_failure(failure: Failure) -> Response:
    if failure.fields:
        errors: Mapping[str, list[str]] | None = failure.fields
    elif failure.detail:
        errors = {MESSAGE: [failure.detail]}
    else:
        errors = None
    response = error_envelope(failure.status, errors, meta=failure.meta)
    response.headers.update(dict(failure.headers))
    return response


# The mapping ---------------------------------------------------------------------------------
def failure_for(exc: BaseException) -> Failure:
    """The one place that decides a failure's status and what of it may be shown."""
    if isinstance(exc, ValidationError):
        fields = flatten_errors(exc.messages)
        translated = {k: [translated_schema_message(m) for m in v] for k, v in fields.items()}
        return Failure(422, fields=translated)
    if isinstance(exc, FieldConflict):
        return Failure(409, fields=flatten_errors(exc.messages), meta={"rule": exc.rule})
    if isinstance(exc, ValidationFailed):
        return Failure(422, fields=flatten_errors(exc.messages))
    if isinstance(exc, InvalidTransition):
        # Domain messages name rules and states, never personal data (hrd_cases.domain.errors).
        # With the refusal beside the field it concerns, in words a person uses (issue 16).
        fields = {
            MESSAGE: [refusal_text(exc)],
            **{name: [text] for name, text in exc.fields.items()},
        }
        return Failure(
            409,
            fields=fields if exc.fields else None,
            detail=refusal_text(exc),
            meta={"rule": exc.rule},
        )
    if isinstance(exc, DomainError):
        return Failure(next((s for kind, s in _DOMAIN_STATUS if isinstance(exc, kind)), 400))
    if isinstance(exc, TamperedRelation):
        # A link changed outside the application: the message names references only (never
        # content) and the incident is already in the audit log.
        log.error("integrity check failed: %s", exc)
        return Failure(500, detail=str(exc), meta={"rule": "relation.integrity"})
    if isinstance(exc, ErasedError):
        # Crypto-shredded content cannot be written under a destroyed key: a refused step.
        return Failure(409, detail=gettext(ERASED_MESSAGE), meta={"rule": "record.erased"})
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        allowed = getattr(exc, "valid_methods", None)
        headers = {"Allow": ", ".join(allowed)} if status == 405 and allowed else {}
        return Failure(status, headers=headers)
    if _is_database_down(exc):
        orig = getattr(exc, "orig", None)
        log.error("database unavailable: %s", type(orig or exc).__name__)
        return Failure(503)
    log_unexpected(exc)
    return Failure(500)


def _is_database_down(exc: BaseException) -> bool:
    # A connection dropped mid-statement (any DBAPI error class) or a pool with no free
    # connection is unavailability too, not a bug: 503, so clients and balancers retry.
    if isinstance(exc, OperationalError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def log_unexpected(exc: BaseException) -> None:
    """Type and stack only (code lines, no values): the message may quote decrypted content."""
    log.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.endpoint,
        "".join(traceback.format_tb(exc.__traceback__)),
    )


def is_api_request() -> bool:
    return request.path.startswith(API_PATH_PREFIX)


PageRenderer = Callable[[Failure], ResponseReturnValue]


def register_error_handlers(app: Flask, render_page: PageRenderer) -> None:
    """Every failure, whichever blueprint (or none, for routing errors) it comes from, goes
    through :func:`failure_for`; the API's paths answer with the envelope, the rest with the
    page ``render_page`` draws (passed in, since nothing here may import the web face)."""

    def handle(exc: Exception) -> ResponseReturnValue:
        failure = failure_for(exc)
        return json_failure(failure) if is_api_request() else render_page(failure)

    for kind in (HTTPException, ValidationError, DomainError, ErasedError, DBAPIError):
        app.register_error_handler(kind, handle)
    app.register_error_handler(PoolTimeout, handle)
    app.register_error_handler(Exception, handle)
