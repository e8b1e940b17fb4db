"""One mapping from failures to responses. Pages and JSON bodies carry a fixed message per
status and never the exception text, which could hold something a user typed."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from hrd_cases.errors import DomainError, InvalidTransition, ValidationFailed

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request could not be understood."),
    401: ("Sign-in required", "Please sign in to continue."),
    403: ("Not allowed", "Your role does not allow this."),
    404: ("Not found", "There is nothing here, or you do not have access to it."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    409: ("Step refused", "This step is not allowed in the current state."),
    413: ("Too large", "The request is too large."),
    422: ("Invalid input", "Some fields need attention."),
    429: ("Too many requests", "Too many attempts. Please wait a minute and try again."),
    500: ("Something went wrong", "The error has been logged. Nothing you typed was shown."),
    503: ("Temporarily unavailable", "The service is briefly unavailable. Please retry shortly."),
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(DomainError, _handle_domain)
    app.register_error_handler(OperationalError, _handle_database_down)
    # A connection dropped mid-statement (any DBAPI error class) or a pool with no free
    # connection is unavailability too, not a bug: 503, so clients and balancers retry.
    app.register_error_handler(DBAPIError, _handle_dbapi_error)
    app.register_error_handler(PoolTimeout, _handle_database_down)
    app.register_error_handler(Exception, _handle_unexpected)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(code: int, *, detail: str | None = None, fields: dict | None = None):  # type: ignore[no-untyped-def]
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        errors: dict[str, object] = {"message": detail or message}
        if fields:
            errors["fields"] = fields
        return jsonify({"data": None, "errors": errors}), code
    return render_template(
        "errors/error.html", code=code, title=title, message=detail or message
    ), code


def _handle_http(exc: HTTPException):  # type: ignore[no-untyped-def]
    code = exc.code or 500
    if isinstance(exc, SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page with links.
        title, message = MESSAGES[400]
        return f"{title}. {message}", 400, {"Content-Type": "text/plain; charset=utf-8"}
    response = error_response(code)
    if code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
        body, status = response
        return body, status, {"Allow": ", ".join(exc.valid_methods)}  # type: ignore[attr-defined]
    return response


def _handle_domain(exc: DomainError):  # type: ignore[no-untyped-def]
    if isinstance(exc, ValidationFailed):
        return error_response(422, fields=exc.messages)
    if isinstance(exc, InvalidTransition):
        # Domain messages name rules, never personal data, so they are safe to show.
        return error_response(409, detail=str(exc))
    return error_response(exc.status_code)


def _handle_database_down(exc: Exception):  # type: ignore[no-untyped-def]
    orig = getattr(exc, "orig", None)
    log.error("database unavailable: %s", type(orig or exc).__name__)
    if "_login_user" not in g:
        # The page template asks for current_user; loading it would query the database
        # that just failed, turning this 503 into a bare 500.
        from hrd_cases.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
    return error_response(503)


def _handle_dbapi_error(exc: DBAPIError):  # type: ignore[no-untyped-def]
    if exc.connection_invalidated:
        return _handle_database_down(exc)
    return _handle_unexpected(exc)


def _handle_unexpected(exc: Exception):  # type: ignore[no-untyped-def]
    # The type and the stack (code lines, no values) are logged, never the message: it may
    # quote decrypted content or SQL parameters.
    log.error(
        "unhandled %s on %s %s\n%s",
        type(exc).__name__,
        request.method,
        request.endpoint,
        "".join(traceback.format_tb(exc.__traceback__)),
    )
    return error_response(500)
