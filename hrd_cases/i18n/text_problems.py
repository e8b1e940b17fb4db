"""The input policy's refusals (hrd_cases.domain.text_input) in the reader's language: the
domain layer stays free of Flask and speaks English; the faces translate here."""

from __future__ import annotations

import re

from flask_babel import LazyString, ngettext

from hrd_cases.domain import text_input
from hrd_cases.i18n.translate import lazy_gettext as _l

_TOO_LONG = re.compile(r"^At most (\d+) characters\.$")
PROBLEMS: dict[str, LazyString] = {
    text_input.MESSAGE_INVALID_UNICODE: _l(
        "Text must be valid Unicode (it contains an undecodable character)."
    ),
    text_input.MESSAGE_CONTROL: _l("Text must not contain control characters (such as NUL)."),
    text_input.MESSAGE_CONTROL_SINGLE_LINE: _l(
        "Text must be a single line without control characters (such as NUL or a line break)."
    ),
    text_input.MESSAGE_BIDI: _l(
        "Text must not contain bidirectional override or isolate characters."
    ),
    text_input.MESSAGE_NO_LETTER: _l("A name must contain at least one letter."),
}


def translated_problem(problem: str) -> str:
    """The policy's English sentence, translated (an unknown one is returned as it is)."""
    too_long = _TOO_LONG.match(problem)
    if too_long:
        limit = int(too_long.group(1))
        return str(ngettext("At most %(num)d character.", "At most %(num)d characters.", limit))
    known = PROBLEMS.get(problem)
    return str(known) if known is not None else problem
