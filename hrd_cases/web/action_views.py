"""POST handlers for the case page's panels: parse the form, call the workflow service, flash,
redirect back to the case (POST-redirect-GET).

Every handler first finds the case in the user's scope with ``case.read`` (out of scope or
absent: 404, the same answer), then checks the step's own permission (403). A form with
errors re-renders the case page (422) with what was typed; a step the workflow refuses
(InvalidTransition) is flashed: its message names a rule, never personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, case_for, require
from hrd_cases.current import (
    current_session,
    current_settings,
    current_strategies,
    current_vault,
)
from hrd_cases.domain.clock import utcnow
from hrd_cases.domain.errors import InvalidTransition, NotFound, ValidationFailed
from hrd_cases.domain.local_time import to_utc
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ClosureOutcome,
    ConsentScope,
    HearingOutcome,
    Mechanism,
    RiskLevel,
    StatementLevel,
)
from hrd_cases.models import Case, Consent, Hearing, Referral, Statement, User
from hrd_cases.reads.case_view import assignable_users
from hrd_cases.records.defenders import ErasureReason, erase_defender, erasure_done_message
from hrd_cases.records.keys import open_retirement_date
from hrd_cases.web import forms as f
from hrd_cases.web.case_views import (
    narrow_choices,
    observation_form,
    prefix,
    render_case,
    with_assignees,
)
from hrd_cases.workflow import case_steps, consent, hearings, referrals, statements
from hrd_cases.workflow.referrals import ReferralInput
from hrd_cases.workflow.service import template_of

bp = Blueprint("case_actions", __name__, url_prefix="/cases")


def _actor() -> User:
    return current_user._get_current_object()


def _case(reference: str, permission: Permission) -> Case:
    """Scope first (404 for anyone outside it, whatever their role), then the step's role."""
    actor = _actor()
    case = case_for(current_session(), actor, reference)
    require(actor, permission)
    return case


def _owned(case: Case, model: type, item_id: uuid.UUID):
    """A referral, hearing, consent or statement of *this* case (else 404)."""
    item = current_session().get(model, item_id)
    if item is None or item.case_id != case.id:
        raise NotFound("no such item on this case")
    return item


def _step(reference: str, run: Callable[[], object], done: str, anchor: str):
    """Run a service step; flash its outcome; back to the case page at the panel."""
    try:
        run()
    except InvalidTransition as exc:
        flash(f"Not done: {exc}.", "error")
    except ValidationFailed:
        flash("Not done: some fields need attention.", "error")
    else:
        flash(done, "success")
    return redirect(url_for("cases.case_detail", reference=reference, _anchor=anchor))


def _invalid(case: Case, key: str, form: f.FlaskForm):
    flash("Some fields need attention: see the messages beside them.", "error")
    return render_case(case.reference, bound={key: form}, status=422)


# Assessment ---------------------------------------------------------------------------------
@bp.post("/<reference>/assessment")
def assess(reference: str):
    case = _case(reference, Permission.CASE_UPDATE)
    form = f.AssessForm()
    if not form.validate_on_submit():
        return _invalid(case, "assess", form)
    return _step(
        reference,
        lambda: case_steps.assess_case(
            current_session(), _actor(), reference, RiskLevel(form.risk_level.data)
        ),
        "Risk assessment recorded.",
        "summary",
    )


# Assignment ---------------------------------------------------------------------------------
@bp.post("/<reference>/assignment")
def reassign(reference: str):
    """The form is on the case page (?reassign=1); a refusal shows it again, open, with the
    message beside the field."""
    case = _case(reference, Permission.CASE_ASSIGN)
    form = with_assignees(f.AssignForm(), assignable_users(current_session(), _actor(), case))
    if not form.validate_on_submit():
        return _invalid(case, "assign", form)
    try:
        case_steps.reassign_case(current_session(), _actor(), reference, form.assignee.data)
    except InvalidTransition as exc:
        form.assignee.errors = [str(exc)]
        return render_case(reference, bound={"assign": form}, status=409)
    flash(_("Case reassigned."), "success")
    return redirect(url_for("cases.case_detail", reference=reference, _anchor="summary"))


# Referrals ----------------------------------------------------------------------------------
@bp.post("/<reference>/referrals")
def request_referral(reference: str):
    case = _case(reference, Permission.REFERRAL_REQUEST)
    form = f.ReferralForm()
    narrow_choices({"referral": form}, template_of(current_strategies(), case))
    if not form.validate_on_submit():
        return _invalid(case, "referral", form)
    data = ReferralInput(
        mechanism=Mechanism(form.mechanism.data),
        assistance_types=[AssistanceType(a) for a in form.assistance_types.data or ()],
        amount_eur=form.amount_eur.data,
        justification=(form.justification.data or "").strip() or None,
    )
    return _step(
        reference,
        lambda: referrals.create_referral(
            current_session(), current_vault(), current_strategies(), _actor(), reference, data
        ),
        "Referral requested. It now waits for a protection officer's decision.",
        "referrals",
    )


@bp.post("/<reference>/referrals/<uuid:referral_id>/decision")
def decide_referral(reference: str, referral_id: uuid.UUID):
    case = _case(reference, Permission.REFERRAL_DECIDE)
    _owned(case, Referral, referral_id)
    form = f.DecisionForm()
    if not form.validate_on_submit():
        flash("Choose approve or reject.", "error")
        return redirect(url_for("cases.case_detail", reference=reference, _anchor="referrals"))
    approve = form.decision.data == "approve"
    return _step(
        reference,
        lambda: referrals.decide_referral(
            current_session(),
            _actor(),
            referral_id,
            approve=approve,
            reason=form.reason.data,
            vault=current_vault(),
        ),
        "Your approval was recorded." if approve else "Your rejection was recorded.",
        "referrals",
    )


@bp.post("/<reference>/referrals/<uuid:referral_id>/delivered")
def referral_delivered(reference: str, referral_id: uuid.UUID):
    case = _case(reference, Permission.REFERRAL_REQUEST)
    _owned(case, Referral, referral_id)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        reference,
        lambda: referrals.mark_delivered(current_session(), _actor(), referral_id),
        "Assistance marked as delivered.",
        "referrals",
    )


# Hearings -----------------------------------------------------------------------------------
@bp.post("/<reference>/hearings")
def schedule_hearing(reference: str):
    case = _case(reference, Permission.HEARING_MANAGE)
    form = f.HearingForm()
    if not form.validate_on_submit():
        return _invalid(case, "hearing", form)
    when = to_utc(form.scheduled_for.data or datetime.now(UTC), case.delegation.time_zone)
    return _step(
        reference,
        lambda: hearings.schedule_hearing(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            reference,
            scheduled_for=when,
            court=form.court.data or "",
            charges=(form.charges.data or "").strip() or None,
            confirm_past=bool(form.confirm_past.data),
        ),
        "Hearing scheduled.",
        "hearings",
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/observation")
def record_observation(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    hearing = _owned(case, Hearing, hearing_id)
    form = observation_form(template_of(current_strategies(), case), prefix=prefix("o", hearing.id))
    if not form.validate_on_submit():
        return _invalid(case, f"observation-{hearing.id}", form)
    outcome = HearingOutcome(form.outcome.data) if form.outcome.data else None
    observed = form.observed.data == "yes"
    return _step(
        reference,
        lambda: hearings.record_observation(
            current_session(),
            current_strategies(),
            _actor(),
            hearing_id,
            observed=observed,
            observers=form.observers.data or (),
            outcome=outcome,
        ),
        "Observation recorded." if observed else "Recorded as not observed.",
        "hearings",
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/reschedule")
def reschedule_hearing(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    _owned(case, Hearing, hearing_id)
    form = f.RescheduleForm(prefix=prefix("rs", hearing_id))
    if not form.validate_on_submit():
        return _invalid(case, f"reschedule-{hearing_id}", form)
    when = to_utc(form.scheduled_for.data or datetime.now(UTC), case.delegation.time_zone)
    return _step(
        reference,
        lambda: hearings.reschedule_hearing(
            current_session(),
            current_vault(),
            _actor(),
            hearing_id,
            scheduled_for=when,
            reason=form.reason.data or "",
            confirm_past=bool(form.confirm_past.data),
        ),
        "Hearing rescheduled.",
        "hearings",
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/cancel")
def cancel_hearing(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    _owned(case, Hearing, hearing_id)
    form = f.CancelHearingForm(prefix=prefix("cx", hearing_id))
    if not form.validate_on_submit():
        return _invalid(case, f"cancel-{hearing_id}", form)
    return _step(
        reference,
        lambda: hearings.cancel_hearing(
            current_session(), current_vault(), _actor(), hearing_id, reason=form.reason.data or ""
        ),
        "Hearing cancelled.",
        "hearings",
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/report")
def file_report(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    hearing = _owned(case, Hearing, hearing_id)
    form = f.ReportForm(prefix=prefix("r", hearing.id))
    if not form.validate_on_submit():
        return _invalid(case, f"report-{hearing.id}", form)
    return _step(
        reference,
        lambda: hearings.file_report(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            hearing_id,
            form.report.data or "",
        ),
        "Observation report filed.",
        "hearings",
    )


# Consent ------------------------------------------------------------------------------------
@bp.post("/<reference>/consents")
def record_consent(reference: str):
    case = _case(reference, Permission.CONSENT_RECORD)
    form = f.ConsentForm()
    if not form.validate_on_submit():
        return _invalid(case, "consent", form)
    given = datetime.combine(form.given_on.data, time(0, 0), tzinfo=UTC)
    return _step(
        reference,
        lambda: consent.record_consent(
            current_session(),
            current_vault(),
            _actor(),
            reference,
            scopes=[ConsentScope(s) for s in form.scopes.data or ()],
            given_on=given,
            notes=(form.notes.data or "").strip() or None,
        ),
        "Consent recorded.",
        "consent",
    )


@bp.post("/<reference>/consents/<uuid:consent_id>/revoke")
def revoke_consent(reference: str, consent_id: uuid.UUID):
    case = _case(reference, Permission.CONSENT_RECORD)
    _owned(case, Consent, consent_id)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        reference,
        lambda: consent.revoke_consent(current_session(), _actor(), consent_id),
        "Consent revoked. No statement relying on it can be published.",
        "consent",
    )


# Statements ---------------------------------------------------------------------------------
@bp.post("/<reference>/statements")
def draft_statement(reference: str):
    case = _case(reference, Permission.STATEMENT_DRAFT)
    form = f.StatementForm()
    narrow_choices({"statement": form}, template_of(current_strategies(), case))
    if not form.validate_on_submit():
        return _invalid(case, "statement", form)
    return _step(
        reference,
        lambda: statements.draft_statement(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            reference,
            level=StatementLevel(form.level.data),
            text=form.text.data or "",
        ),
        "Statement drafted. Submit it for approval when it is ready.",
        "statements",
    )


def _statement_button(reference: str, statement_id: uuid.UUID, permission: Permission) -> bool:
    case = _case(reference, permission)
    _owned(case, Statement, statement_id)
    return f.ButtonForm().validate_on_submit()


@bp.post("/<reference>/statements/<uuid:statement_id>/submit")
def submit_statement(reference: str, statement_id: uuid.UUID):
    if not _statement_button(reference, statement_id, Permission.STATEMENT_DRAFT):
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        reference,
        lambda: statements.submit_statement(current_session(), _actor(), statement_id),
        "Statement submitted for approval.",
        "statements",
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/decision")
def decide_statement(reference: str, statement_id: uuid.UUID):
    case = _case(reference, Permission.STATEMENT_DECIDE)
    _owned(case, Statement, statement_id)
    form = f.DecisionForm()
    if not form.validate_on_submit():
        flash("Choose approve or reject.", "error")
        return redirect(url_for("cases.case_detail", reference=reference, _anchor="statements"))
    approve = form.decision.data == "approve"
    return _step(
        reference,
        lambda: statements.decide_statement(
            current_session(),
            _actor(),
            statement_id,
            approve=approve,
            reason=form.reason.data,
            vault=current_vault(),
        ),
        "Your approval was recorded." if approve else "Your rejection was recorded.",
        "statements",
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/publish")
def publish_statement(reference: str, statement_id: uuid.UUID):
    case = _case(reference, Permission.STATEMENT_DRAFT)
    statement = _owned(case, Statement, statement_id)
    form = f.PublishForm(prefix=prefix("p", statement.id))
    if not form.validate_on_submit():
        return _invalid(case, f"publish-{statement.id}", form)
    url = (form.publication_url.data or "").strip() or None
    return _step(
        reference,
        lambda: statements.publish_statement(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            statement_id,
            publication_url=url,
        ),
        "Statement published.",
        "statements",
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/withdraw")
def withdraw_statement(reference: str, statement_id: uuid.UUID):
    if not _statement_button(reference, statement_id, Permission.STATEMENT_DRAFT):
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        reference,
        lambda: statements.withdraw_statement(current_session(), _actor(), statement_id),
        "Statement withdrawn.",
        "statements",
    )


# Closure, reopening, erasure ----------------------------------------------------------------
@bp.post("/<reference>/close")
def close_case(reference: str):
    case = _case(reference, Permission.CASE_CLOSE)
    form = f.CloseForm()
    if not form.validate_on_submit():
        return _invalid(case, "close", form)
    outcome = ClosureOutcome(form.outcome.data) if form.outcome.data else None
    return _step(
        reference,
        lambda: case_steps.close_case(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            reference,
            outcome,
            (form.reason.data or "").strip() or None,
        ),
        "Case closed.",
        "closure",
    )


@bp.post("/<reference>/reopen")
def reopen_case(reference: str):
    _case(reference, Permission.CASE_CLOSE)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        reference,
        lambda: case_steps.reopen_case(current_session(), _actor(), reference),
        "Case reopened.",
        "closure",
    )


@bp.post("/<reference>/defenders/<defender_reference>/erase")
def erase(reference: str, defender_reference: str):
    case = _case(reference, Permission.DEFENDER_ERASE)
    if defender_reference not in {d.reference for d in case.defenders}:
        raise NotFound("no such defender on this case")
    form = f.EraseForm(prefix=prefix("e", defender_reference))
    if not form.validate_on_submit():
        return _invalid(case, f"erase-{defender_reference}", form)
    if (form.confirmation.data or "").strip().upper() != defender_reference:
        form.confirmation.errors = [
            f"Type {defender_reference} exactly to confirm: erasure cannot be undone."
        ]
        return _invalid(case, f"erase-{defender_reference}", form)
    actor = _actor()
    session = current_session()
    erase_defender(
        session,
        defender_reference,
        ErasureReason(form.reason.data),
        actor_id=actor.id,
        include_case_content=bool(form.include_case_content.data),
        retire_within=timedelta(days=current_settings().erasure_retire_within_days),
    )
    # Both dates, truthfully: unreadable here now, unrecoverable from copies after retirement.
    flash(erasure_done_message(utcnow(), open_retirement_date(session)), "success")
    return redirect(url_for("cases.case_detail", reference=reference, _anchor="defenders"))
