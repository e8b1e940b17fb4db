"""Acceptance 5 of issue 21 (e-mail half): a notification e-mail goes out through the real
SMTP test server in its recipient's language, French here, subject, text and HTML; another
recipient with no preference still gets English; no English sentence is left in the French
one."""

from __future__ import annotations

from html import unescape

from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.auth import accounts
from hrd_cases.models import Role
from hrd_cases.notify.worker import OutboxWorker
from tests.support.api import DEFENDER_LOCATION, DEFENDER_NAME, NARRATIVE, World
from tests.support.factories import make_user
from tests.support.smtp import SmtpServer


def _parts(received) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    text = html = ""
    for part in received.message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    return text, html


def test_a_security_notification_is_written_in_french(
    app: Flask, db: Session, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    french = make_user(db, Role.FOCAL_POINT, preferred_language="fr")
    english = make_user(db, Role.FOCAL_POINT)
    accounts.reset_second_factor(db, french)
    accounts.reset_second_factor(db, english)
    with app.app_context():  # as `hrd-cases worker` runs it (hrd_cases.notify.runner)
        while worker.run_once().sent:
            pass
    by_recipient = {m.recipients[0]: m for m in smtp.recorder.messages}
    assert set(by_recipient) == {french.email, english.email}

    message = by_recipient[french.email]
    assert message.subject == "[hrd_cases] Votre second facteur a été réinitialisé"
    text, html = _parts(message)
    for sentence in (
        "Votre second facteur a été réinitialisé",
        "Ouvrir le dossier",
        "Si ce n'était pas vous, prévenez immédiatement votre administrateur\u00a0: il peut "
        "fermer toutes les sessions et réinitialiser votre second facteur.",
        "Ce message n'indique qu'une référence de dossier.",
    ):
        assert sentence in text, sentence
        assert sentence in unescape(html), sentence
    assert '<html lang="fr" dir="ltr">' in html
    for english_sentence in ("Your second factor was reset", "Open the case", "If this was"):
        assert english_sentence not in text and english_sentence not in html

    english_text, _ = _parts(by_recipient[english.email])
    assert by_recipient[english.email].subject == "[hrd_cases] Your second factor was reset"
    assert "If this was not you, tell your administrator at once" in english_text


def test_an_arabic_notification_is_right_to_left(
    app: Flask, db: Session, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    user = make_user(db, Role.ANALYST, preferred_language="ar")
    accounts.reset_second_factor(db, user)
    with app.app_context():
        assert worker.run_once().sent == 1
    message = smtp.recorder.messages[0]
    assert message.subject == "[hrd_cases] تمت إعادة تعيين العامل الثاني"
    _, html = _parts(message)
    assert '<html lang="ar" dir="rtl">' in html


def test_a_french_case_notification_names_the_reference_and_nothing_else(
    app: Flask, db: Session, world: World, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    officer = world.users["officer"]
    officer.preferred_language = "fr"
    db.commit()
    referral = {
        "mechanism": "eu_hrd_mechanism",
        "assistance_types": ["legal"],
        "amount_eur": 4321,
        "justification": "Zq canary justification",
    }
    created = world.api["owner"].post(f"/cases/{world.case.reference}/referrals", referral)
    assert created.status_code == 201
    with app.app_context():
        while worker.run_once().sent:
            pass
    mine = [
        m
        for m in smtp.recorder.messages
        if m.recipients == [officer.email] and world.case.reference in m.subject
    ]
    assert len(mine) == 1  # (the other one says, in French, that an API token was created)
    headline = f"La saisine {world.case.reference} attend votre décision"
    assert mine[0].subject.startswith(f"[hrd_cases] {headline}")
    text, html = _parts(mine[0])
    assert headline in text and headline in unescape(html)
    # Translated or not, an e-mail names a case reference and what waits, nothing else.
    for canary in (DEFENDER_NAME, DEFENDER_LOCATION, NARRATIVE, "Zq canary", "4321", "4 321"):
        assert canary not in mine[0].text(), canary
