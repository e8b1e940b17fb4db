"""Markup the templates draw many times per page, written in Python (issue 13).

Each function returns exactly what the Jinja macro it replaced drew (the same characters,
whitespace included), escaped the same way: a case page calls them a few hundred times, and a
macro call or a loop step costs a template several calls of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from hrd_cases.i18n.formatting import moment_label
from hrd_cases.web.forms import option_pair

NOTHING = Markup("")


def csrf(form: Any = None) -> Markup:
    """The CSRF token as a hidden input without an id (a page holds many forms): the form's
    own token field, or the session's token for a form without fields."""
    if form:
        name, token = form.csrf_token.name, form.csrf_token.current_token
    else:
        name, token = "csrf_token", generate_csrf()
    return Markup(  # noqa: S704 - both escaped here
        f'<input type="hidden" name="{escape(name)}" value="{escape(token)}">'
    )


def refusal(refused: dict[str, str], key: str) -> Markup:
    """The case page's refusal that belongs to no single field, at the top of panel ``key``."""
    message = refused.get(key)
    if not message:
        return NOTHING
    return Markup(  # noqa: S704 - key and message escaped here
        f'<p class="field-error refusal" role="alert" id="refusal-{escape(key)}">'
        f"{escape(message)}</p>"
    )


def when(moment: datetime | None, zone: str | None = None) -> Markup:
    """A stored instant as a ``<time>`` element, labelled in ``zone`` (UTC when None)."""
    if not moment:
        return NOTHING
    return Markup(  # noqa: S704 - both parts escaped here
        f'<time datetime="{escape(moment.isoformat())}">{escape(moment_label(moment, zone))}</time>'
    )


def field_description(field: Any, hint: object) -> Markup:
    """A field's ``aria-invalid`` and ``aria-describedby`` (its hint, its error message)."""
    errors, ident = field.errors, escape(field.id)
    invalid = 'aria-invalid="true"' if errors else ""
    if not (errors or hint):
        return Markup(f"{invalid}\n")  # noqa: S704 - constant text
    hint_id = f"{ident}-hint " if hint else ""
    error_id = f"{ident}-error" if errors else ""
    return Markup(f'{invalid}\naria-describedby="{hint_id}{error_id}"')  # noqa: S704 - escaped id


def field_errors(field: Any) -> Markup:
    """A field's error messages beside it (the id its ``aria-describedby`` names)."""
    if not field.errors:
        return NOTHING
    messages = Markup(" ").join(escape(message) for message in field.errors)
    return Markup(  # noqa: S704 - id and messages escaped here
        f'<p class="field-error" id="{escape(field.id)}-error">{messages}</p>'
    )


def select_options(field: Any) -> Markup:
    """The ``<option>`` lines of the ``select`` macro (_macros.html), the chosen one marked.
    Python rather than a Jinja loop: a case page draws about 150 options, and a loop step
    costs a template several calls per option."""
    chosen = None if field.data is None else str(field.data)
    return Markup(  # noqa: S704 - every value and label is escaped here
        "".join(
            f'\n    <option value="{escape(value)}"{" selected" if value == chosen else ""}>'
            f"{escape(text)}</option>\n    "
            for value, text in map(option_pair, field.choices)
        )
    )


def checkbox_options(field: Any) -> Markup:
    """The checkboxes of the ``checkboxes`` macro (_macros.html), checked values kept."""
    name, ident, data = escape(field.name), escape(field.id), field.data
    return Markup(  # noqa: S704 - every value and label is escaped here
        "".join(
            f'\n  <label class="check"><input type="checkbox" name="{name}" '
            f'value="{escape(value)}" id="{ident}-{index}"\n    '
            f"{'checked' if data and value in data else ''}> {escape(text)}</label>\n  "
            for index, (value, text) in enumerate(map(option_pair, field.choices), start=1)
        )
    )
