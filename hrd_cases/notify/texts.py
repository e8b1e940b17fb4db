"""Every user-facing string of notifications, in one place so it can be translated later.

Placeholders are filled with a case reference, a duration or a date: nothing else exists to
put in them (see hrd_cases.models.notification).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PRODUCT = "hrd_cases"

# What waits, per kind and subject: "{subject}" is "Referral" or "Statement".
HEADLINES = {
    "awaiting_decision": "{subject} {reference} awaits your decision",
    "approved": "{subject} {reference} was approved",
    "rejected": "{subject} {reference} was rejected",
    "returned": "{subject} {reference} was returned to you for revision",
    "deadline_warning": "{deadline} on {reference} is due soon",
    "deadline_overdue": "{deadline} on {reference} is overdue",
    "hearing_tomorrow": "A hearing on {reference} is tomorrow",
    "case_reassigned": "Case {reference} was reassigned",
    "sign_in_new_origin": "New sign-in to your account",
    "password_changed": "Your password was changed",
    "second_factor_reset": "Your second factor was reset",
    "api_token_created": "A new API token was created for your account",
}

SUBJECT_NAMES = {"referral": "Referral", "statement": "Statement", "hearing": "Hearing"}

DEADLINE_NAMES = {
    "referral due": "The referral",
    "referral decision": "The referral decision",
    "statement decision": "The statement decision",
    "observation report": "The observation report",
}

SECURITY_ADVICE = (
    "If this was not you, tell your administrator at once: they can end every session and "
    "reset your second factor."
)

DUE_IN_HOURS = "due in {hours} h"
DUE_IN_DAYS = "due in {days} d"
OVERDUE_BY_HOURS = "overdue by {hours} h"
SINCE = "Waiting since"
DEADLINE = "Deadline"
OPEN_CASE = "Open the case"
DIGEST_SUBJECT = "Your daily summary: {count} item(s)"
DIGEST_INTRO = "Items since your last summary, oldest first:"
FOOTER = (
    "This message names a case reference only. Sign in to see the case. "
    "Change which messages you receive under Notifications > Preferences."
)
NO_NOTIFICATIONS = "No notifications."
DELIVERY_LABELS = {"immediate": "Immediately", "digest": "Daily summary at 07:00", "off": "Off"}
KIND_LABELS = {
    "awaiting_decision": "A referral or statement awaits my decision",
    "decided": "My referral or statement was decided or returned for revision",
    "deadline": "A deadline is near or passed",
    "hearing_tomorrow": "A hearing is tomorrow",
    "case_reassigned": "A case was reassigned",
    "security": "Account and security (always sent at once)",
}
MARKED_READ = "Marked as read."
ALL_MARKED_READ = "All notifications marked as read."
PREFERENCES_SAVED = "Preferences saved."


def headline(
    event: str, *, reference: str | None, subject_type: str | None, deadline: str | None = None
) -> str:
    return HEADLINES[event].format(
        reference=reference or "",
        subject=SUBJECT_NAMES.get(subject_type or "", "Item"),
        deadline=DEADLINE_NAMES.get(deadline or "", "A deadline"),
    )

# Account links (invitation, second-factor re-enrolment, password reset): the e-mail carries
# the link and nothing about any case. Lazy: translated when the worker renders the message.
LINK_SUBJECTS = {
    "invitation": _l("You are invited to hrd_cases"),
    "enrolment": _l("Set up your second factor again"),
    "password_reset": _l("Reset your password"),
}
LINK_INTROS = {
    "invitation": _l(
        "An administrator created an account for you. Open the link to choose your password "
        "and add a second factor (an authenticator app or a security key)."
    ),
    "enrolment": _l(
        "An administrator reset your second factor. Open the link to choose a password and "
        "add your second factor again."
    ),
    "password_reset": _l(
        "Someone asked to reset the password of your account. Open the link to choose a new "
        "one; signing in still needs your second factor."
    ),
}
LINK_ACTION = _l("Open the link")
LINK_VALID_UNTIL = _l("The link works once, until %(until)s.")
LINK_NOT_YOU = _l(
    "If you did not expect this message, do not open the link and tell your administrator: "
    "nothing changes unless the link is used."
)
LINK_FOOTER = _l("This message was sent by hrd_cases. It contains no information about any case.")
