"""Sign-in messages (issue 19): after the right password, a wrong code, a reused code and too
many attempts each get their own truthful answer, the last with the wait."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.models import Role
from hrd_cases.settings import Settings
from tests.support.access import allow_new_sign_in, is_signed_in
from tests.support.app import AuthActions
from tests.support.factories import DEFAULT_PASSWORD, make_user


def test_wrong_reused_and_too_many_codes_are_told_apart(
    app: Flask, db: Session, settings: Settings
) -> None:
    user = make_user(db, Role.ANALYST)
    browser = app.test_client()
    auth = AuthActions(browser, app)
    used = auth.next_code(user.email)
    assert auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 302
    assert auth.second_factor_step(used).status_code == 302
    assert is_signed_in(browser)
    auth.logout()

    assert auth.password_step(user.email, DEFAULT_PASSWORD).status_code == 302
    reused = auth.second_factor_step(used)
    assert reused.status_code == 401
    assert "already used" in reused.get_data(as_text=True)
    wrong = auth.second_factor_step("000000" if used != "000000" else "111111")
    assert wrong.status_code == 401
    body = wrong.get_data(as_text=True)
    assert "not right" in body and "already used" not in body
    answer = None
    for _ in range(settings.login_failure_limit):
        answer = auth.second_factor_step("000000" if used != "000000" else "111111")
        if answer.status_code == 302:
            break
    assert answer is not None and answer.headers["Location"] == "/login"
    page = browser.get("/login").get_data(as_text=True)
    assert "This account is paused" in page and "Try again in 5 minutes." in page
    allow_new_sign_in(db, user)
    assert not is_signed_in(browser)
