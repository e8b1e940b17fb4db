"""Every user-facing string of notifications, in one place, translated into the reader's
language when shown (lazy strings; the worker renders each e-mail under its recipient's
language).

Placeholders are filled with a case reference, a duration or a date: nothing else exists to
put in them (see hrd_cases.models.notification).
"""

from __future__ import annotations

from flask_babel import LazyString, ngettext

from hrd_cases.i18n.translate import lazy_gettext as _l

PRODUCT = "hrd_cases"

# What waits, per event and subject: one whole sentence each (never "{subject} was approved"
# built from parts: words agree with the subject's gender in other languages).
HEADLINES: dict[tuple[str, str], LazyString] = {
    ("awaiting_decision", "referral"): _l("Referral %(reference)s awaits your decision"),
    ("awaiting_decision", "statement"): _l("Statement %(reference)s awaits your decision"),
    ("awaiting_decision", ""): _l("Item %(reference)s awaits your decision"),
    ("approved", "referral"): _l("Referral %(reference)s was approved"),
    ("approved", "statement"): _l("Statement %(reference)s was approved"),
    ("approved", ""): _l("Item %(reference)s was approved"),
    ("rejected", "referral"): _l("Referral %(reference)s was rejected"),
    ("rejected", "statement"): _l("Statement %(reference)s was rejected"),
    ("rejected", ""): _l("Item %(reference)s was rejected"),
    ("returned", "referral"): _l("Referral %(reference)s was returned to you for revision"),
    ("returned", "statement"): _l("Statement %(reference)s was returned to you for revision"),
    ("returned", ""): _l("Item %(reference)s was returned to you for revision"),
    ("hearing_tomorrow", ""): _l("A hearing on %(reference)s is tomorrow"),
    ("case_reassigned", ""): _l("Case %(reference)s was reassigned"),
    ("sign_in_new_origin", ""): _l("New sign-in to your account"),
    ("password_changed", ""): _l("Your password was changed"),
    ("second_factor_reset", ""): _l("Your second factor was reset"),
    ("api_token_created", ""): _l("A new API token was created for your account"),
}
DEADLINE_HEADLINES: dict[tuple[str, str], LazyString] = {
    ("deadline_warning", "referral due"): _l("The referral on %(reference)s is due soon"),
    ("deadline_warning", "referral decision"): _l(
        "The referral decision on %(reference)s is due soon"
    ),
    ("deadline_warning", "statement decision"): _l(
        "The statement decision on %(reference)s is due soon"
    ),
    ("deadline_warning", "observation report"): _l(
        "The observation report on %(reference)s is due soon"
    ),
    ("deadline_warning", ""): _l("A deadline on %(reference)s is due soon"),
    ("deadline_overdue", "referral due"): _l("The referral on %(reference)s is overdue"),
    ("deadline_overdue", "referral decision"): _l(
        "The referral decision on %(reference)s is overdue"
    ),
    ("deadline_overdue", "statement decision"): _l(
        "The statement decision on %(reference)s is overdue"
    ),
    ("deadline_overdue", "observation report"): _l(
        "The observation report on %(reference)s is overdue"
    ),
    ("deadline_overdue", ""): _l("A deadline on %(reference)s is overdue"),
}

SECURITY_ADVICE = _l(
    "If this was not you, tell your administrator at once: they can end every session and "
    "reset your second factor."
)

SINCE = _l("Waiting since")
DEADLINE = _l("Deadline")
OPEN_CASE = _l("Open the case")
DIGEST_INTRO = _l("Items since your last summary, oldest first:")
FOOTER = _l(
    "This message names a case reference only. Sign in to see the case. "
    "Change which messages you receive under Notifications > Preferences."
)
NO_NOTIFICATIONS = _l("No notifications.")
DELIVERY_LABELS = {
    "immediate": _l("Immediately"),
    "digest": _l("Daily summary at 07:00"),
    "off": _l("Off"),
}
KIND_LABELS = {
    "awaiting_decision": _l("A referral or statement awaits my decision"),
    "decided": _l("My referral or statement was decided"),
    "deadline": _l("A deadline is near or passed"),
    "hearing_tomorrow": _l("A hearing is tomorrow"),
    "case_reassigned": _l("A case was reassigned"),
    "security": _l("Account and security (always sent at once)"),
}
MARKED_READ = _l("Marked as read.")
ALL_MARKED_READ = _l("All notifications marked as read.")
PREFERENCES_SAVED = _l("Preferences saved.")


def due_in_hours(hours: int) -> str:
    return str(ngettext("due in %(num)d hour", "due in %(num)d hours", hours))


def due_in_days(days: int) -> str:
    return str(ngettext("due in %(num)d day", "due in %(num)d days", days))


def overdue_by_hours(hours: int) -> str:
    return str(ngettext("overdue by %(num)d hour", "overdue by %(num)d hours", hours))


def digest_subject(count: int) -> str:
    return str(
        ngettext("Your daily summary: %(num)d item", "Your daily summary: %(num)d items", count)
    )


def headline(
    event: str, *, reference: str | None, subject_type: str | None, deadline: str | None = None
) -> str:
    if event in ("deadline_warning", "deadline_overdue"):
        text = DEADLINE_HEADLINES.get((event, deadline or "")) or DEADLINE_HEADLINES[(event, "")]
    else:
        text = HEADLINES.get((event, subject_type or "")) or HEADLINES[(event, "")]
    return str(text) % {"reference": reference or ""}


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
