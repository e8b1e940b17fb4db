"""Argon2id password hashing with parameters from settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hrd_cases.auth.password_policy import MAX_PASSWORD_LENGTH, password_problems
from hrd_cases.settings import Settings

__all__ = ["MAX_PASSWORD_LENGTH", "make_hasher", "password_problems", "verify_password"]


def make_hasher(settings: Settings) -> PasswordHasher:
    return PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_cost_kib,
        parallelism=settings.argon2_parallelism,
    )


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    # Over-long input is refused before Argon2 sees it (hashing cost grows with length).
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
