"""The export catalogue: every word an export prints, in English and French.

    tr("fr", "Cases opened")                      -> "Affaires ouvertes"
    tr("fr", "{n} cases were opened.", n="12")    -> "12 affaires ont été ouvertes."

Messages are keyed by their English text, as gettext keys them, so that issue 21's catalogues
can take them over as they are (``pybabel extract`` with ``tr`` as a keyword). A message
missing from a catalogue is an error, never English left in a French file: the tests render
every branch in French. JSON keys, codes and machine values are never translated.
"""

from __future__ import annotations

from collections.abc import Sequence

from hrd_cases.exports.labels_fr import FRENCH
from hrd_cases.exports.quarter import ExportError

ENGLISH = "en"
LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français"}
CATALOGUES: dict[str, dict[str, str]] = {"fr": FRENCH}


class UnknownLanguage(ExportError):
    """A language the export catalogue does not have; one line, like every export error."""


def check_language(language: str) -> str:
    code = (language or ENGLISH).strip().lower()
    if code not in LANGUAGES:
        shown = language if len(language) <= 8 and language.isprintable() else "the value given"
        raise UnknownLanguage(
            f"unknown export language {shown!r}: choose one of {', '.join(LANGUAGES)}"
        )
    return code


def tr(language: str, message: str, **values: object) -> str:
    """``message`` in ``language``, with ``{name}`` placeholders filled from ``values``."""
    if language != ENGLISH:
        message = CATALOGUES[language][message]
    return message.format(**values) if values else message


def number(language: str, value: int | float) -> str:
    """1,234 and 4.5 in English; 1 234 (narrow no-break space) and 4,5 in French."""
    if isinstance(value, int):
        text = f"{value:,}"
        return text.replace(",", "\u202f") if language == "fr" else text
    text = f"{value:,.1f}"
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def listing(language: str, items: Sequence[str]) -> str:
    """'a, b and c' / 'a, b et c'."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return tr(language, "{first} and {last}", first=", ".join(items[:-1]), last=items[-1])
