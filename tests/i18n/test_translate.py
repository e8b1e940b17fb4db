"""The pages' quicker gettext (hrd_cases.i18n.translate, issue 13) gives what Flask-Babel gives:
in the request's language, in the language ``force_locale`` picks (e-mails in the recipient's
language), back in the request's afterwards, in Python, lazily and in templates."""

from __future__ import annotations

import flask_babel
from flask import Flask, render_template_string
from flask_babel import force_locale

from hrd_cases.i18n import translate
from hrd_cases.i18n.translate import lazy_gettext

REASON = {"en": "Reason", "fr": "Motif"}


def _said() -> tuple[str, str, str, str]:
    """The same message through Flask-Babel, this module, a lazy string and a template."""
    return (
        flask_babel.gettext("Reason"),
        translate.gettext("Reason"),
        str(lazy_gettext("Reason")),
        render_template_string('{{ _("Reason") }}'),
    )


def test_the_request_language_then_a_forced_one_then_the_request_language_again(
    app: Flask,
) -> None:
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert _said() == (REASON["fr"],) * 4
        with force_locale("en"):
            assert _said() == (REASON["en"],) * 4
        assert _said() == (REASON["fr"],) * 4
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert _said() == (REASON["en"],) * 4  # nothing carried over from the last request


def test_template_strings_keep_jinja_newstyle_formatting(app: Flask) -> None:
    with app.test_request_context("/"):
        rendered = render_template_string(
            '{{ _("%(name)s, version %(version)s", name="<b>", version=2) }}|{{ _("100%%") }}'
        )
    assert rendered == "&lt;b&gt;, version 2|100%"  # variables escaped, %% as one %


def test_outside_a_request_the_message_is_untranslated() -> None:
    assert translate.gettext("Reason") == "Reason"
    assert str(lazy_gettext("Reason")) == "Reason"
