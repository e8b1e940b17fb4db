"""The session cookie stays under 4,000 bytes whatever the journey (issue 15).

Browsers drop a cookie over 4 KB whole, which signs the user out; werkzeug warns above 4,093
bytes. Flask kept every flashed message in the cookie until a page showed it, so a client that
posted without rendering a page in between (the load test, a script, a bot meeting the sign-in
redirect) grew the cookie by one message per request.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from flask import Flask, flash, session
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from hrd_cases.auth.session_cookie import (
    MAX_FLASH_CHARACTERS,
    MAX_PENDING_FLASHES,
    bounded_contents,
)
from hrd_cases.models import Role
from tests.support.access import decode_session, session_cookie
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_delegation, make_user

LIMIT = 4000
INTAKE = {
    "name": "Amina Diallo",
    "location": "Kisumu",
    "narrative": "Followed after the march",
    "risk_level": "high",
    "threats": "surveillance",
}


@pytest.fixture
def no_cookie_warning() -> Iterator[None]:
    """Werkzeug's "cookie is too large" warning fails the test, wherever it is raised."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*cookie is too large.*")
        yield


class Journey:
    """A client that never follows a redirect and reads the CSRF token once (as the load test
    does), measuring its cookie after every answer."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.browser: FlaskClient = app.test_client()
        self.auth = AuthActions(self.browser, app)
        self.largest = 0
        self.csrf = ""

    def measured(self, response: TestResponse) -> TestResponse:
        self.largest = max(self.largest, len(session_cookie(self.browser) or ""))
        return response

    def get(self, path: str) -> TestResponse:
        return self.measured(self.browser.get(path))

    def post(self, path: str, data: dict[str, str]) -> TestResponse:
        self.csrf = self.csrf or self.auth.csrf_token("/")
        return self.measured(self.browser.post(path, data={**data, "csrf_token": self.csrf}))

    def contents(self) -> dict[str, object]:
        return decode_session(self.app, session_cookie(self.browser) or "")


def test_the_cookie_stays_small_through_a_full_journey(
    app: Flask, db: Session, no_cookie_warning: None
) -> None:
    kenya = make_delegation(db, code="DEL-KE", country="KE")
    focal_point = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    journey = Journey(app)

    # A bot (or a bookmark bar) meets the sign-in redirect again and again: one flash each.
    for path in ["/", "/cases", "/calendar", "/notifications", "/account/password"] * 20:
        assert journey.get(path).status_code == 302
    assert journey.largest < LIMIT
    # Wrong passwords, then the right one and a TOTP code.
    for _ in range(3):
        journey.measured(journey.auth.password_step(focal_point.email, "not the password at all"))
    password_step = journey.auth.password_step(focal_point.email, DEFAULT_PASSWORD)
    assert journey.measured(password_step).status_code == 302
    code = journey.auth.next_code(focal_point.email)
    assert journey.measured(journey.auth.second_factor_step(code)).status_code == 302
    assert "_user_id" in journey.contents()

    # Several forms, posted without ever rendering the page they redirect to.
    for _ in range(40):
        answer = journey.post("/cases/new", INTAKE)
        assert answer.status_code == 302, answer.get_data(as_text=True)
    for _ in range(10):
        journey.post("/notifications/read-all", {})
        journey.post("/notifications/preferences", {})
        journey.post("/account/calendar", {"shows_court": "y"})
    # A refused form (wrong current password) renders its page with the messages.
    journey.post(
        "/account/password",
        {"current_password": "wrong", "new_password": "a", "confirm_password": "a"},
    )
    for _ in range(30):
        journey.post("/cases/new", INTAKE)

    assert journey.largest < LIMIT, f"the session cookie reached {journey.largest} bytes"
    contents = journey.contents()
    assert "_id" not in contents  # Flask-Login's unused client fingerprint is not carried
    pending = contents.get("_flashes", [])
    assert isinstance(pending, list) and 1 <= len(pending) <= MAX_PENDING_FLASHES
    # The newest message is the one kept: the next page shows it.
    page = journey.get("/").get_data(as_text=True)
    assert "KE-2026-0070 opened." in page


def test_only_the_newest_distinct_flashes_are_kept(app: Flask) -> None:
    with app.test_request_context("/"):
        for number in range(10):
            flash(f"message {number}", "success")
        flash("message 9", "success")  # the same message twice is shown once
        flash("x" * 5000, "error")
        bounded_contents(session)
        kept = session["_flashes"]
    assert [message for _category, message in kept[:-1]] == ["message 8", "message 9"]
    assert len(kept) == MAX_PENDING_FLASHES
    assert kept[-1][0] == "error"
    assert len(kept[-1][1]) == MAX_FLASH_CHARACTERS and kept[-1][1].endswith("\u2026")
