"""User-facing sentences of the account pages, in one place so they can be translated later
(Flask-Babel's gettext will wrap these names) and reviewed for what they reveal."""

from __future__ import annotations

LINK_NOT_USABLE = (
    "This link cannot be used: it has been used already, has expired or was replaced by a "
    "newer one. Ask an administrator for a new link."
)
LINK_DONE_ENROL = "Password set. Now add the second factor to finish."
LINK_DONE_VERIFY = "Password set. Confirm with your second factor to sign in."

ADMIN_INVITED = "Invitation created. Give the person this link; it is shown only once."
ADMIN_LINK_ISSUED = "Link created. Give the person this link; it is shown only once."
ADMIN_DONE = {
    "disable": "Account disabled; its sessions and pending links have ended.",
    "enable": "Account enabled.",
    "reset-second-factor": "Second factor reset; sessions, recovery codes and API tokens ended.",
    "end-sessions": "Every session of this account has ended.",
    "reset-password": "Password-reset link created.",
    "scope": "Role and scope changed; the account's sessions have ended.",
}
ADMIN_CONFIRM = {
    "disable": "Disable this account? It is signed out everywhere at once.",
    "enable": "Enable this account again?",
    "reset-second-factor": (
        "Reset this account's second factor? Its sessions, recovery codes and API tokens end, "
        "and a new enrolment link is created."
    ),
    "end-sessions": "Sign this account out of every browser now?",
    "reset-password": (
        "Create a password-reset link for this account? It is valid for a short time and still "
        "needs the account's second factor."
    ),
    "scope": "Change this account's role and scope as below? It is signed out everywhere.",
}
ADMIN_REFUSED = {
    "user.own_role": "You cannot change your own role or scope; ask another admin.",
    "user.own_account": "You cannot disable your own account; ask another admin.",
    "user.last_admin": "This is the last active admin: the change would leave nobody to "
    "administer the system.",
}

RESET_REQUESTED = (
    "If an account uses this address, its administrator has been told. This installation "
    "does not send e-mail: ask your administrator for a reset link. A link works once, "
    "for 30 minutes, and signing in still needs your second factor."
)
REVOKED_NOTICE = "Token revoked: it no longer opens the API."

SIGN_IN_FAILED = (
    "Sign-in failed. Check your email and password. After several failed attempts an account "
    "is paused for a few minutes."
)
CODE_WRONG = "That code is not right. Check the time on your phone and try the current code."
CODE_REUSED = "That code was already used. Codes work once: wait for the next one."


def paused(minutes: int) -> str:
    """Said only to someone who gave the right password: the account exists and is paused."""
    return (
        f"This account is paused after too many failed attempts. Try again in {minutes} "
        f"minute{'s' if minutes != 1 else ''}."
    )


# Confirmation pages of consequential case steps (issue 16): what will happen, said plainly.
CONFIRM_GRANT_TITLE = "Approve this grant?"
CONFIRM_WITHDRAW_REFERRAL_TITLE = "Withdraw this referral?"
CONFIRM_REVOKE_TITLE = "Revoke this consent?"
CONFIRM_WITHDRAW_STATEMENT_TITLE = "Withdraw this statement?"
CONFIRM_CLOSE_TITLE = "Close this case?"
CONFIRM_ERASE_TITLE = "Erase this defender's personal data?"


def confirm_grant(
    amount_eur: int, mechanism: str, assistance: list[str], approval: int, needed: int
) -> list[str]:
    return [
        f"You approve a grant of EUR {amount_eur:,} from the {mechanism}.",
        f"Assistance: {', '.join(assistance) or 'none listed'}.",
        f"Yours is approval {approval} of the {needed} needed"
        + (": the referral will be approved." if approval >= needed else "."),
    ]


def confirm_withdraw_referral(mechanism: str) -> list[str]:
    return [
        f"The referral to the {mechanism} will be withdrawn: officers will no longer be asked "
        "to decide on it.",
        "This cannot be undone: to ask again, request a new referral.",
    ]


def confirm_revoke(given_on: str, scopes: list[str], relying: list[str]) -> list[str]:
    lines = [
        f"The consent given on {given_on} for {', '.join(scopes)} will be revoked at once.",
        "No statement relying on it can be submitted or published afterwards.",
    ]
    if relying:
        lines.append(f"Statements in progress that rely on it: {', '.join(relying)}.")
    lines.append("This cannot be undone: a new consent would have to be recorded.")
    return lines


def confirm_withdraw_statement(level: str, state: str) -> list[str]:
    return [
        f"The {level} (now {state}) will be withdrawn: it can no longer be submitted, "
        "approved or published.",
        "This cannot be undone: to speak out later, draft a new statement.",
    ]


def confirm_close(reference: str, outcome: str | None, *, open_items: int) -> list[str]:
    lines = [
        f"Case {reference} will be closed"
        + (f" with the outcome {outcome}." if outcome else " without an outcome."),
        "Its deadlines stop, and nothing can be added to it until it is reopened.",
    ]
    if open_items:
        lines.append(
            f"{open_items} referral(s), hearing(s) or statement(s) still in progress stay as "
            "they are."
        )
    return lines


def confirm_erase(defender_reference: str, with_case_content: bool, explained: str) -> list[str]:
    return [
        f"The personal data of {defender_reference} (name, contacts, notes) will be destroyed.",
        "The case's narrative, reports and drafts will be destroyed too."
        if with_case_content
        else "The case's narrative, reports and drafts are kept.",
        explained,
        "This cannot be undone.",
    ]
