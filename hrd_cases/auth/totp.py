"""RFC 6238 time-based one-time passwords with replay protection.

Pure functions: the caller stores the secret and the last accepted time step. A code is accepted
at most once, and never for a step at or before the last accepted one, so a code seen over a
shoulder or captured by a phishing proxy cannot be used a second time.
"""

from __future__ import annotations

import hmac
import time

import pyotp

TIME_STEP_SECONDS = 30
CODE_DIGITS = 6
DEFAULT_ISSUER = "hrd_cases"
# 32 base32 characters = 160 bits, the key length RFC 4226 recommends for HMAC-SHA1.
SECRET_BASE32_LENGTH = 32
# RFC 4226 section 4: the shared secret MUST be at least 128 bits.
MIN_SECRET_BYTES = 16
# Anything longer cannot be a six-digit code, however spaced; refuse it before any work.
_MAX_CODE_INPUT_LENGTH = 32


class InvalidTotpSecretError(ValueError):
    """The stored secret is unusable. The message never contains the secret itself."""

    def __init__(self) -> None:
        super().__init__(
            f"TOTP secret must be base32 encoding at least {MIN_SECRET_BYTES * 8} bits"
        )


def new_totp_secret() -> str:
    """A fresh 160-bit base32 secret from the OS's CSPRNG, one per enrolment."""
    return pyotp.random_base32(length=SECRET_BASE32_LENGTH)


def current_step(now: float | None = None) -> int:
    """The RFC 6238 time step (30-second window) containing `now` (Unix time, default: now)."""
    moment = time.time() if now is None else now
    return int(moment // TIME_STEP_SECONDS)


def provisioning_uri(secret: str, account_email: str, issuer: str = DEFAULT_ISSUER) -> str:
    """The otpauth:// URI an authenticator app reads from the enrolment QR code.

    It contains the secret, so it must only ever be shown to the enrolling user, never logged.
    """
    return _totp_for(secret).provisioning_uri(name=account_email, issuer_name=issuer)


def normalise_totp_code(code: str) -> str | None:
    """The six ASCII digits the user meant, or None when the input cannot be a code.

    Whitespace is dropped because apps display codes as "123 456"; non-ASCII digits (e.g.
    Arabic-Indic) are refused because `str.isdigit` alone would let them through.
    """
    if not isinstance(code, str) or len(code) > _MAX_CODE_INPUT_LENGTH:
        return None
    compact = "".join(code.split())
    if len(compact) != CODE_DIGITS or not (compact.isascii() and compact.isdigit()):
        return None
    return compact


def verify_totp(
    secret: str,
    code: str,
    *,
    last_used_step: int | None,
    now: float | None = None,
    window: int = 1,
) -> int | None:
    """The time step the code belongs to, or None if it is wrong, stale or a replay.

    Steps from current-window to current+window are tried (±30 s of clock drift by default);
    any step at or before `last_used_step` is refused, so each code works once and an older
    code cannot follow a newer one. The caller must store the returned step as the new
    `last_used_step` in the same transaction that lets the user in.
    """
    if window < 0:
        raise ValueError("window must not be negative")
    totp = _totp_for(secret)
    candidate = normalise_totp_code(code)
    if candidate is None:
        return None
    candidate_bytes = candidate.encode("ascii")
    centre = current_step(now)
    matched_step: int | None = None
    # Every step in the window is computed and compared (no early exit), and the LATEST
    # matching step wins: if one code happened to be valid for two steps, storing the later
    # one makes sure the same code cannot be replayed for that later step.
    for step in range(centre - window, centre + window + 1):
        if step < 0:
            continue
        expected = totp.generate_otp(step).encode("ascii")
        code_matches = hmac.compare_digest(expected, candidate_bytes)
        is_fresh = last_used_step is None or step > last_used_step
        if code_matches and is_fresh:
            matched_step = step
    return matched_step


def _totp_for(secret: str) -> pyotp.TOTP:
    """A pyotp TOTP for a validated secret; errors are re-raised without the secret's text."""
    try:
        totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=TIME_STEP_SECONDS)
        key_length = len(totp.byte_secret())
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        raise InvalidTotpSecretError from None
    if key_length < MIN_SECRET_BYTES:
        raise InvalidTotpSecretError
    return totp
