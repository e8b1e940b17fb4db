"""marshmallow's own field messages in the caller's language (the API's 422 answers). The
field names (the keys) stay as they are; only the sentences change. A message with no
translation here (a schema's own wording) is returned as it is."""

from __future__ import annotations

import re

from flask_babel import LazyString
from flask_babel import gettext as _

from hrd_cases.domain.languages import DEFAULT_LANGUAGE
from hrd_cases.i18n.translate import lazy_gettext as _l

FIXED: dict[str, LazyString] = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Unknown field.": _l("Unknown field."),
    "Field may not be null.": _l("Field may not be null."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid list.": _l("Not a valid list."),
    "Not a valid UUID.": _l("Not a valid identifier."),
    "Not a valid URL.": _l("Not a valid address."),
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid value.": _l("Invalid value."),
}
_ONE_OF = re.compile(r"^Must be one of: (.*)\.$")
_LONGER = re.compile(r"^Longer than maximum length (\d+)\.$")
_SHORTER = re.compile(r"^Shorter than minimum length (\d+)\.$")


def translated_schema_message(message: str) -> str:
    from hrd_cases.i18n import current_language

    if current_language() is DEFAULT_LANGUAGE:
        return message
    fixed = FIXED.get(message)
    if fixed is not None:
        return str(fixed)
    if one_of := _ONE_OF.match(message):
        return str(_("Must be one of: %(values)s.", values=one_of.group(1)))
    if longer := _LONGER.match(message):
        return str(_("Longer than the maximum length, %(limit)s.", limit=longer.group(1)))
    if shorter := _SHORTER.match(message):
        return str(_("Shorter than the minimum length, %(limit)s.", limit=shorter.group(1)))
    return message
