"""Trial observation: scheduled -> observed | not observed -> report filed."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain import refusals, states
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.local_time import PAST_HEARING_CONFIRMATION, local_label
from hrd_cases.domain.states import HearingState
from hrd_cases.domain.vocabulary import (
    ActionType,
    HearingOutcome,
)
from hrd_cases.models import (
    Case,
    Delegation,
    Hearing,
    HearingObserver,
    User,
)
from hrd_cases.records import RecordVault
from hrd_cases.workflow.service import (
    check_required,
    ensure_open,
    locked_action,
    record_step,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion


def _observation_template(catalogue: StrategyCatalogue, hearing_case: Case) -> StrategyVersion:
    template = template_of(catalogue, hearing_case)
    if not template.enabled(ActionType.TRIAL_OBSERVATION):
        raise InvalidTransition(
            f"the {template.name} template does not enable trial observation",
            rule="trial_observation.disabled",
        )
    return template


def observation_partners(template: StrategyVersion, delegation: Delegation) -> tuple[str, ...]:
    """Who may be recorded as observers: the embassies the delegation itself names (set by an
    admin, issue 19), or else those of the country's template."""
    return tuple(delegation.partner_codes) or tuple(template.observation_partners)


def _not_partners(template: StrategyVersion) -> str:
    strategy = refusals.strategy_phrase(template.code, template.name)
    return refusals.OBSERVERS_NOT_PARTNERS.format(strategy_lower=refusals.lower_first(strategy))


def _check_past_confirmed(case: Case, scheduled_for: datetime, confirm_past: bool) -> None:
    """A date long gone is more often a typing slip (2020 for 2026) than a real record."""
    if scheduled_for < utcnow() - PAST_HEARING_CONFIRMATION and not confirm_past:
        raise InvalidTransition(
            f"the hearing date {local_label(scheduled_for, case.delegation.time_zone)} is more "
            f"than {PAST_HEARING_CONFIRMATION.days} days in the past: confirm that you are "
            "recording a past hearing",
            rule="trial_observation.past_hearing_unconfirmed",
            fields={"scheduled_for": refusals.PAST_HEARING},
        )


def _check_held(hearing: Hearing, what: str) -> None:
    """Nothing about a hearing's course is known before it starts in its delegation's zone."""
    if utcnow() < hearing.scheduled_for:
        zone_name = hearing.case.delegation.time_zone
        raise InvalidTransition(
            f"the hearing is on {local_label(hearing.scheduled_for, zone_name)}: its {what} "
            "can be recorded once it has taken place",
            rule="trial_observation.outcome_before_hearing",
            fields=(
                {"outcome": refusals.OUTCOME_BEFORE_HEARING}
                if what == "outcome"
                else {"observed": refusals.OBSERVATION_BEFORE_HEARING}
            ),
        )


def schedule_hearing(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    *,
    scheduled_for: datetime,
    court: str,
    charges: str | None = None,
    confirm_past: bool = False,
) -> Hearing:
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.HEARING_MANAGE, lock=True)
        ensure_open(case)
        template = _observation_template(catalogue, case)
        scheduled_for = scheduled_for.astimezone(UTC)  # whatever offset it was typed with
        _check_past_confirmed(case, scheduled_for, confirm_past)
        check_required(template, ActionType.TRIAL_OBSERVATION, {"court": court, "charges": charges})
        if not court.strip():
            raise InvalidTransition(
                "a hearing needs a court",
                rule="trial_observation.court",
                fields={"court": refusals.COURT_NEEDED},
            )
        hearing = Hearing(
            id=uuid.uuid4(),
            case=case,
            scheduled_for=scheduled_for,
            state=HearingState.SCHEDULED,
            created_by_id=actor.id,
        )
        vault.seal(hearing, {"court": court.strip()[:200], "charges": charges, "report": None})
        session.add(hearing)
        session.flush()
        record_step(
            session,
            case,
            actor,
            "hearing.scheduled",
            "hearing.schedule",
            item=("hearing", hearing.id),
            event_details={"date": scheduled_for.date().isoformat()},
            audit_details={"case": case.reference},
        )
    return hearing


def _hearing_for(session: Session, actor: User, hearing_id: uuid.UUID) -> Hearing:
    hearing = locked_action(session, actor, Hearing, hearing_id, Permission.HEARING_MANAGE)
    ensure_open(hearing.case)
    return hearing


def record_observation(
    session: Session,
    catalogue: StrategyCatalogue,
    actor: User,
    hearing_id: uuid.UUID,
    *,
    observed: bool,
    observers: Iterable[str] = (),
    outcome: HearingOutcome | None = None,
) -> Hearing:
    """Who attended (embassies sharing observation under the template), and the outcome."""
    with write_transaction(session):
        hearing = _hearing_for(session, actor, hearing_id)
        template = _observation_template(catalogue, hearing.case)
        target = HearingState.OBSERVED if observed else HearingState.NOT_OBSERVED
        states.check("hearing", states.HEARING_TRANSITIONS, hearing.state, target)
        _check_held(hearing, "observation")
        codes = sorted({code.strip().upper() for code in observers if code.strip()})
        partners = observation_partners(template, hearing.case.delegation)
        strangers = [c for c in codes if c not in partners]
        if strangers:
            raise InvalidTransition(
                f"{', '.join(strangers)} do(es) not share trial observation under the "
                f"{template.name} template (partners: {', '.join(partners)})",
                rule="trial_observation.partners",
                fields={"observers": _not_partners(template)},
            )
        if observed and not codes:
            raise InvalidTransition(
                "an observed hearing needs at least one observer",
                rule="trial_observation.observers",
                fields={"observers": refusals.OBSERVERS_NEEDED},
            )
        hearing.state, hearing.outcome, hearing.observed_at = target, outcome, utcnow()
        hearing.observers = [HearingObserver(embassy=c) for c in codes]
        record_step(
            session,
            hearing.case,
            actor,
            f"hearing.{target.value}",
            "hearing.observe",
            item=("hearing", hearing.id),
            event_details={
                "observers": ",".join(codes) or None,
                "outcome": outcome.value if outcome else None,
            },
            audit_details={"observed": observed},
        )
    return hearing


def file_report(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    hearing_id: uuid.UUID,
    report: str,
) -> Hearing:
    with write_transaction(session):
        hearing = _hearing_for(session, actor, hearing_id)
        template = _observation_template(catalogue, hearing.case)
        states.check(
            "hearing", states.HEARING_TRANSITIONS, hearing.state, HearingState.REPORT_FILED
        )
        if not report.strip():
            raise InvalidTransition(
                "the observation report is empty",
                rule="trial_observation.report",
                fields={"report": refusals.REPORT_NEEDED},
            )
        check_required(
            template,
            ActionType.TRIAL_OBSERVATION,
            {
                "report": report,
                "court": "present" if hearing.court_ciphertext else None,
                "observers": hearing.observer_codes,
                "charges": "present" if hearing.charges_ciphertext else None,
            },
        )
        vault.seal(hearing, {"report": report})
        hearing.state, hearing.report_filed_at = HearingState.REPORT_FILED, utcnow()
        record_step(
            session,
            hearing.case,
            actor,
            "hearing.report_filed",
            "hearing.report",
            item=("hearing", hearing.id),
        )
    return hearing


def record_hearing_outcome(
    session: Session, actor: User, hearing_id: uuid.UUID, outcome: HearingOutcome
) -> Hearing:
    """The court's outcome, often known only after the observation or its report."""
    with write_transaction(session):
        hearing = locked_action(session, actor, Hearing, hearing_id, Permission.HEARING_MANAGE)
        ensure_open(hearing.case)
        if hearing.state is HearingState.SCHEDULED:
            raise InvalidTransition(
                "a hearing's outcome is recorded once it has taken place (observed or not)",
                rule="trial_observation.outcome_before_hearing",
                fields={"outcome": refusals.OUTCOME_BEFORE_HEARING},
            )
        _check_held(hearing, "outcome")
        previous = hearing.outcome
        hearing.outcome = outcome
        record_step(
            session,
            hearing.case,
            actor,
            "hearing.outcome",
            "hearing.outcome",
            item=("hearing", hearing.id),
            event_details={"from": previous.value if previous else None, "to": outcome.value},
            audit_details={"outcome": outcome.value},
        )
    return hearing


def _scheduled(hearing: Hearing, step: str) -> None:
    if hearing.state is not HearingState.SCHEDULED:
        raise InvalidTransition(
            f"only a scheduled hearing can be {step} (this one is {hearing.state.value})",
            rule="hearing.transition",
        )


def reschedule_hearing(
    session: Session,
    vault: RecordVault,
    actor: User,
    hearing_id: uuid.UUID,
    *,
    scheduled_for: datetime,
    reason: str,
    confirm_past: bool = False,
) -> Hearing:
    """A new date, with why: the old date stays on the timeline (the reason is encrypted)."""
    with write_transaction(session):
        hearing = _hearing_for(session, actor, hearing_id)
        _scheduled(hearing, "rescheduled")
        scheduled_for = scheduled_for.astimezone(UTC)
        if not reason.strip():
            raise InvalidTransition(
                "a rescheduled hearing needs the reason for the change",
                rule="trial_observation.reschedule_reason",
                fields={"reason": refusals.RESCHEDULE_REASON},
            )
        if scheduled_for == hearing.scheduled_for:
            raise InvalidTransition(
                "the new date and time are the same as the current ones",
                rule="trial_observation.reschedule_same_date",
                fields={"scheduled_for": refusals.SAME_DATE},
            )
        _check_past_confirmed(hearing.case, scheduled_for, confirm_past)
        zone_name = hearing.case.delegation.time_zone
        previous = hearing.scheduled_for
        hearing.scheduled_for = scheduled_for
        vault.seal(hearing, {"change_reason": reason.strip()})
        record_step(
            session,
            hearing.case,
            actor,
            "hearing.rescheduled",
            "hearing.reschedule",
            item=("hearing", hearing.id),
            event_details={
                "from": local_label(previous, zone_name),
                "to": local_label(scheduled_for, zone_name),
            },
        )
    return hearing


def cancel_hearing(
    session: Session, vault: RecordVault, actor: User, hearing_id: uuid.UUID, *, reason: str
) -> Hearing:
    """The hearing will not take place (charges dropped, case moved): off calendars and
    reminders, kept on the case with its reason."""
    with write_transaction(session):
        hearing = _hearing_for(session, actor, hearing_id)
        states.check("hearing", states.HEARING_TRANSITIONS, hearing.state, HearingState.CANCELLED)
        if not reason.strip():
            raise InvalidTransition(
                "a cancelled hearing needs the reason",
                rule="trial_observation.cancel_reason",
                fields={"reason": refusals.CANCEL_REASON},
            )
        hearing.state, hearing.cancelled_at = HearingState.CANCELLED, utcnow()
        vault.seal(hearing, {"change_reason": reason.strip()})
        record_step(
            session,
            hearing.case,
            actor,
            "hearing.cancelled",
            "hearing.cancel",
            item=("hearing", hearing.id),
            event_details={
                "date": local_label(hearing.scheduled_for, hearing.case.delegation.time_zone)
            },
        )
    return hearing
