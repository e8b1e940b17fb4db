"""Helpers shared by the access-control tests (sign-in clients, cookies, fresh DB reads)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from hrd_cases.auth.totp import current_step
from hrd_cases.db import utcnow
from hrd_cases.models import User, UserSession
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


def fresh(db: Session) -> Session:
    """End the test session's read transaction so the next query sees what the app committed
    (SQLite in WAL mode keeps the old snapshot otherwise) and forget loaded values."""
    db.commit()
    db.expire_all()
    return db


def reload_user(db: Session, user_id: int) -> User:
    user = fresh(db).get(User, user_id)
    assert user is not None
    return user


def strip_csrf(html: str) -> str:
    """Page text without CSRF token values, which change from one request to the next."""
    return _CSRF_VALUE.sub(r"\1\2", html)


def cookie_name(app: Flask) -> str:
    return str(app.config["SESSION_COOKIE_NAME"])


def session_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(cookie_name(client.application))
    return None if cookie is None else cookie.value


def client_with_cookie(app: Flask, value: str) -> FlaskClient:
    """A brand-new browser holding a copied session cookie (a stolen or leftover cookie)."""
    other = app.test_client()
    other.set_cookie(cookie_name(app), value)
    return other


def decode_session(app: Flask, value: str) -> dict[str, Any]:
    serializer = app.session_interface.get_signing_serializer(app)
    assert serializer is not None
    return dict(serializer.loads(value))


def session_token_of(client: FlaskClient) -> str | None:
    """The server-side session token Flask-Login keeps in the signed cookie, if any."""
    value = session_cookie(client)
    if value is None:
        return None
    return decode_session(client.application, value).get("_user_id")


def sign_in(app: Flask, email: str, password: str = DEFAULT_PASSWORD) -> FlaskClient:
    """A new browser signed in through the real forms; fails the test if sign-in fails."""
    browser = app.test_client()
    response = AuthActions(browser, app).login(email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/", response.headers["Location"]
    assert browser.get("/").status_code == 200
    return browser


def is_signed_in(browser: FlaskClient) -> bool:
    response = browser.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302, response.status_code
    assert "/login" in response.headers["Location"]
    return False


def allow_new_sign_in(db: Session, user: User) -> None:
    """Forget the last used TOTP step, so a test can sign the same user in a third time
    within one 30-second step (AuthActions.next_code uses last_step + 1)."""
    fresh(db).execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.commit()


def sessions_of(db: Session, user: User) -> list[UserSession]:
    return list(
        fresh(db).scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def shift_session(db: Session, token_hash: str, **ages: timedelta) -> None:
    """Move a session's timestamps into the past: shift_session(db, h, last_seen_at=...)."""
    now = utcnow()
    values = {column: now - age for column, age in ages.items()}
    fresh(db).execute(
        update(UserSession).where(UserSession.token_hash == token_hash).values(**values)
    )
    db.commit()


def code_for_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * 30)


def wrong_code(secret: str) -> str:
    """Six digits that match no step in or near the current window."""
    centre = current_step()
    valid = {code_for_step(secret, s) for s in range(centre - 3, centre + 4)}
    return next(c for c in (f"{n:06d}" for n in range(100000, 999999, 7919)) if c not in valid)


_SAMPLE_VALUES = {"IntegerConverter": "1", "UUIDConverter": str(uuid.UUID(int=1))}


def build_url(rule: Rule, **known: str) -> str:
    """A concrete URL for ``rule``: known arguments as given, any other argument a plausible
    value for its converter (so routes added later are exercised rather than skipped)."""
    values: dict[str, str] = {}
    for argument in rule.arguments:
        if argument in known:
            values[argument] = known[argument]
        else:
            converter = type(rule._converters[argument]).__name__
            values[argument] = _SAMPLE_VALUES.get(converter, "x")
    _, url = rule.build(values, append_unknown=False) or ("", "")
    assert url, f"could not build {rule.rule}"
    return url
