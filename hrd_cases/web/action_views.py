"""POST handlers for the case page's panels: parse the form, call the workflow service, flash,
redirect back to the case (POST-redirect-GET).

Every handler first finds the case in the user's scope with ``case.read`` (out of scope or
absent: 404, the same answer), then checks the step's own permission (403). A form with
errors, or a step the workflow refuses (a template rule), re-renders the case page (422)
with that panel open, what was typed, and the message beside the field it concerns, in
words a person uses (issue 16). Each form's action ends with its panel's fragment, so the
browser shows the panel, and its message, after the response: no JavaScript needed.

Consequential steps (revoking consent, withdrawing a statement or a referral, closing the
case, erasing, approving an amount) first answer with a confirmation page that says what
will happen; the step runs when that page's form is sent (``confirmed=yes``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

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
from hrd_cases.domain.states import HearingState, ReferralState, StatementState
from hrd_cases.domain.vocabulary import (
    AssistanceType,
    ClosureOutcome,
    ConsentScope,
    HearingOutcome,
    Mechanism,
    RiskLevel,
    StatementLevel,
    consent_scope_for,
)
from hrd_cases.http.errors import N_
from hrd_cases.i18n.refusals import refusal_text
from hrd_cases.models import Case, Consent, Hearing, Referral, Statement, User
from hrd_cases.reads.case_view import assignable_users
from hrd_cases.records.defenders import (
    ERASURE_EXPLAINED,
    ErasureReason,
    erase_defender,
    erasure_done_message,
)
from hrd_cases.records.keys import open_retirement_date
from hrd_cases.web import forms as f
from hrd_cases.web import messages
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


def _step(
    case: Case,
    run: Callable[[], object],
    done: str,
    anchor: str,
    *,
    key: str,
    form: FlaskForm | None = None,
):
    """Run a service step; on success flash and go back to the case page at the panel. A
    refusal re-renders the page (422) with the panel ``key`` open and ``form`` as typed."""
    try:
        run()
    except InvalidTransition as exc:
        return _refused(case, key, form, exc.fields, plain(refusal_text(exc)))
    except ValidationFailed as exc:
        by_field = {name: " ".join(texts) for name, texts in exc.messages.items()}
        return _refused(case, key, form, by_field, _(REFUSED_FIELDS))
    flash(done, "success")
    return redirect(url_for("cases.case_detail", reference=case.reference, _anchor=anchor))


REFUSED_FIELDS = N_("Some fields need attention: see the messages beside them.")


def plain(message: str) -> str:
    """A domain message as a sentence."""
    text = message.strip()
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"


def _refused(
    case: Case,
    key: str,
    form: FlaskForm | None,
    fields: dict[str, str],
    fallback: str,
):
    """Each message beside its field where the form has it; the rest at the top of the
    panel. Fields are matched by their last name part ("defender.name" is "name")."""
    leftover: list[str] = []
    for name, text in fields.items():
        field = getattr(form, name.rsplit(".", 1)[-1], None) if form is not None else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, text]
        else:
            leftover.append(text)
    if not fields:
        leftover.append(fallback)
    # At the top too when it belongs to no field: the panel may no longer be on the page.
    flash(
        _("Not done: %(message)s") % {"message": " ".join(leftover)}
        if leftover
        else _("Not done: see the message beside the field."),
        "error",
    )
    bound = {key: form} if form is not None else {}
    return render_case(case.reference, bound=bound, refused={key: " ".join(leftover)}, status=422)


def _invalid(case: Case, key: str, form: FlaskForm):
    flash(REFUSED_FIELDS, "error")
    return render_case(case.reference, bound={key: form}, refused={key: ""}, status=422)


def _confirmed() -> bool:
    """The second step of a confirmation page was sent (not only the first form)."""
    return request.form.get("confirmed") == "yes"


def _confirm(
    case: Case,
    screen: tuple[str, str, list[str]],
    *,
    action: str,
    anchor: str,
    extra: list[tuple[str, str]] | None = None,
):
    """The confirmation page: what will happen, and the same form once more with
    ``confirmed=yes`` (its values carried in hidden fields, in the body, never a URL)."""
    carried = [
        (name, value)
        for name, values in request.form.lists()
        if name not in ("csrf_token", "confirmed")
        for value in values
    ] + list(extra or ())
    title, button, summary = screen
    return render_template(
        "cases/confirm.html",
        case=case,
        title=title,
        button=button,
        summary=summary,
        action=action,
        carried=carried,
        back=url_for("cases.case_detail", reference=case.reference, _anchor=anchor),
        form=f.ButtonForm(formdata=None),
    )


# Assessment ---------------------------------------------------------------------------------
@bp.post("/<reference>/assessment")
def assess(reference: str):
    case = _case(reference, Permission.CASE_UPDATE)
    form = f.AssessForm()
    if not form.validate_on_submit():
        return _invalid(case, "assess", form)
    return _step(
        case,
        lambda: case_steps.assess_case(
            current_session(), _actor(), reference, RiskLevel(form.risk_level.data)
        ),
        _("Risk assessment recorded."),
        "summary",
        key="assess",
        form=form,
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
def _referral_input(form: f.ReferralForm) -> ReferralInput:
    return ReferralInput(
        mechanism=Mechanism(form.mechanism.data),
        assistance_types=[AssistanceType(a) for a in form.assistance_types.data or ()],
        amount_eur=form.amount_eur.data,
        justification=(form.justification.data or "").strip() or None,
    )


@bp.post("/<reference>/referrals")
def request_referral(reference: str):
    case = _case(reference, Permission.REFERRAL_REQUEST)
    form = f.ReferralForm()
    narrow_choices({"referral": form}, template_of(current_strategies(), case))
    if not form.validate_on_submit():
        return _invalid(case, "referral", form)
    data = _referral_input(form)
    return _step(
        case,
        lambda: referrals.create_referral(
            current_session(), current_vault(), current_strategies(), _actor(), reference, data
        ),
        _("Referral requested. It now waits for a protection officer's decision."),
        "referrals",
        key="referral",
        form=form,
    )


@bp.post("/<reference>/referrals/<uuid:referral_id>/decision")
def decide_referral(reference: str, referral_id: uuid.UUID):
    case = _case(reference, Permission.REFERRAL_DECIDE)
    referral = _owned(case, Referral, referral_id)
    form = f.DecisionForm()
    key = f"decide-{referral_id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    if form.decision.data == "return":
        return _step(
            case,
            lambda: referrals.return_referral(
                current_session(),
                current_vault(),
                _actor(),
                referral_id,
                reason=form.reason.data or "",
            ),
            _("Returned to the requester for revision, with your reason."),
            "referrals",
            key=key,
            form=form,
        )
    approve = form.decision.data == "approve"
    if approve and referral.amount_eur is not None and not _confirmed():
        # A grant is approved in a second step that repeats the amount and the mechanism.
        return _confirm(
            case,
            messages.confirm_grant(
                f"{referral.amount_eur:,}",
                f.label(referral.mechanism.value),
                [f.label(a.value) for a in referral.assistance_types],
                referral.approvals_given + 1,
                referral.approvals_required,
            ),
            action=url_for(
                "case_actions.decide_referral", reference=reference, referral_id=referral_id
            ),
            anchor="referrals",
            extra=[("confirmed_amount_eur", str(referral.amount_eur))],
        )
    # The amount the officer saw on the confirmation page: refused if revised since.
    confirmed_amount = form.confirmed_amount_eur.data if approve else None
    return _step(
        case,
        lambda: referrals.decide_referral(
            current_session(),
            _actor(),
            referral_id,
            approve=approve,
            reason=form.reason.data,
            vault=current_vault(),
            confirmed_amount_eur=confirmed_amount,
        ),
        _("Your approval was recorded.") if approve else _("Your rejection was recorded."),
        "referrals",
        key=key,
        form=form,
    )


@bp.post("/<reference>/referrals/<uuid:referral_id>/revision")
def revise_referral(reference: str, referral_id: uuid.UUID):
    case = _case(reference, Permission.REFERRAL_REQUEST)
    _owned(case, Referral, referral_id)
    key = f"revise-{referral_id}"
    form = f.ReferralForm(prefix=prefix("rv", referral_id))
    narrow_choices({"referral": form}, template_of(current_strategies(), case))
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    data = _referral_input(form)
    return _step(
        case,
        lambda: referrals.revise_referral(
            current_session(), current_vault(), current_strategies(), _actor(), referral_id, data
        ),
        _("Referral edited and requested again: approvals given before the edit no longer count."),
        "referrals",
        key=key,
        form=form,
    )


@bp.post("/<reference>/referrals/<uuid:referral_id>/withdraw")
def withdraw_referral(reference: str, referral_id: uuid.UUID):
    case = _case(reference, Permission.REFERRAL_REQUEST)
    referral = _owned(case, Referral, referral_id)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    if not _confirmed():
        return _confirm(
            case,
            messages.confirm_withdraw_referral(f.label(referral.mechanism.value)),
            action=url_for(
                "case_actions.withdraw_referral", reference=reference, referral_id=referral_id
            ),
            anchor="referrals",
        )
    return _step(
        case,
        lambda: referrals.withdraw_referral(current_session(), _actor(), referral_id),
        _("Referral withdrawn."),
        "referrals",
        key=f"withdraw-{referral_id}",
    )


@bp.post("/<reference>/referrals/<uuid:referral_id>/delivered")
def referral_delivered(reference: str, referral_id: uuid.UUID):
    case = _case(reference, Permission.REFERRAL_REQUEST)
    _owned(case, Referral, referral_id)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        case,
        lambda: referrals.mark_delivered(current_session(), _actor(), referral_id),
        _("Assistance marked as delivered."),
        "referrals",
        key=f"delivered-{referral_id}",
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
        case,
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
        _("Hearing scheduled."),
        "hearings",
        key="hearing",
        form=form,
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/observation")
def record_observation(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    hearing = _owned(case, Hearing, hearing_id)
    form = observation_form(
        template_of(current_strategies(), case), case.delegation, prefix=prefix("o", hearing.id)
    )
    key = f"observation-{hearing.id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    outcome = HearingOutcome(form.outcome.data) if form.outcome.data else None
    observed = form.observed.data == "yes"
    return _step(
        case,
        lambda: hearings.record_observation(
            current_session(),
            current_strategies(),
            _actor(),
            hearing_id,
            observed=observed,
            observers=form.observers.data or (),
            outcome=outcome,
        ),
        _("Observation recorded.") if observed else _("Recorded as not observed."),
        "hearings",
        key=key,
        form=form,
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/reschedule")
def reschedule_hearing(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    _owned(case, Hearing, hearing_id)
    form = f.RescheduleForm(prefix=prefix("rs", hearing_id))
    key = f"reschedule-{hearing_id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    when = to_utc(form.scheduled_for.data or datetime.now(UTC), case.delegation.time_zone)
    return _step(
        case,
        lambda: hearings.reschedule_hearing(
            current_session(),
            current_vault(),
            _actor(),
            hearing_id,
            scheduled_for=when,
            reason=form.reason.data or "",
            confirm_past=bool(form.confirm_past.data),
        ),
        _("Hearing rescheduled."),
        "hearings",
        key=key,
        form=form,
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/cancel")
def cancel_hearing(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    _owned(case, Hearing, hearing_id)
    form = f.CancelHearingForm(prefix=prefix("cx", hearing_id))
    key = f"cancel-{hearing_id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    return _step(
        case,
        lambda: hearings.cancel_hearing(
            current_session(), current_vault(), _actor(), hearing_id, reason=form.reason.data or ""
        ),
        _("Hearing cancelled."),
        "hearings",
        key=key,
        form=form,
    )


@bp.post("/<reference>/hearings/<uuid:hearing_id>/report")
def file_report(reference: str, hearing_id: uuid.UUID):
    case = _case(reference, Permission.HEARING_MANAGE)
    hearing = _owned(case, Hearing, hearing_id)
    form = f.ReportForm(prefix=prefix("r", hearing.id))
    key = f"report-{hearing.id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    return _step(
        case,
        lambda: hearings.file_report(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            hearing_id,
            form.report.data or "",
        ),
        _("Observation report filed."),
        "hearings",
        key=key,
        form=form,
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
        case,
        lambda: consent.record_consent(
            current_session(),
            current_vault(),
            _actor(),
            reference,
            scopes=[ConsentScope(s) for s in form.scopes.data or ()],
            given_on=given,
            notes=(form.notes.data or "").strip() or None,
        ),
        _("Consent recorded."),
        "consent",
        key="consent",
        form=form,
    )


@bp.post("/<reference>/consents/<uuid:consent_id>/revoke")
def revoke_consent(reference: str, consent_id: uuid.UUID):
    case = _case(reference, Permission.CONSENT_RECORD)
    record = _owned(case, Consent, consent_id)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    if not _confirmed():
        relying = [
            f.label(s.level.value)
            for s in case.statements
            if s.state not in (StatementState.PUBLISHED, StatementState.WITHDRAWN)
            and consent_scope_for(s.level) in record.scopes
        ]
        return _confirm(
            case,
            messages.confirm_revoke(
                f"{record.given_on:%Y-%m-%d}",
                [f.label(s.value) for s in sorted(record.scopes)],
                relying,
            ),
            action=url_for(
                "case_actions.revoke_consent", reference=reference, consent_id=consent_id
            ),
            anchor="consent",
        )
    return _step(
        case,
        lambda: consent.revoke_consent(current_session(), _actor(), consent_id),
        _("Consent revoked. No statement relying on it can be published."),
        "consent",
        key=f"revoke-{consent_id}",
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
        case,
        lambda: statements.draft_statement(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            reference,
            level=StatementLevel(form.level.data),
            text=form.text.data or "",
        ),
        _("Statement drafted. Submit it for approval when it is ready."),
        "statements",
        key="statement",
        form=form,
    )


def _statement_button(
    reference: str, statement_id: uuid.UUID, permission: Permission
) -> tuple[Case, Statement, bool]:
    case = _case(reference, permission)
    statement = _owned(case, Statement, statement_id)
    return case, statement, f.ButtonForm().validate_on_submit()


@bp.post("/<reference>/statements/<uuid:statement_id>/submit")
def submit_statement(reference: str, statement_id: uuid.UUID):
    case, _statement, valid = _statement_button(reference, statement_id, Permission.STATEMENT_DRAFT)
    if not valid:
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        case,
        lambda: statements.submit_statement(current_session(), _actor(), statement_id),
        _("Statement submitted for approval."),
        "statements",
        key=f"submit-{statement_id}",
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/decision")
def decide_statement(reference: str, statement_id: uuid.UUID):
    case = _case(reference, Permission.STATEMENT_DECIDE)
    _owned(case, Statement, statement_id)
    form = f.DecisionForm()
    key = f"decide-{statement_id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    if form.decision.data == "return":
        return _step(
            case,
            lambda: statements.return_statement(
                current_session(),
                current_vault(),
                _actor(),
                statement_id,
                reason=form.reason.data or "",
            ),
            _("Returned to the requester for revision, with your reason."),
            "statements",
            key=key,
            form=form,
        )
    approve = form.decision.data == "approve"
    return _step(
        case,
        lambda: statements.decide_statement(
            current_session(),
            _actor(),
            statement_id,
            approve=approve,
            reason=form.reason.data,
            vault=current_vault(),
        ),
        _("Your approval was recorded.") if approve else _("Your rejection was recorded."),
        "statements",
        key=key,
        form=form,
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/revision")
def revise_statement(reference: str, statement_id: uuid.UUID):
    case = _case(reference, Permission.STATEMENT_DRAFT)
    _owned(case, Statement, statement_id)
    key = f"revise-{statement_id}"
    form = f.StatementForm(prefix=prefix("sv", statement_id))
    narrow_choices({"statement": form}, template_of(current_strategies(), case))
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    return _step(
        case,
        lambda: statements.revise_statement(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            statement_id,
            level=StatementLevel(form.level.data),
            text=form.text.data or "",
        ),
        _("Statement edited and submitted again: approvals given before the edit no longer count."),
        "statements",
        key=key,
        form=form,
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/publish")
def publish_statement(reference: str, statement_id: uuid.UUID):
    case = _case(reference, Permission.STATEMENT_DRAFT)
    statement = _owned(case, Statement, statement_id)
    form = f.PublishForm(prefix=prefix("p", statement.id))
    key = f"publish-{statement.id}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    url = (form.publication_url.data or "").strip() or None
    return _step(
        case,
        lambda: statements.publish_statement(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            statement_id,
            publication_url=url,
        ),
        _("Statement published."),
        "statements",
        key=key,
        form=form,
    )


@bp.post("/<reference>/statements/<uuid:statement_id>/withdraw")
def withdraw_statement(reference: str, statement_id: uuid.UUID):
    case, statement, valid = _statement_button(reference, statement_id, Permission.STATEMENT_DRAFT)
    if not valid:
        return redirect(url_for("cases.case_detail", reference=reference))
    if not _confirmed():
        return _confirm(
            case,
            messages.confirm_withdraw_statement(
                f.label(statement.level.value), statement.state.value
            ),
            action=url_for(
                "case_actions.withdraw_statement", reference=reference, statement_id=statement_id
            ),
            anchor="statements",
        )
    return _step(
        case,
        lambda: statements.withdraw_statement(current_session(), _actor(), statement_id),
        _("Statement withdrawn."),
        "statements",
        key=f"withdraw-{statement_id}",
    )


# Closure, reopening, erasure ----------------------------------------------------------------
@bp.post("/<reference>/close")
def close_case(reference: str):
    case = _case(reference, Permission.CASE_CLOSE)
    form = f.CloseForm()
    if not form.validate_on_submit():
        return _invalid(case, "close", form)
    outcome = ClosureOutcome(form.outcome.data) if form.outcome.data else None
    reason = (form.reason.data or "").strip() or None
    if not _confirmed():
        # The template's rules first: a refusal belongs beside the field, not after a
        # confirmation the user could not act on.
        try:
            case_steps.check_closable(current_strategies(), case, outcome, reason)
        except InvalidTransition as exc:
            return _refused(case, "close", form, exc.fields, plain(refusal_text(exc)))
        return _confirm(
            case,
            messages.confirm_close(
                case.reference,
                f.label(outcome.value) if outcome else None,
                open_items=_open_items(case),
            ),
            action=url_for("case_actions.close_case", reference=reference),
            anchor="closure",
        )
    return _step(
        case,
        lambda: case_steps.close_case(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            reference,
            outcome,
            reason,
        ),
        _("Case closed."),
        "closure",
        key="close",
        form=form,
    )


def _open_items(case: Case) -> int:
    """Referrals awaiting a decision or delivery, scheduled hearings, statements in
    progress: what closing leaves as it is."""
    return (
        sum(
            r.state
            in (
                ReferralState.DRAFT,
                ReferralState.REQUESTED,
                ReferralState.RETURNED,
                ReferralState.APPROVED,
            )
            for r in case.referrals
        )
        + sum(h.state is HearingState.SCHEDULED for h in case.hearings)
        + sum(
            s.state
            in (
                StatementState.DRAFT,
                StatementState.SUBMITTED,
                StatementState.RETURNED,
                StatementState.APPROVED,
            )
            for s in case.statements
        )
    )


@bp.post("/<reference>/reopen")
def reopen_case(reference: str):
    case = _case(reference, Permission.CASE_CLOSE)
    if not f.ButtonForm().validate_on_submit():
        return redirect(url_for("cases.case_detail", reference=reference))
    return _step(
        case,
        lambda: case_steps.reopen_case(current_session(), _actor(), reference),
        _("Case reopened."),
        "closure",
        key="reopen",
    )


@bp.post("/<reference>/defenders/<defender_reference>/erase")
def erase(reference: str, defender_reference: str):
    case = _case(reference, Permission.DEFENDER_ERASE)
    if defender_reference not in {d.reference for d in case.defenders}:
        raise NotFound("no such defender on this case")
    form = f.EraseForm(prefix=prefix("e", defender_reference))
    key = f"erase-{defender_reference}"
    if not form.validate_on_submit():
        return _invalid(case, key, form)
    if (form.confirmation.data or "").strip().upper() != defender_reference:
        form.confirmation.errors = [
            _(
                "Type %(reference)s exactly to confirm: erasure cannot be undone.",
                reference=defender_reference,
            )
        ]
        return _invalid(case, key, form)
    if not _confirmed():
        return _confirm(
            case,
            messages.confirm_erase(
                defender_reference,
                bool(form.include_case_content.data),
                ERASURE_EXPLAINED.format(days=current_settings().erasure_retire_within_days),
            ),
            action=url_for(
                "case_actions.erase", reference=reference, defender_reference=defender_reference
            ),
            anchor="defenders",
        )
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
