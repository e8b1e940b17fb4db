"""User-facing text of the identity pages in one place, translated when shown (lazy)."""

from __future__ import annotations

from hrd_cases.i18n.translate import lazy_gettext as _l

SIGN_IN_EXPIRED = _l("Your sign-in attempt has expired. Start again.")
KEY_NOT_ACCEPTED = _l(
    "That security key was not accepted for this account. Try another key, or use a code."
)
KEY_NOT_REGISTERED = _l("The security key could not be registered. Try again.")
KEY_REGISTERED = _l("Security key registered.")
KEY_REMOVED = _l("Security key removed.")
TOTP_REMOVED = _l("Authenticator app removed. Sign in with your security key from now on.")
LAST_FACTOR = _l(
    "This is your last way to prove it is you (or your role requires a security key): "
    "register another one first."
)

OIDC_UNKNOWN_IDENTITY = _l(
    "Your organisation confirmed who you are, but there is no account for you here. Ask an "
    "administrator to create or invite your account, then try again."
)
OIDC_FAILED = _l(
    "The answer from your organisation's sign-in service could not be trusted or has expired. "
    "Please start again. If this keeps happening, contact your administrator."
)
OIDC_UNAVAILABLE = _l(
    "Your organisation's sign-in service cannot be reached just now. Try again in a few minutes."
)
LOCAL_SIGN_IN_DISABLED = _l(
    "Your account signs in through your organisation: use the button below."
)
TOKEN_IN_USE = _l(
    "This request uses that token: revoke it from your account page or with another token."
)
