"""Helpers for the account-administration tests: driving the admin pages through their real
forms (confirmation step included) and following a single-use link to a signed-in browser."""

from __future__ import annotations

import re

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.support.app import AuthActions

_LINK = re.compile(r'value="(https?://[^"]+/account/link/(hrdlnk_[A-Za-z0-9_-]+))"')
_SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
NEW_PASSWORD = "plum orchard lantern 1987 river"


def csrf(browser: FlaskClient, path: str) -> str:
    return AuthActions(browser, browser.application).csrf_token(path)


def invite(browser: FlaskClient, **fields: str) -> TestResponse:
    data = {"email": "new.officer@example.org", "display_name": "New Officer", **fields}
    data["csrf_token"] = csrf(browser, "/admin/accounts/invite")
    return browser.post("/admin/accounts/invite", data=data)


def link_token(response: TestResponse) -> str:
    """The token of the link a result page shows once."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    match = _LINK.search(response.get_data(as_text=True))
    assert match, "no single-use link on the page"
    return match.group(2)


def confirm_change(browser: FlaskClient, user_id: int, change: str) -> TestResponse:
    """The two steps of an account change: the confirmation page, then its form."""
    path = f"/admin/accounts/{user_id}/{change}"
    page = browser.get(path)
    assert page.status_code == 200, page.status_code
    return browser.post(path, data={"csrf_token": csrf(browser, path)})


def change_scope(
    browser: FlaskClient, user_id: int, *, confirmed: bool = True, **fields: str
) -> TestResponse:
    path = f"/admin/accounts/{user_id}/scope"
    data = {"delegation": "", "countries": "", **fields}
    data["csrf_token"] = csrf(browser, f"/admin/accounts/{user_id}")
    first = browser.post(path, data=data)
    if not confirmed or first.status_code != 200:
        return first
    return browser.post(path, data={**data, "confirmed": "yes"})


def set_password_by_link(
    browser: FlaskClient, token: str, password: str = NEW_PASSWORD
) -> TestResponse:
    path = f"/account/link/{token}"
    return browser.post(
        path,
        data={
            "password": password,
            "confirm_password": password,
            "csrf_token": csrf(browser, "/login"),  # also there when the link is refused
        },
    )


def enrol_in(browser: FlaskClient) -> str:
    """Finish enrolment on /login/enrol with a code from the shown key; returns the secret."""
    page = browser.get("/login/enrol")
    assert page.status_code == 200, page.status_code
    match = _SECRET.search(page.get_data(as_text=True))
    assert match
    secret = match.group(1).replace(" ", "")
    done = browser.post(
        "/login/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf(browser, "/login/enrol")},
    )
    assert done.status_code == 200 and "recovery" in done.get_data(as_text=True).lower()
    return secret


def new_browser(app: Flask) -> FlaskClient:
    return app.test_client()
