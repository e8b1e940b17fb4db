"""The error page. Which status a failure gets is decided once, in ``hrd_cases.http.errors``;
this draws the HTML face of it, with a fixed message per status and never the exception text,
which could hold something a user typed."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask.typing import ResponseReturnValue

from hrd_cases.http import errors as http_errors

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
    http_errors.register_error_handlers(app, render_error_page)


def render_error_page(failure: http_errors.Failure) -> ResponseReturnValue:
    if failure.status == 503 and "_login_user" not in g:
        # The page template asks for current_user; loading it would query the database
        # that just failed, turning this 503 into a bare 500.
        from hrd_cases.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
    title, message = MESSAGES.get(failure.status, MESSAGES[500])
    page = render_template(
        "errors/error.html", code=failure.status, title=title, message=failure.detail or message
    )
    return page, failure.status, dict(failure.headers)
