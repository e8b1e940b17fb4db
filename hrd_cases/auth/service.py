"""Signing in: the one place that checks a password against an account."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth.passwords import verify_password
from hrd_cases.models import User

# Verified when the email is unknown so that a miss costs as much time as a hit.
_DUMMY_HASH_INPUT = "timing-equaliser-not-a-password"


def authenticate(
    session: Session, hasher: PasswordHasher, email: str, password: str
) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        verify_password(hasher, _dummy_hash(hasher), password)
        return None
    if not verify_password(hasher, user.password_hash, password):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
        session.commit()
    return user


@lru_cache(maxsize=8)
def _dummy_hash_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return PasswordHasher(time_cost, memory_cost, parallelism).hash(_DUMMY_HASH_INPUT)


def _dummy_hash(hasher: PasswordHasher) -> str:
    return _dummy_hash_for(hasher.time_cost, hasher.memory_cost, hasher.parallelism)


def load_user(session: Session, user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    user = session.get(User, int(user_id))
    return user if user is not None and user.is_active else None
