"""Rules for choosing a new password, in the spirit of NIST SP 800-63B.

Length and a block-list of known-common passwords matter; composition rules ("one symbol, one
digit") do not, so there are none. Messages are written to appear beside the password field.

common_passwords.txt is plain text, one lower-case entry per line, all at least 12 characters
(shorter ones are refused by length anyway): well-known leaked passwords and keyboard walks,
plus patterns generated once (common words + digits, years or symbols; season or month + year).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# Shorter fragments of a name or address ("li", "ana") would refuse far too many passphrases.
MIN_PERSONAL_FRAGMENT_LENGTH = 4

TOO_SHORT_MESSAGE = f"Use at least {MIN_PASSWORD_LENGTH} characters."
TOO_LONG_MESSAGE = f"Use at most {MAX_PASSWORD_LENGTH} characters."
COMMONLY_USED_MESSAGE = (
    "This password is on a list of commonly used passwords that attackers try first. "
    "Choose another."
)
CONTAINS_EMAIL_MESSAGE = "Do not use your email address, or part of it, in your password."
CONTAINS_NAME_MESSAGE = "Do not use your name in your password."
SINGLE_REPEATED_CHARACTER_MESSAGE = "Do not use one character repeated."

_COMMON_PASSWORDS_RESOURCE = "common_passwords.txt"
_EMAIL_LOCAL_PART_SEPARATORS = re.compile(r"[._+\-]+")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped block-list, lower case; read once, from the installed package's data."""
    text = (
        resources.files(__package__ or "hrd_cases.auth")
        .joinpath(_COMMON_PASSWORDS_RESOURCE)
        .read_text(encoding="utf-8")
    )
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problems(
    password: str, *, email: str | None = None, display_name: str | None = None
) -> list[str]:
    """Why a proposed new password is refused; an empty list means it is acceptable.

    Length above the maximum is checked first and returned alone, so an attacker cannot make
    the server case-fold or scan megabytes of input.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return [TOO_LONG_MESSAGE]
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(TOO_SHORT_MESSAGE)
    folded = password.casefold()
    blocklist = common_passwords()
    if folded in blocklist or folded.strip() in blocklist:
        problems.append(COMMONLY_USED_MESSAGE)
    if email and _contains_any(folded, _email_fragments(email)):
        problems.append(CONTAINS_EMAIL_MESSAGE)
    if display_name and _contains_any(folded, _name_fragments(display_name)):
        problems.append(CONTAINS_NAME_MESSAGE)
    if len(set(password)) == 1:
        problems.append(SINGLE_REPEATED_CHARACTER_MESSAGE)
    return problems


def _email_fragments(email: str) -> set[str]:
    """The local part, and its dot/underscore/plus/hyphen-separated pieces ("maria", "lopez")."""
    local_part = email.strip().rsplit("@", 1)[0].casefold()
    return {local_part, *_EMAIL_LOCAL_PART_SEPARATORS.split(local_part)}


def _name_fragments(display_name: str) -> set[str]:
    """The whole name with spaces removed ("marialopez"), and each word of it."""
    words = display_name.casefold().split()
    return {"".join(words), *words}


def _contains_any(folded_password: str, fragments: set[str]) -> bool:
    return any(
        fragment in folded_password
        for fragment in fragments
        if len(fragment) >= MIN_PERSONAL_FRAGMENT_LENGTH
    )
