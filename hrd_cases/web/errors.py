"""The error page. Which status a failure gets is decided once, in ``hrd_cases.http.errors``;
this draws the HTML face of it, with a fixed message per status and never the exception text,
which could hold something a user typed."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask.globals import request_ctx
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from hrd_cases.http import errors as http_errors
from hrd_cases.http.errors import N_

MESSAGES: dict[int, tuple[str, str]] = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    401: (N_("Sign-in required"), N_("Please sign in to continue.")),
    403: (N_("Not allowed"), N_("Your role does not allow this.")),
    404: (N_("Not found"), N_("There is nothing here, or you do not have access to it.")),
    405: (N_("Method not allowed"), N_("This address does not accept that kind of request.")),
    409: (N_("Step refused"), N_("This step is not allowed in the current state.")),
    413: (N_("Too large"), N_("The request is too large.")),
    422: (N_("Invalid input"), N_("Some fields need attention.")),
    429: (N_("Too many requests"), N_("Too many attempts. Please wait a minute and try again.")),
    500: (
        N_("Something went wrong"),
        N_("The error has been logged. Nothing you typed was shown."),
    ),
    503: (
        N_("Temporarily unavailable"),
        N_("The service is briefly unavailable. Please retry shortly."),
    ),
}


def register_error_handlers(app: Flask) -> None:
    http_errors.register_error_handlers(app, render_error_page)


def render_error_page(failure: http_errors.Failure) -> ResponseReturnValue:
    if failure.status == 503 and "_login_user" not in g:
        # The page template asks for current_user; loading it would query the database
        # that just failed, turning this 503 into a bare 500.
        from hrd_cases.extensions import login_manager

        g._login_user = login_manager.anonymous_user()
    english_title, english_message = MESSAGES.get(failure.status, MESSAGES[500])
    title, message = gettext(english_title), gettext(english_message)
    if request_ctx.url_adapter is None:
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page with links.
        plain = {"Content-Type": "text/plain; charset=utf-8"}
        return f"{title}. {message}", failure.status, {**dict(failure.headers), **plain}
    page = render_template(
        "errors/error.html", code=failure.status, title=title, message=failure.detail or message
    )
    return page, failure.status, dict(failure.headers)
