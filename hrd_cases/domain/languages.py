"""The interface languages (issue 21): English, French, Spanish, Portuguese and Arabic.

Codes are BCP 47 language tags, the same strings as the catalogue directories under
``hrd_cases/translations/`` and the ``lang`` attribute of every page. English is the source
language of every message, so it is also the fallback when nothing else matches.
"""

from __future__ import annotations

import enum


class Language(enum.StrEnum):
    ENGLISH = "en"
    FRENCH = "fr"
    SPANISH = "es"
    PORTUGUESE = "pt"
    ARABIC = "ar"


DEFAULT_LANGUAGE = Language.ENGLISH
LANGUAGE_CODES: tuple[str, ...] = tuple(language.value for language in Language)
# Languages written right to left: their pages set dir="rtl" and the layout mirrors.
RIGHT_TO_LEFT: frozenset[Language] = frozenset({Language.ARABIC})
# Each language named in itself: a switcher must be readable by someone who does not read
# the current page's language. Not translated, on purpose.
NATIVE_NAMES: dict[Language, str] = {
    Language.ENGLISH: "English",
    Language.FRENCH: "Français",
    Language.SPANISH: "Español",
    Language.PORTUGUESE: "Português",
    Language.ARABIC: "العربية",
}


def language_or_none(code: str | None) -> Language | None:
    """The supported language a stored or submitted code names, or None."""
    if code is None:
        return None
    try:
        return Language(code.strip().lower())
    except ValueError:
        return None


def is_right_to_left(code: str) -> bool:
    language = language_or_none(code)
    return language is not None and language in RIGHT_TO_LEFT
