"""gettext for the pages, at a fraction of Flask-Babel's cost per string (issue 13).

Flask-Babel finds the catalogue anew for every string: three look-ups of its context on
``g`` and the locale's name rebuilt each time. A case page translates about 600 strings
(labels, form fields, sentences), so that was a tenth of its CPU. Here the request keeps
the catalogue it found for each locale it met; the locale is still asked for every string,
so ``force_locale`` (e-mails in the recipient's language) and ``refresh`` behave as before.
Outside an application context this is Flask-Babel's own (an untranslated catalogue).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from babel.support import NullTranslations
from flask import g, has_app_context
from flask_babel import LazyString
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def translations() -> NullTranslations:
    """The catalogue of the current locale (Flask-Babel's), remembered beside the locale
    Flask-Babel chose for this request (its per-request state on ``g``): a new locale object
    (``force_locale``, ``refresh``) finds its catalogue afresh."""
    state = g.get("_flask_babel") if has_app_context() else None
    locale = getattr(state, "babel_locale", None)
    if state is None or locale is None:  # no request, or its language is not chosen yet
        return flask_babel.get_translations()
    remembered = getattr(state, "hrd_catalogue", None)
    if remembered is not None and remembered[0] is locale:
        return remembered[1]
    catalogue = flask_babel.get_translations()
    state.hrd_catalogue = (locale, catalogue)
    return catalogue


def gettext(string: str, **variables: Any) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables: Any) -> str:
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def npgettext(context: str, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return translations().unpgettext(context, singular, plural, num) % variables


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Translated when shown, in the language of the request showing it."""
    return LazyString(gettext, string, **variables)


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
    """Jinja's newstyle ``_``/``gettext`` (always %-formatted, escaped on escaping pages),
    one call deep instead of three."""
    text = translations().ugettext(string)
    if not variables and "%" not in text:  # what % would give, without its cost
        return Markup(text) if eval_ctx.autoescape else text  # noqa: S704 - trusted catalogue text (as in Jinja)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 - trusted catalogue text (as in Jinja), variables escaped by %


@pass_eval_context
def _template_ngettext(
    eval_ctx: EvalContext, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 - trusted catalogue text (as in Jinja), variables escaped by %


def install_in_jinja(app: Any) -> None:
    """Templates translate through :func:`translations`: Jinja's i18n extension (added by
    Flask-Babel) gets these callables, and ``_`` calls ``gettext`` directly."""
    env = app.jinja_env
    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
