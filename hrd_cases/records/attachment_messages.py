"""Every user-facing sentence about evidence files, in one place, translated into the
reader's language when shown (outside a request they stay English).

A refusal carries a key; the web page and the API both show ``message(key)``. None of these
sentences ever includes a file name, a title or any byte of the content. Placeholders are
``{name}`` (str.format): translations keep them as they are.
"""

from __future__ import annotations

from typing import Final

from flask_babel import gettext


def N_(text: str) -> str:
    return text


MESSAGES: Final = {
    "empty": N_("The file is empty."),
    "too_large": N_("The file is larger than the {file_limit} limit for one file."),
    "case_full": N_("This file would take the case's files over their {case_limit} limit."),
    "type": (
        N_(
            "This kind of file is not accepted. Accepted: PDF, JPEG, PNG, WebP, plain text, DOCX, "
            "XLSX, ODT, MP3, M4A, OGG and MP4."
        )
    ),
    "markup": N_("This file holds web-page or script markup, which is not accepted."),
    "malware": N_("The file was refused: it matches a known malware signature."),
    "damaged": N_("The file could not be read: it looks damaged."),
    "no_file": N_("Choose a file to upload."),
    "title": N_("Give the file a short title (at most 200 characters)."),
    "category": N_("Choose a category."),
    "link": N_("Choose what the file belongs to."),
    "form": N_("The upload form was incomplete; please try again."),
    "csrf": N_("The form expired; please reload the page and try again."),
    "tampered": (
        N_("This file failed its integrity check and was not sent. The failure has been logged.")
    ),
    "erased": N_("This file's content was erased and can no longer be opened."),
    "added": N_("File added."),
    "removed": N_("File removed."),
    "nothing_removed": N_("No hidden details were found in the file."),
    "removed_metadata": N_("{what} removed."),
}

# What metadata removal reports, in the order they are listed to the user.
FINDINGS: Final = {
    "location": N_("location"),
    "camera": N_("camera details"),
    "author": N_("author and document details"),
    "other": N_("other hidden metadata"),
}


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def message(key: str, **values: object) -> str:
    return str(gettext(MESSAGES[key])).format(**values)


def removal_summary(found: tuple[str, ...]) -> str:
    """ "location and camera details removed", or that nothing was found."""
    words = [str(gettext(FINDINGS[key])) for key in FINDINGS if key in found]
    if not words:
        return message("nothing_removed")
    last_and = str(gettext("{first} and {last}"))
    joined = (
        words[0]
        if len(words) == 1
        else last_and.format(first=", ".join(words[:-1]), last=words[-1])
    )
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
