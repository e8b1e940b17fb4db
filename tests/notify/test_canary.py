"""The canary test: the demo flow plus a case full of canary strings, every event raised and
delivered; no e-mail the SMTP server received (headers and bodies), no in-app notification and
no outbox row holds a name, place, narrative, court, charges, justification, amount or
statement text, the demo's own decrypted contents included."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases.auth import links
from hrd_cases.demo import load_demo
from hrd_cases.domain.vocabulary import AssistanceType, Mechanism, consent_scope_for
from hrd_cases.models import (
    Case,
    CaseNote,
    Defender,
    FieldVersion,
    Hearing,
    Notification,
    NotificationEvent,
    OutboxMessage,
    Referral,
    Role,
    Statement,
)
from hrd_cases.notify.scheduler import tick
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.records import RecordVault
from hrd_cases.workflow import case_steps, corrections, notes, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue
from tests.support.notify import PUBLIC, World
from tests.support.smtp import SmtpServer

CANARY = "Qz7Canary"
AMOUNT = 9173


def _plaintexts(db: Session, vault: RecordVault) -> set[str]:
    """Every decrypted field in the database, as canaries (short words would match chance)."""
    found: set[str] = set()
    for model in (Defender, Case, Referral, Hearing, Statement, CaseNote, FieldVersion):
        for record in db.scalars(select(model)):
            for field in model.encrypted_fields:
                value = vault.open_field(record, field)
                if value and len(value.strip()) >= 6:
                    found.add(value.strip())
    for text in db.scalars(select(Statement.published_text)):
        if text:
            found.add(text)
    return found


def test_no_case_content_in_any_email_notification_or_outbox_row(
    app: Flask, db: Session, vault: RecordVault, worker: OutboxWorker, smtp: SmtpServer
) -> None:
    catalogue = strategy_catalogue()
    with app.app_context():
        load_demo(db, app.extensions["hrd_password_hasher"], vault, catalogue)
        world = World(db, vault)
        world.case = make_case(
            db,
            vault,
            delegation=world.delegation,
            actor=world.focal,
            defender={
                "name": f"{CANARY}Name",
                "location": f"{CANARY}Location",
                "contact_details": f"{CANARY}Contact",
                "organisation": f"{CANARY}Organisation",
            },
            narrative=f"{CANARY}Narrative of what happened",
        )
        world.ref = world.case.reference
        referral = referrals.create_referral(
            db,
            vault,
            catalogue,
            world.focal,
            world.ref,
            ReferralInput(
                Mechanism.EU_HRD_MECHANISM,
                (AssistanceType.LEGAL,),
                amount_eur=AMOUNT,
                justification=f"{CANARY}Justification",
            ),
        )
        world.approve_referral(referral)
        world.consent(consent_scope_for(PUBLIC))
        statement = world.draft(text=f"{CANARY}Statement text")
        statements.submit_statement(db, world.focal, statement.id)
        world.approve_statement(statement)
        hearing = world.schedule(court=f"{CANARY}Court", charges=f"{CANARY}Charges")
        # Issue 16: a note and a corrected name (the canary name becomes an earlier version).
        notes.add_note(db, vault, world.focal, world.ref, f"{CANARY}Follow-up note")
        corrections.correct_case(
            db,
            vault,
            catalogue,
            world.focal,
            world.ref,
            {"narrative": f"{CANARY}Corrected narrative"},
            defender_changes={"name": f"{CANARY}Corrected Name"},
        )
        # Reassignment notifies both focal points: by reference only.
        colleague = make_user(db, Role.FOCAL_POINT, delegation=world.delegation)
        case_steps.reassign_case(db, world.focal, world.ref, colleague.id)
        make_user(db, Role.PROTECTION_OFFICER, countries=("KE", "NP", "CO", "TR", "IN", "AF"))
        make_delegation(db, country="KE")
        # Account links by e-mail (issue 19): an invitation and a reset for the case's own
        # focal point carry a link and nothing of the case.
        links.invite_user(
            db,
            app.extensions["hrd_password_hasher"],
            email="canary.invitee@example.org",
            display_name="Invitee",
            role=Role.ANALYST,
            email_with=vault,
        )
        links.request_password_reset(db, world.focal.email, email_with=vault)
    database = app.extensions["hrd_db"]
    # Time-based events now, the day before the hearing, and at 07:00 for digests.
    tick(database, catalogue, hearing.scheduled_for - timedelta(hours=24))
    tick(database, catalogue, hearing.scheduled_for + timedelta(days=30))
    while worker.run_once().sent:
        pass

    canaries = _plaintexts(db, vault) | {CANARY, f"{AMOUNT:,}", "EUR", "€"}
    assert len(canaries) > 20, "the demo's contents were read as canaries"
    received = smtp.recorder.messages
    assert len(received) > 20
    haystacks = [m.text() for m in received]
    for model in (NotificationEvent, Notification, OutboxMessage):
        columns = [c.key for c in model.__table__.c]
        for row in db.scalars(select(model)):
            haystacks.append(" ".join(str(getattr(row, c)) for c in columns))
    leaks = sorted({c for c in canaries for h in haystacks if c in h})
    assert leaks == []
    # The canary case did reach e-mail: the scan looked at the right messages.
    assert any(world.ref in h for h in haystacks[: len(received)])
    assert any(f"Case {world.ref} was reassigned" in m.subject for m in received)
    assert sum("/account/link/hrdlnk_" in h for h in haystacks[: len(received)]) == 2
