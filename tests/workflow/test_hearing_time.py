"""Issue 16: a hearing's course is recorded only once it has taken place (acceptance 5), a
date long past needs an explicit confirmation, and the Council tables count no outcome
recorded before its hearing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hrd_cases.db import utcnow
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import HearingState
from hrd_cases.domain.vocabulary import HearingOutcome
from hrd_cases.exports.quarter import export_window
from hrd_cases.exports.queries import collect
from hrd_cases.models import Hearing, Role
from hrd_cases.records import RecordVault
from hrd_cases.workflow import hearings
from tests.support.access import sign_in
from tests.support.api import token_for
from tests.support.exports import build_known_dataset, this_quarter, today
from tests.support.factories import make_case, make_delegation, make_user, strategy_catalogue


def _kenyan_case(db: Session, vault: RecordVault):
    kenya = make_delegation(db, country="KE")
    focal = make_user(db, Role.FOCAL_POINT, delegation=kenya)
    return focal, make_case(db, vault, delegation=kenya, actor=focal)


def _schedule(db: Session, vault: RecordVault, focal, reference: str, **values) -> Hearing:
    return hearings.schedule_hearing(
        db, vault, strategy_catalogue(), focal, reference, court="Zq Court", **values
    )


def test_nothing_about_a_hearing_is_recorded_before_it_takes_place(
    db: Session, vault: RecordVault
) -> None:
    focal, case = _kenyan_case(db, vault)
    hearing = _schedule(
        db, vault, focal, case.reference, scheduled_for=utcnow() + timedelta(days=16)
    )
    attempts = (
        lambda: hearings.record_observation(
            db,
            strategy_catalogue(),
            focal,
            hearing.id,
            observed=True,
            observers=("EU",),
            outcome=HearingOutcome.ACQUITTED,
        ),
        lambda: hearings.record_observation(
            db, strategy_catalogue(), focal, hearing.id, observed=False
        ),
    )
    for attempt in attempts:
        with pytest.raises(InvalidTransition) as refused:
            attempt()
        assert refused.value.rule == "trial_observation.outcome_before_hearing"
        assert "Nairobi (EAT, UTC+3)" in str(refused.value)  # the date as the user knows it
    db.rollback()
    assert db.get(Hearing, hearing.id).state is HearingState.SCHEDULED
    assert db.get(Hearing, hearing.id).outcome is None


def test_a_hearing_more_than_30_days_past_needs_a_confirmation_on_both_faces(
    app: Flask, db: Session, vault: RecordVault
) -> None:
    focal, case = _kenyan_case(db, vault)
    long_ago = utcnow() - timedelta(days=31)
    with pytest.raises(InvalidTransition) as refused:
        _schedule(db, vault, focal, case.reference, scheduled_for=long_ago)
    assert refused.value.rule == "trial_observation.past_hearing_unconfirmed"
    db.rollback()
    recent = _schedule(
        db, vault, focal, case.reference, scheduled_for=utcnow() - timedelta(days=29)
    )
    assert recent.state is HearingState.SCHEDULED
    confirmed = _schedule(
        db, vault, focal, case.reference, scheduled_for=long_ago, confirm_past=True
    )
    assert confirmed.scheduled_for == long_ago

    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(db, focal)}"}
    body = {"scheduled_for": "2020-03-04T09:30:00+03:00", "court": "Zq Court"}
    answer = client.post(f"/api/v1/cases/{case.reference}/hearings", json=body, headers=headers)
    assert answer.status_code == 409
    assert "trial_observation.past_hearing_unconfirmed" in answer.get_data(as_text=True)
    answer = client.post(
        f"/api/v1/cases/{case.reference}/hearings",
        json={**body, "confirm_past": True},
        headers=headers,
    )
    assert answer.status_code == 201

    browser = sign_in(app, focal.email)
    page = browser.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "I am recording a past hearing" in page
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    form = {"csrf_token": token, "scheduled_for": "2020-03-04T09:30", "court": "Zq Court"}
    browser.post(f"/cases/{case.reference}/hearings", data=form)
    db.rollback()  # a fresh read: the pages wrote through their own sessions
    count = len(db.scalars(select(Hearing.id).where(Hearing.case_id == case.id)).all())
    assert count == 3  # refused without the box
    browser.post(f"/cases/{case.reference}/hearings", data={**form, "confirm_past": "y"})
    db.rollback()  # a fresh read: the pages wrote through their own sessions
    count = len(db.scalars(select(Hearing.id).where(Hearing.case_id == case.id)).all())
    assert count == 4


def test_the_council_tables_count_no_outcome_recorded_before_its_hearing(
    db: Session, vault: RecordVault
) -> None:
    build_known_dataset(db, vault)  # one hearing observed after it took place: acquitted
    focal = db.scalar(select(Hearing.created_by_id))
    hearing = db.scalar(select(Hearing))
    assert hearing is not None and focal is not None
    # A row written before the rule existed: observed now, for a hearing in a fortnight.
    early = _schedule(
        db,
        vault,
        db.get(type(hearing.case.delegation.users[0]), focal),
        hearing.case.reference,
        scheduled_for=utcnow() + timedelta(days=14),
    )
    db.execute(
        update(Hearing)
        .where(Hearing.id == early.id)
        .values(state=HearingState.OBSERVED, outcome=HearingOutcome.CONVICTED, observed_at=utcnow())
    )
    db.commit()
    raw = collect(db, export_window(this_quarter(), today()), strategy_catalogue())
    assert raw.counts["hearings"] == {("KE", "acquitted"): 1}
