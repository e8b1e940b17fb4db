"""One input policy for free text, whichever face it came through (HTML form, JSON API, CLI).

The services apply it (``records.vault`` runs every encrypted field through
:func:`clean_record_fields` before sealing it), the form and schema validators call the same
:func:`check_text` so both faces give the same message, and the OpenAPI side can reuse the
constants below (``*_PATTERN`` and ``FIELD_RULES``' lengths) to declare exactly what is enforced.

The rules, in order:

1. NFC normalisation (a decomposed and a composed accent are the same stored text, so the blind
   index and decryption round-trip one form). Multi-line fields also turn CR LF and lone CR
   into LF: browsers submit text areas with CR LF.
2. Lone surrogates refused (they cannot be encoded, so they cannot be encrypted), and so is
   U+FFFD: it only appears where some layer could not decode what was sent (a form post with
   invalid UTF-8 is decoded with replacement characters), so the text is not what was typed.
3. C0 and C1 control characters (U+0000-U+001F, U+007F-U+009F) refused; multi-line fields
   accept newline and tab, nothing else.
4. Bidirectional override and isolate characters (U+202A-U+202E, U+2066-U+2069) refused in
   single-line fields: in a name, a court or a place they can make text display as something
   other than what is stored (the "Trojan Source" trick). Long texts may need them.
5. A name must contain a letter once format characters (category Cf: zero-width spaces and
   joiners, direction marks, soft hyphens) are removed: otherwise it is invisible and the
   blind index has nothing to index, so it could never be found.
6. Lengths are counted in characters (code points) after normalisation; see ``FIELD_RULES``.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


class TextKind(enum.StrEnum):
    NAME = "name"  # single line, must contain a letter
    LINE = "line"  # single line
    MULTILINE = "multiline"  # newline and tab allowed, bidi controls allowed


# Character classes, written so that the same text serves Python's ``re`` and an ECMA-262
# (JSON Schema / OpenAPI ``pattern``) regular expression.
C0_C1_CONTROLS: Final = "\\u0000-\\u001F\\u007F-\\u009F"
MULTILINE_CONTROLS: Final = "\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F"
BIDI_CONTROLS: Final = "\\u202A-\\u202E\\u2066-\\u2069"
REPLACEMENT_CHARACTER: Final = "\\uFFFD"
SURROGATES: Final = "\\uD800-\\uDFFF"

# What an OpenAPI ``pattern`` can declare. Lone surrogates cannot occur in valid JSON text
# decoded to Unicode scalar values, and NFC and the letter rule are not expressible as a
# pattern; the services enforce them. Multi-line patterns accept CR (normalised to LF).
SINGLE_LINE_PATTERN: Final = f"^[^{C0_C1_CONTROLS}{BIDI_CONTROLS}{REPLACEMENT_CHARACTER}]*$"
MULTILINE_PATTERN: Final = f"^[^{MULTILINE_CONTROLS}{REPLACEMENT_CHARACTER}]*$"
NAME_PATTERN: Final = SINGLE_LINE_PATTERN  # plus "contains a letter", checked in code

_SINGLE_LINE_REFUSED: Final = re.compile(f"[{C0_C1_CONTROLS}]")
_MULTILINE_REFUSED: Final = re.compile(f"[{MULTILINE_CONTROLS}]")
_BIDI: Final = re.compile(f"[{BIDI_CONTROLS}]")
_INVALID_UNICODE: Final = re.compile(f"[{SURROGATES}{REPLACEMENT_CHARACTER}]")

# Every user-facing message of this policy, in one place (translated later through gettext).
MESSAGE_INVALID_UNICODE: Final = (
    "Text must be valid Unicode (it contains an undecodable character)."
)
MESSAGE_CONTROL: Final = "Text must not contain control characters (such as NUL)."
MESSAGE_CONTROL_SINGLE_LINE: Final = (
    "Text must be a single line without control characters (such as NUL or a line break)."
)
MESSAGE_BIDI: Final = "Text must not contain bidirectional override or isolate characters."
MESSAGE_NO_LETTER: Final = "A name must contain at least one letter."
MESSAGE_TOO_LONG: Final = "At most {limit} characters."


@dataclass(frozen=True, slots=True)
class FieldRule:
    kind: TextKind
    max_chars: int


# Limits in characters, per stored field (table, field). docs/security.md lists them; the form
# and the API schema take their lengths from here.
FIELD_RULES: Final[Mapping[tuple[str, str], FieldRule]] = {
    ("defenders", "name"): FieldRule(TextKind.NAME, 200),
    ("defenders", "other_names"): FieldRule(TextKind.LINE, 500),
    ("defenders", "contact_details"): FieldRule(TextKind.LINE, 1000),
    ("defenders", "location"): FieldRule(TextKind.LINE, 200),
    ("defenders", "organisation"): FieldRule(TextKind.LINE, 200),
    ("defenders", "date_of_birth"): FieldRule(TextKind.LINE, 32),
    ("defenders", "personal_notes"): FieldRule(TextKind.MULTILINE, 5000),
    ("cases", "narrative"): FieldRule(TextKind.MULTILINE, 20_000),
    ("cases", "closure_reason"): FieldRule(TextKind.MULTILINE, 5000),
    ("referrals", "justification"): FieldRule(TextKind.MULTILINE, 5000),
    ("hearings", "court"): FieldRule(TextKind.LINE, 200),
    ("hearings", "charges"): FieldRule(TextKind.MULTILINE, 2000),
    ("hearings", "report"): FieldRule(TextKind.MULTILINE, 100_000),
    ("hearings", "change_reason"): FieldRule(TextKind.MULTILINE, 2000),
    ("referral_decisions", "reason"): FieldRule(TextKind.MULTILINE, 2000),
    ("statement_decisions", "reason"): FieldRule(TextKind.MULTILINE, 2000),
    ("consents", "notes"): FieldRule(TextKind.MULTILINE, 2000),
    ("statements", "draft"): FieldRule(TextKind.MULTILINE, 20_000),
    ("case_notes", "text"): FieldRule(TextKind.MULTILINE, 5000),
    # An earlier version holds what one of the fields above held: the longest of them.
    ("field_versions", "value"): FieldRule(TextKind.MULTILINE, 20_000),
    ("users", "totp_secret"): FieldRule(TextKind.LINE, 200),
    # What a revised quarterly release changed: one line, in the release's audit and file.
    ("quarterly_releases", "reason"): FieldRule(TextKind.LINE, 500),
}
# A search term is a name: same rule as the defender's name.
SEARCH_NAME_RULE: Final = FIELD_RULES[("defenders", "name")]
# Fields not listed (a future one) get the strictest multi-line rule rather than none.
DEFAULT_RULE: Final = FieldRule(TextKind.MULTILINE, 100_000)


class TextRejected(ValueError):
    """A text refused by the policy; ``message`` is safe to show (it never quotes the text)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def rule_for(table: str, field: str) -> FieldRule:
    return FIELD_RULES.get((table, field), DEFAULT_RULE)


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(char).startswith("L") for char in text)


def clean_text(value: str, rule: FieldRule) -> str:
    """The normalised text to store, or TextRejected saying which rule it breaks."""
    if not isinstance(value, str):
        raise TypeError("text must be a str")
    # Refuse undecodable text before normalising: NFC of a lone surrogate is undefined.
    if _INVALID_UNICODE.search(value):
        raise TextRejected(MESSAGE_INVALID_UNICODE)
    multiline = rule.kind is TextKind.MULTILINE
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if _MULTILINE_REFUSED.search(value):
            raise TextRejected(MESSAGE_CONTROL)
    else:
        if _SINGLE_LINE_REFUSED.search(value):
            raise TextRejected(MESSAGE_CONTROL_SINGLE_LINE)
        if _BIDI.search(value):
            raise TextRejected(MESSAGE_BIDI)
    value = unicodedata.normalize("NFC", value)
    if rule.kind is TextKind.NAME and value.strip() and not _has_letter(value):
        # Format characters (Cf) are not letters, so a zero-width-only name fails here.
        raise TextRejected(MESSAGE_NO_LETTER)
    if len(value) > rule.max_chars:
        raise TextRejected(MESSAGE_TOO_LONG.format(limit=rule.max_chars))
    return value


def check_text(value: str, rule: FieldRule) -> str | None:
    """The refusal message for ``value``, or None: what form and schema validators show."""
    try:
        clean_text(value, rule)
    except TextRejected as exc:
        return exc.message
    return None


def clean_record_fields(table: str, values: Mapping[str, str | None]) -> dict[str, str | None]:
    """Clean every text of one record; TextRejected names the first field refused."""
    cleaned: dict[str, str | None] = {}
    for field, value in values.items():
        if value is None:
            cleaned[field] = None
            continue
        try:
            cleaned[field] = clean_text(value, rule_for(table, field))
        except TextRejected as exc:
            raise TextRejected(exc.message, field) from None
    return cleaned
