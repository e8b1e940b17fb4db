"""Every user-facing sentence about evidence files, in one place (to be translated later).

A refusal carries a key; the web page and the API both show ``message(key)``. None of these
sentences ever includes a file name, a title or any byte of the content.
"""

from __future__ import annotations

from typing import Final

MESSAGES: Final = {
    "empty": "The file is empty.",
    "too_large": "The file is larger than the {file_limit} limit for one file.",
    "case_full": "This file would take the case's files over their {case_limit} limit.",
    "type": (
        "This kind of file is not accepted. Accepted: PDF, JPEG, PNG, WebP, plain text, DOCX, "
        "XLSX, ODT, MP3, M4A, OGG and MP4."
    ),
    "markup": "This file holds web-page or script markup, which is not accepted.",
    "malware": "The file was refused: it matches a known malware signature.",
    "damaged": "The file could not be read: it looks damaged.",
    "no_file": "Choose a file to upload.",
    "title": "Give the file a short title (at most 200 characters).",
    "category": "Choose a category.",
    "link": "Choose what the file belongs to.",
    "form": "The upload form was incomplete; please try again.",
    "csrf": "The form expired; please reload the page and try again.",
    "tampered": (
        "This file failed its integrity check and was not sent. The failure has been logged."
    ),
    "erased": "This file's content was erased and can no longer be opened.",
    "added": "File added.",
    "removed": "File removed.",
    "nothing_removed": "No hidden details were found in the file.",
    "removed_metadata": "{what} removed.",
}

# What metadata removal reports, in the order they are listed to the user.
FINDINGS: Final = {
    "location": "location",
    "camera": "camera details",
    "author": "author and document details",
    "other": "other hidden metadata",
}


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def message(key: str, **values: object) -> str:
    return MESSAGES[key].format(**values)


def removal_summary(found: tuple[str, ...]) -> str:
    """ "location and camera details removed", or that nothing was found."""
    words = [FINDINGS[key] for key in FINDINGS if key in found]
    if not words:
        return message("nothing_removed")
    joined = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return message("removed_metadata", what=joined[:1].upper() + joined[1:])


class Refusal(Exception):
    """An upload the policy refuses; ``key`` names its message in MESSAGES."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    @property
    def text(self) -> str:
        return message(self.key, **self.values)
