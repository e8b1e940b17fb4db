"""Choosing the interface language: the footer's switcher (every page, signed in or not, no
JavaScript: one small form whose buttons each name a language) and the account page.

Signed in, the choice is the account's preference (audited, and it follows the user to any
browser); the cookie is set as well, so the sign-in page keeps the language after sign-out.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from werkzeug.wrappers import Response

from hrd_cases.auth.accounts import set_preferred_language
from hrd_cases.current import current_session, current_settings
from hrd_cases.domain.languages import NATIVE_NAMES, Language, language_or_none
from hrd_cases.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE
from hrd_cases.models import User

bp = Blueprint("language", __name__)
FOLLOW_BROWSER = "browser"


@bp.post("/language")
def switch():
    """The footer's switcher. Public (the sign-in page has it too); CSRF-checked like every
    form. Returns to the page it was sent from, never to another site."""
    language = language_or_none(request.form.get("language"))
    back = _local_path(request.form.get("next"))
    if language is None:
        return redirect(back)
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        set_preferred_language(current_session(), user, language)
    return _with_cookie(redirect(back), language)


@bp.route("/account/language", methods=["GET", "POST"])
def account_language() -> ResponseReturnValue:
    user: User = current_user._get_current_object()
    if request.method == "POST":
        choice = request.form.get("language", "")
        language = language_or_none(choice)
        if language is None and choice != FOLLOW_BROWSER:
            flash(_("Choose one of the languages listed."), "error")
            return redirect(url_for("language.account_language"))
        set_preferred_language(current_session(), user, language)
        refresh()  # the confirmation already in the language just chosen
        flash(_("Language saved."), "success")
        response = redirect(url_for("language.account_language"))
        return _with_cookie(response, language) if language else response
    return render_template(
        "account/language.html",
        chosen=user.preferred_language or FOLLOW_BROWSER,
        follow_browser=FOLLOW_BROWSER,
        languages=[(code.value, NATIVE_NAMES[code]) for code in Language],
    )


def _with_cookie(response: Response, language: Language) -> Response:
    settings = current_settings()
    response.set_cookie(
        LANGUAGE_COOKIE,
        language.value,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        secure=settings.is_production,
        httponly=True,
        samesite="Lax",
    )
    return response


def _local_path(candidate: str | None) -> str:
    """Only a path on this site: an absolute or protocol-relative address would make the
    switcher an open redirect."""
    if (
        candidate
        and candidate.startswith("/")
        and not candidate.startswith(("//", "/\\"))
        and "\\" not in candidate
        and all(ord(c) > 31 for c in candidate)
    ):
        return candidate
    return url_for("web.home")
