"""The app-level test helpers: signing in through the real forms, emptying every table."""

from __future__ import annotations

import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select

from hrd_cases.audit.log import ensure_chain_head
from hrd_cases.auth.totp import current_step
from hrd_cases.current import current_session
from hrd_cases.db import Base
from hrd_cases.models import User
from tests.support.factories import DEFAULT_PASSWORD

TEST_SECRET_KEY = "test-secret-key-" + "x" * 32


def empty_all_tables(app: Flask) -> None:
    """Per-test isolation that also holds for threads and subprocesses that commit."""
    with app.extensions["hrd_db"].session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))
        ensure_chain_head(session)  # seeded by the migration; the log starts afresh per test
        session.commit()


class AuthActions:
    """Signs in through the real forms (password, then TOTP), CSRF tokens included."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self._client = client
        self._app = app

    def csrf_token(self, path: str = "/login") -> str:
        page = self._client.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def password_step(self, email: str, password: str):
        return self._client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": self.csrf_token()},
        )

    def next_code(self, email: str) -> str:
        """A valid TOTP code the server has not seen yet (replays are refused)."""
        with self._app.app_context():
            session = current_session()
            user = session.scalar(select(User).where(User.email == email.lower()))
            assert user is not None and user.has_second_factor
            secret = self._app.extensions["hrd_vault"].open_field(user, "totp_secret")
            step = max(current_step(), (user.totp_last_step or 0) + 1)
        return pyotp.TOTP(secret).at(step * 30)

    def second_factor_step(self, code: str):
        return self._client.post(
            "/login/verify", data={"code": code, "csrf_token": self.csrf_token("/login/verify")}
        )

    def login(self, email: str, password: str = DEFAULT_PASSWORD):
        first = self.password_step(email, password)
        if first.status_code != 302 or "/login/verify" not in first.headers["Location"]:
            return first
        return self.second_factor_step(self.next_code(email))

    def logout(self):
        return self._client.post("/logout", data={"csrf_token": self.csrf_token("/")})
