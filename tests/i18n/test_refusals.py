"""The API's and the pages' human-readable refusals in the reader's language (issue 21): the
rule code stays the same English code, the sentence follows the caller's language; English
callers keep the workflow's detailed sentence. Generic API messages too (401 and 404)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests.support.access import sign_in
from tests.support.api import World, errors_of, rule_of
from tests.support.app import AuthActions

REFERRAL = {"mechanism": "eu_hrd_mechanism", "assistance_types": ["legal"], "amount_eur": 400}


def test_a_refusal_through_the_api_follows_the_callers_language(world: World) -> None:
    reference = world.case.reference
    owner, officer = world.api["owner"], world.api["officer"]
    rid = owner.post(f"/cases/{reference}/referrals", REFERRAL).get_json()["data"]["id"]

    english = owner.post(f"/referrals/{rid}/closure")
    assert rule_of(english) == "referral.transition"
    assert "requested" in errors_of(english, 409)["message"][0]  # the detailed English

    assert owner.call("PUT", "/me/language", {"language": "fr"}).status_code == 200
    french = owner.post(f"/referrals/{rid}/closure")
    assert rule_of(french) == "referral.transition"
    assert errors_of(french, 409)["message"] == [
        "Cette étape n'est pas permise dans l'état actuel de l'élément"
    ]
    assert officer.call("PUT", "/me/language", {"language": "ar"}).status_code == 200
    officer.post(f"/referrals/{rid}/decisions", {"approve": True})
    again = officer.post(f"/referrals/{rid}/decisions", {"approve": True})
    assert rule_of(again) == "referral.one_decision_per_officer"
    assert errors_of(again, 409)["message"] == ["سبق أن اتخذتَ قرارًا بشأنه"]
    missing = owner.get("/cases/XX-0000-0000")
    assert errors_of(missing, 404)["message"] == [
        "Il n'y a rien ici, ou vous n'y avez pas accès."
    ]
    # marshmallow's own field messages too; the field names stay the API's.
    invalid = owner.call("PUT", "/me/language", {"language": "de", "extra": 1})
    assert errors_of(invalid, 422) == {
        "language": ["Doit être l'une des valeurs suivantes\u00a0: en, fr, es, pt, ar."],
        "extra": ["Champ inconnu."],
    }
    anonymous = world.api["anonymous"].get("/me", headers={"Accept-Language": "es"})
    assert errors_of(anonymous, 401)["message"] == [
        "Se requiere una credencial de portador válida."
    ]


def test_a_refusal_on_the_case_page_is_in_the_users_language(
    app: Flask, db: Session, world: World
) -> None:
    owner = world.users["owner"]
    owner.preferred_language = "es"
    db.commit()
    browser = sign_in(app, owner.email)
    reference = world.case.reference
    token = AuthActions(browser, app).csrf_token(f"/cases/{reference}")
    page = browser.post(
        f"/cases/{reference}/reopen", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "No realizado: Este paso no está permitido en el estado actual del elemento." in page


def test_the_input_policy_speaks_the_page_language(app: Flask, db: Session, world: World) -> None:
    owner = world.users["owner"]
    owner.preferred_language = "pt"
    db.commit()
    browser = sign_in(app, owner.email)
    token = AuthActions(browser, app).csrf_token("/cases/new")
    page = browser.post(
        "/cases/new",
        data={"csrf_token": token, "name": "12345", "risk_level": "high", "location": "x" * 999},
    ).get_data(as_text=True)
    assert "Um nome tem de conter pelo menos uma letra." in page
    assert "No máximo " in page and "caracteres." in page
