"""TOTP: the window is exactly ±1 step, and no code is accepted twice or out of order."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hrd_cases.auth import totp
from hrd_cases.auth.totp import (
    InvalidTotpSecretError,
    current_step,
    new_totp_secret,
    provisioning_uri,
    verify_totp,
)

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits
# Middle of a step, so "now" is unambiguous whichever way the implementation rounds.
NOW = 1_700_000_000 - (1_700_000_000 % 30) + 15.0
STEP = int(NOW // 30)


def code_for(step: int, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).generate_otp(step)


# RFC 6238 appendix B (SHA-1), truncated to 6 digits: an oracle independent of pyotp.
RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_rfc_6238_test_vectors_are_accepted_at_their_step(unix_time: int, code: str) -> None:
    assert verify_totp(RFC_SECRET, code, last_used_step=None, now=unix_time) == unix_time // 30


def test_current_code_is_accepted_and_its_step_returned() -> None:
    assert verify_totp(SECRET, code_for(STEP), last_used_step=None, now=NOW) == STEP


def test_same_code_again_is_refused_as_a_replay() -> None:
    used = verify_totp(SECRET, code_for(STEP), last_used_step=None, now=NOW)
    assert used == STEP
    assert verify_totp(SECRET, code_for(STEP), last_used_step=used, now=NOW) is None
    assert verify_totp(SECRET, code_for(STEP), last_used_step=used, now=NOW + 20) is None


def test_previous_step_code_is_accepted_once_when_last_use_is_older() -> None:
    used = verify_totp(SECRET, code_for(STEP - 1), last_used_step=STEP - 5, now=NOW)
    assert used == STEP - 1
    assert verify_totp(SECRET, code_for(STEP - 1), last_used_step=used, now=NOW) is None


def test_code_two_steps_old_is_refused() -> None:
    assert verify_totp(SECRET, code_for(STEP - 2), last_used_step=None, now=NOW) is None


def test_code_two_steps_in_the_future_is_refused() -> None:
    assert verify_totp(SECRET, code_for(STEP + 2), last_used_step=None, now=NOW) is None


def test_next_step_code_is_accepted_for_clock_drift() -> None:
    assert verify_totp(SECRET, code_for(STEP + 1), last_used_step=None, now=NOW) == STEP + 1


def test_older_code_is_refused_after_a_newer_one_was_used() -> None:
    newer = verify_totp(SECRET, code_for(STEP + 1), last_used_step=None, now=NOW)
    assert newer == STEP + 1
    assert verify_totp(SECRET, code_for(STEP), last_used_step=newer, now=NOW) is None
    assert verify_totp(SECRET, code_for(STEP), last_used_step=STEP + 1, now=NOW + 30) is None


def test_window_zero_accepts_only_the_current_step() -> None:
    assert verify_totp(SECRET, code_for(STEP), last_used_step=None, now=NOW, window=0) == STEP
    assert verify_totp(SECRET, code_for(STEP - 1), last_used_step=None, now=NOW, window=0) is None


def test_negative_window_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        verify_totp(SECRET, code_for(STEP), last_used_step=None, now=NOW, window=-1)


@given(
    now=st.floats(min_value=1e9, max_value=4e9, allow_nan=False),
    offset=st.integers(min_value=-3, max_value=3),
    last_used_offset=st.none() | st.integers(min_value=-4, max_value=4),
)
def test_accepted_exactly_within_window_and_after_last_use(
    now: float, offset: int, last_used_offset: int | None
) -> None:
    step = current_step(now) + offset
    last_used = None if last_used_offset is None else current_step(now) + last_used_offset
    result = verify_totp(SECRET, code_for(step), last_used_step=last_used, now=now)
    should_accept = abs(offset) <= 1 and (last_used is None or step > last_used)
    if should_accept:
        # Normally exactly `step`; a later step only if the code also coincides with it.
        assert result is not None and step <= result <= current_step(now) + 1
    else:
        # A refused code may still coincide with another step's code (1 in 10**6); it must
        # then never be a step at or before the last use, nor outside the window.
        assert result is None or (
            abs(result - current_step(now)) <= 1 and (last_used is None or result > last_used)
        )


def test_when_one_code_matches_two_steps_the_later_step_is_burned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Otherwise the same code could be replayed for the later step.
    monkeypatch.setattr(pyotp.TOTP, "generate_otp", lambda self, step: "123456")
    assert verify_totp(SECRET, "123456", last_used_step=None, now=NOW) == STEP + 1
    assert verify_totp(SECRET, "123456", last_used_step=STEP + 1, now=NOW) is None


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "12345",
        "1234567",
        "abcdef",
        "12345a",
        "12-34-56",
        "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic digits
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width digits
        "1" * 10_000,
    ],
)
def test_malformed_codes_are_refused(malformed: str) -> None:
    assert verify_totp(SECRET, malformed, last_used_step=None, now=NOW) is None


def test_non_string_code_is_refused() -> None:
    assert verify_totp(SECRET, 123456, last_used_step=None, now=NOW) is None


@pytest.mark.parametrize(
    "spacing", ["{a}{b} {c}{d} {e}{f}", "{a}{b}{c} {d}{e}{f}", " {a}{b}{c}{d}{e}{f}\n"]
)
def test_spaced_codes_are_accepted(spacing: str) -> None:
    digits = dict(zip("abcdef", code_for(STEP), strict=True))
    assert verify_totp(SECRET, spacing.format(**digits), last_used_step=None, now=NOW) == STEP


def test_wrong_code_is_refused() -> None:
    wrong = f"{(int(code_for(STEP)) + 1) % 1_000_000:06d}"
    assert verify_totp(SECRET, wrong, last_used_step=None, now=NOW) is None


@pytest.mark.parametrize(
    "bad_secret",
    [
        "not base32 at all!",
        "JBSWY3DPEHPK3PXP",
        "JBSWY3DPEHPK3PXPJBSWY3DP",
        "",
        "JBSWY3DPEHPK3PX1" * 2,
    ],
)
def test_unusable_secret_raises_without_revealing_it(bad_secret: str) -> None:
    with pytest.raises(InvalidTotpSecretError) as raised:
        verify_totp(bad_secret, "123456", last_used_step=None, now=NOW)
    if bad_secret:
        assert bad_secret not in str(raised.value)
        assert bad_secret not in repr(raised.value)
    with pytest.raises(InvalidTotpSecretError):
        provisioning_uri(bad_secret, "a@example.org")


def test_new_secrets_are_160_bit_base32_and_distinct() -> None:
    secrets_made = {new_totp_secret() for _ in range(50)}
    assert len(secrets_made) == 50
    for secret in secrets_made:
        assert len(secret) == 32
        assert len(base64.b32decode(secret)) == 20
        assert verify_totp(secret, code_for(STEP, secret), last_used_step=None, now=NOW) == STEP


def test_provisioning_uri_names_issuer_and_account() -> None:
    uri = provisioning_uri(SECRET, "maria+hrd@example.org")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    assert unquote(parts.path) == "/hrd_cases:maria+hrd@example.org"
    query = parse_qs(parts.query)
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["hrd_cases"]
    assert pyotp.parse_uri(uri).now() == pyotp.TOTP(SECRET).now()


def test_current_step_boundaries() -> None:
    assert current_step(0) == 0
    assert current_step(29.999) == 0
    assert current_step(30) == 1
    assert current_step(59) == 1
    assert abs(current_step() - current_step(time.time())) <= 1


def test_step_length_is_thirty_seconds() -> None:
    assert totp.TIME_STEP_SECONDS == 30
