"""User-facing text of the identity pages in one place, ready for gettext later."""

from __future__ import annotations

SIGN_IN_EXPIRED = "Your sign-in attempt has expired. Start again."
KEY_NOT_ACCEPTED = (
    "That security key was not accepted for this account. Try another key, or use a code."
)
KEY_NOT_REGISTERED = "The security key could not be registered. Try again."
KEY_REGISTERED = "Security key registered."
KEY_REMOVED = "Security key removed."
TOTP_REMOVED = "Authenticator app removed. Sign in with your security key from now on."
LAST_FACTOR = (
    "This is your last way to prove it is you (or your role requires a security key): "
    "register another one first."
)
