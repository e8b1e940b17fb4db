"""Choosing the language (issue 21, item 3): the account's preference, then the switcher's
cookie, then Accept-Language; <html lang dir> follows, Arabic is right to left. The switcher
is a plain form (no JavaScript), refuses to redirect off-site and is CSRF-checked; the API
offers the same choice through the same service."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.i18n import LANGUAGE_COOKIE
from hrd_cases.models import AuditEntry, Role
from tests.support.access import fresh, reload_user, sign_in
from tests.support.api import Api, data_of, token_for
from tests.support.app import AuthActions
from tests.support.factories import make_user

HTML_TAG = re.compile(r"<html lang=\"(\w+)\" dir=\"(\w+)\">")


def html_lang_dir(page: str) -> tuple[str, str]:
    found = HTML_TAG.search(page)
    assert found, page[:200]
    return found.group(1), found.group(2)


def test_before_sign_in_the_browser_decides(client: FlaskClient) -> None:
    cases = {
        "fr-FR,fr;q=0.9,en;q=0.5": ("fr", "ltr", "Aller au contenu principal"),
        "es": ("es", "ltr", "Ir al contenido principal"),
        "pt-PT,pt": ("pt", "ltr", "Ir para o conteúdo principal"),
        "ar-EG,ar;q=0.9": ("ar", "rtl", "الانتقال إلى المحتوى الرئيسي"),
        "de-DE,de;q=0.9": ("en", "ltr", "Skip to main content"),
        "": ("en", "ltr", "Skip to main content"),
    }
    for header, (language, direction, skip_link) in cases.items():
        page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
        assert html_lang_dir(page) == (language, direction), header
        assert skip_link in page, header


def test_the_switcher_is_a_form_in_every_footer(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    footer = page[page.index("<footer") :]
    assert 'action="/language"' in footer and 'method="post"' in footer
    for code, name in (("fr", "Français"), ("ar", "العربية"), ("en", "English")):
        assert f'value="{code}" lang="{code}"' in footer
        assert name in footer
    assert "<script" not in page


def test_the_switcher_sets_a_cookie_before_sign_in(app: Flask, client: FlaskClient) -> None:
    token = AuthActions(client, app).csrf_token("/login")
    response = client.post(
        "/language",
        data={"language": "ar", "next": "/login", "csrf_token": token},
        headers={"Accept-Language": "fr"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    cookie = client.get_cookie(LANGUAGE_COOKIE)
    assert cookie is not None and cookie.value == "ar"
    assert cookie.http_only and cookie.same_site == "Lax"
    # The cookie wins over the browser's header.
    page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert html_lang_dir(page) == ("ar", "rtl")


def test_the_switcher_refuses_other_sites_and_unknown_languages(
    app: Flask, client: FlaskClient
) -> None:
    token = AuthActions(client, app).csrf_token("/login")
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "login"):
        response = client.post(
            "/language", data={"language": "fr", "next": target, "csrf_token": token}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == "/", target
    client.delete_cookie(LANGUAGE_COOKIE)
    response = client.post(
        "/language", data={"language": "xx", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 302 and client.get_cookie(LANGUAGE_COOKIE) is None


def test_the_switcher_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/language", data={"language": "fr", "next": "/login"})
    assert response.status_code == 400
    assert client.get_cookie(LANGUAGE_COOKIE) is None


def test_signed_in_the_preference_wins_and_the_switcher_sets_it(
    app: Flask, db: Session
) -> None:
    user = make_user(db, Role.FOCAL_POINT, preferred_language="pt")
    browser = sign_in(app, user.email)
    page = browser.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert html_lang_dir(page) == ("pt", "ltr")
    assert "Terminar sessão" in page and "ponto focal" in page

    token = AuthActions(browser, app).csrf_token("/")
    browser.post("/language", data={"language": "ar", "next": "/", "csrf_token": token})
    assert reload_user(db, user.id).preferred_language == "ar"
    actions = fresh(db).scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == user.id)
    ).all()
    assert "account.language.change" in actions
    # The preference follows the account into a browser that never chose anything.
    other = sign_in(app, user.email)
    other.delete_cookie(LANGUAGE_COOKIE)
    page = other.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang_dir(page) == ("ar", "rtl")


def test_the_account_page_sets_and_clears_the_preference(app: Flask, db: Session) -> None:
    user = make_user(db, Role.ANALYST)
    browser = sign_in(app, user.email)
    page = browser.get("/account/language").get_data(as_text=True)
    assert 'value="browser" checked' in page
    token = AuthActions(browser, app).csrf_token("/account/language")
    response = browser.post(
        "/account/language", data={"language": "fr", "csrf_token": token}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Langue enregistrée." in page  # the confirmation is already in French
    assert 'value="fr" checked' in page
    assert reload_user(db, user.id).preferred_language == "fr"

    browser.post("/account/language", data={"language": "xx", "csrf_token": token})
    assert reload_user(db, user.id).preferred_language == "fr"
    browser.post("/account/language", data={"language": "browser", "csrf_token": token})
    assert reload_user(db, user.id).preferred_language is None
    browser.delete_cookie(LANGUAGE_COOKIE)
    page = browser.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang_dir(page) == ("es", "ltr")


def test_the_api_offers_the_same_choice(app: Flask, db: Session) -> None:
    user = make_user(db, Role.PROTECTION_OFFICER, countries=("KE",))
    api = Api(app.test_client(), token_for(db, user))
    assert data_of(api.get("/me/language")) == {"language": None}
    assert data_of(api.call("PUT", "/me/language", {"language": "es"})) == {"language": "es"}
    assert reload_user(db, user.id).preferred_language == "es"
    assert api.call("PUT", "/me/language", {"language": "de"}).status_code == 422
    assert api.call("PUT", "/me/language", {"language": "es", "x": 1}).status_code == 422
    assert api.call("PUT", "/me/language", {}).status_code == 422
    assert data_of(api.call("PUT", "/me/language", {"language": None})) == {"language": None}
    assert Api(app.test_client(), None).get("/me/language").status_code == 401
    browser = sign_in(app, user.email)
    assert data_of(api.call("PUT", "/me/language", {"language": "ar"})) == {"language": "ar"}
    assert html_lang_dir(browser.get("/").get_data(as_text=True)) == ("ar", "rtl")
