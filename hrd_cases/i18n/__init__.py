"""Languages (issue 21): Flask-Babel bound to the app, and which language a request gets.

The order: the signed-in user's (or API token owner's) preferred language; otherwise the
language cookie the footer's switcher sets; otherwise the browser's ``Accept-Language``;
otherwise English. Pages get ``current_language`` and ``text_direction`` for ``<html lang
dir>``. Catalogues are compiled at start-up when their ``.mo`` is missing or older than the
``.po`` (``hrd-cases i18n compile`` does it at install).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from hrd_cases.domain.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGE_CODES,
    NATIVE_NAMES,
    Language,
    is_right_to_left,
    language_or_none,
)
from hrd_cases.i18n.catalogues import TRANSLATIONS_DIR, compile_catalogues
from hrd_cases.i18n.translate import install_in_jinja

LANGUAGE_COOKIE = "hrd_language"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


def register_i18n(app: Flask) -> None:
    try:
        compile_catalogues(TRANSLATIONS_DIR, only_stale=True)
    except OSError as error:
        raise RuntimeError(
            f"the translation catalogues in {TRANSLATIONS_DIR} are not compiled and cannot be "
            f"written ({error.strerror}): run `hrd-cases i18n compile` at install"
        ) from error
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE.value
    babel.init_app(app, locale_selector=select_language, timezone_selector=select_time_zone)
    install_in_jinja(app)
    app.context_processor(_language_context)
    from hrd_cases.i18n.labels import VOCABULARY, role_label, vocabulary_label

    app.add_template_global(role_label, "role_label")
    app.add_template_global(vocabulary_label, "label")
    app.jinja_env.globals["vocabulary"] = frozenset(VOCABULARY)
    # Dates, numbers and money per the page's locale (Babel), times in the delegation's zone.
    for name in ("format_decimal", "format_currency"):
        app.add_template_global(getattr(flask_babel, name), name)
    from hrd_cases.i18n.formatting import date_label, moment_label

    app.add_template_global(date_label, "date_label")
    app.add_template_global(moment_label, "moment_label")


def select_language() -> str:
    if not has_request_context():
        return DEFAULT_LANGUAGE.value  # the worker and the CLI choose per recipient
    user = _acting_user()
    if user is not None:
        chosen = language_or_none(user.preferred_language)
        if chosen is not None:
            return chosen.value
    from_cookie = language_or_none(request.cookies.get(LANGUAGE_COOKIE))
    if from_cookie is not None:
        return from_cookie.value
    best = request.accept_languages.best_match(LANGUAGE_CODES, default=DEFAULT_LANGUAGE.value)
    return str(best)


def select_time_zone() -> str | None:
    """The acting user's delegation's zone; others see UTC (a screen about one case shows
    times in that case's delegation's zone explicitly)."""
    if not has_request_context():
        return None
    user = _acting_user()
    if user is not None and user.delegation is not None:
        return str(user.delegation.time_zone)
    return None


def _acting_user() -> Any:
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    if current_user and current_user.is_authenticated:
        return current_user
    return None


def current_language() -> Language:
    locale = get_locale()
    return language_or_none(locale.language if locale else None) or DEFAULT_LANGUAGE


def _language_context() -> dict[str, object]:
    language = current_language()
    return {
        "current_language": language.value,
        "text_direction": "rtl" if is_right_to_left(language.value) else "ltr",
        "interface_languages": [(code.value, NATIVE_NAMES[code]) for code in Language],
    }
