"""User-facing sentences of the account pages, in one place to be reviewed for what they
reveal; lazy strings, translated into the reader's language when shown."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from hrd_cases.i18n.translate import lazy_gettext as _l

LINK_NOT_USABLE = _l(
    "This link cannot be used: it has been used already, has expired or was replaced by a "
    "newer one. Ask an administrator for a new link."
)
LINK_DONE_ENROL = _l("Password set. Now add the second factor to finish.")
LINK_DONE_VERIFY = _l("Password set. Confirm with your second factor to sign in.")

ADMIN_INVITED = _l("Invitation created. Give the person this link; it is shown only once.")
ADMIN_LINK_ISSUED = _l("Link created. Give the person this link; it is shown only once.")
# Lazy (translated when shown): flash them as str(...), a session cannot hold a lazy string.
ADMIN_INVITED_BY_EMAIL = _l(
    "Invitation created and queued for e-mail to the address given. Nobody sees the link: "
    "only its holder can use it."
)
ADMIN_LINK_EMAILED = {
    "reset-second-factor": _l(
        "Second factor reset; sessions, recovery codes and API tokens ended. A new enrolment "
        "link is on its way to the account's e-mail address."
    ),
    "reset-password": _l("A password-reset link is on its way to the account's e-mail address."),
}
DELEGATION_CREATED = _l("Delegation added.")
DELEGATION_SAVED = _l("Delegation saved.")
ADMIN_DONE = {
    "disable": _l("Account disabled; its sessions and pending links have ended."),
    "enable": _l("Account enabled."),
    "reset-second-factor": _l(
        "Second factor reset; sessions, recovery codes and API tokens ended."
    ),
    "end-sessions": _l("Every session of this account has ended."),
    "reset-password": _l("Password-reset link created."),
    "scope": _l("Role and scope changed; the account's sessions have ended."),
}
ADMIN_CONFIRM = {
    "disable": _l("Disable this account? It is signed out everywhere at once."),
    "enable": _l("Enable this account again?"),
    "reset-second-factor": (
        _l(
            "Reset this account's second factor? Its sessions, recovery codes and API tokens end, "
            "and a new enrolment link is created."
        )
    ),
    "end-sessions": _l("Sign this account out of every browser now?"),
    "reset-password": (
        _l(
            "Create a password-reset link for this account? It is valid for a short time and still "
            "needs the account's second factor."
        )
    ),
    "scope": _l("Change this account's role and scope as below? It is signed out everywhere."),
}
ADMIN_REFUSED = {
    "user.own_role": _l("You cannot change your own role or scope; ask another admin."),
    "user.own_account": _l("You cannot disable your own account; ask another admin."),
    "user.last_admin": _l(
        "This is the last active admin: the change would leave nobody to administer the system."
    ),
}

RESET_REQUESTED = _l(
    "If an account uses this address, its administrator has been told. This installation "
    "does not send e-mail: ask your administrator for a reset link. A link works once, "
    "for 30 minutes, and signing in still needs your second factor."
)
RESET_REQUESTED_BY_EMAIL = _l(
    "If an account uses this address, a reset link is on its way to it. The link works once, "
    "for 30 minutes, and signing in still needs your second factor. Nothing arrived? Check "
    "the address, or ask your administrator."
)
REVOKED_NOTICE = _l("Token revoked: it no longer opens the API.")

SIGN_IN_FAILED = _l(
    "Sign-in failed. Check your email and password. After several failed attempts an account "
    "is paused for a few minutes."
)
CODE_WRONG = _l("That code is not right. Check the time on your phone and try the current code.")
CODE_REUSED = _l("That code was already used. Codes work once: wait for the next one.")


def paused(minutes: int) -> str:
    """Said only to someone who gave the right password: the account exists and is paused."""
    return str(
        ngettext(
            "This account is paused after too many failed attempts. Try again in %(num)d minute.",
            "This account is paused after too many failed attempts. Try again in %(num)d minutes.",
            minutes,
        )
    )


# Confirmation pages of consequential case steps (issue 16): what will happen, said plainly.
# Called at request time, so gettext translates into the reader's language.
def confirm_grant(
    amount_eur: str, mechanism: str, assistance: list[str], approval: int, needed: int
) -> tuple[str, str, list[str]]:
    lines = [
        _("You approve a grant of EUR %(amount)s from the %(mechanism)s.")
        % {"amount": amount_eur, "mechanism": mechanism},
        _("Assistance: %(types)s.")
        % {"types": ", ".join(str(a) for a in assistance) or _("none listed")},
        _("Yours is approval %(approval)d of the %(needed)d needed.")
        % {"approval": approval, "needed": needed},
    ]
    if approval >= needed:
        lines.append(_("With it, the referral is approved."))
    return _("Approve this grant?"), _("Yes, approve this grant"), lines


def confirm_withdraw_referral(mechanism: str) -> tuple[str, str, list[str]]:
    return (
        _("Withdraw this referral?"),
        _("Yes, withdraw this referral"),
        [
            _("The referral to the %(mechanism)s will be withdrawn.") % {"mechanism": mechanism},
            _("Officers will no longer be asked to decide on it."),
            _("This cannot be undone: to ask again, request a new referral."),
        ],
    )


def confirm_revoke(
    given_on: str, scopes: list[str], relying: list[str]
) -> tuple[str, str, list[str]]:
    lines = [
        _("The consent given on %(date)s for %(scopes)s will be revoked at once.")
        % {"date": given_on, "scopes": ", ".join(str(s) for s in scopes)},
        _("No statement relying on it can be submitted or published afterwards."),
    ]
    if relying:
        lines.append(
            _("Statements in progress that rely on it: %(levels)s.")
            % {"levels": ", ".join(str(r) for r in relying)}
        )
    lines.append(_("This cannot be undone: a new consent would have to be recorded."))
    return _("Revoke this consent?"), _("Yes, revoke this consent"), lines


def confirm_withdraw_statement(level: str, state: str) -> tuple[str, str, list[str]]:
    return (
        _("Withdraw this statement?"),
        _("Yes, withdraw this statement"),
        [
            _("The %(level)s (now %(state)s) will be withdrawn.")
            % {"level": level, "state": state},
            _("It can no longer be submitted, approved or published."),
            _("This cannot be undone: to speak out later, draft a new statement."),
        ],
    )


def confirm_close(
    reference: str, outcome: str | None, *, open_items: int
) -> tuple[str, str, list[str]]:
    lines = [
        _("Case %(reference)s will be closed with the outcome %(outcome)s.")
        % {"reference": reference, "outcome": outcome}
        if outcome
        else _("Case %(reference)s will be closed without an outcome.") % {"reference": reference},
        _("Its deadlines stop, and nothing can be added to it until it is reopened."),
    ]
    if open_items:
        lines.append(
            ngettext(
                "%(num)d referral, hearing or statement still in progress stays as it is.",
                "%(num)d referrals, hearings or statements still in progress stay as they are.",
                open_items,
            )
        )
    return _("Close this case?"), _("Yes, close this case"), lines


def confirm_erase(
    defender_reference: str, with_case_content: bool, explained: str
) -> tuple[str, str, list[str]]:
    return (
        _("Erase this defender's personal data?"),
        _("Yes, erase for good"),
        [
            _("The personal data of %(reference)s (name, contacts, notes) will be destroyed.")
            % {"reference": defender_reference},
            _("The case's narrative, reports and drafts will be destroyed too.")
            if with_case_content
            else _("The case's narrative, reports and drafts are kept."),
            explained,
            _("This cannot be undone."),
        ],
    )
