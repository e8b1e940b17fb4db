"""Workflow services: one function per step. Each checks its guards, writes the change and its
audit entry, and commits them together or not at all."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.audit.log import DetailValue
from hrd_cases.auth.permissions import Permission, case_for, require
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain import refusals, states
from hrd_cases.domain.errors import Forbidden, InvalidTransition, NotFound
from hrd_cases.domain.vocabulary import ActionType, ProfileCategory, RiskLevel, ThreatType
from hrd_cases.models import (
    Case,
    CaseProfileCategory,
    CaseThreat,
    Consent,
    Defender,
    Delegation,
    Hearing,
    Referral,
    Role,
    Statement,
    TimelineEvent,
    User,
)
from hrd_cases.notify.events import on_timeline_event
from hrd_cases.records.defenders import create_defender, link_defender
from hrd_cases.records.vault import RecordVault, clean_texts
from hrd_cases.workflow.references import next_case_reference
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion


@dataclass(frozen=True, slots=True)
class IntakeInput:
    """What a focal point records at intake. ``defender`` holds the encrypted fields."""

    delegation_id: int
    country: str
    risk_level: RiskLevel
    defender: Mapping[str, str | None]
    profile_categories: Iterable[ProfileCategory] = field(default_factory=tuple)
    threats: Iterable[ThreatType] = field(default_factory=tuple)
    narrative: str | None = None


def open_case(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User | None,
    intake: IntakeInput,
) -> Case:
    """Intake: a new case with its defender, each with its own data key, under the country
    template in force today."""
    if actor is not None:
        require(actor, Permission.CASE_CREATE)
        if actor.role is Role.FOCAL_POINT and actor.delegation_id != intake.delegation_id:
            raise Forbidden("focal points open cases for their own delegation only")
    now = utcnow()
    template = catalogue.for_country(intake.country).in_force(now.date())
    unknown = set(intake.defender) - set(Defender.encrypted_fields)
    if unknown:
        raise ValueError(f"unknown defender field(s): {', '.join(sorted(unknown))}")
    _check_required(
        template,
        ActionType.INTAKE,
        _intake_values(intake),
        {f: f"defender.{f}" for f in Defender.encrypted_fields},
    )
    # The input policy before any lock is taken (sealing applies it again, as a backstop).
    clean_texts("defenders", intake.defender)
    clean_texts("cases", {"narrative": intake.narrative})
    with write_transaction(session):
        delegation = session.get(Delegation, intake.delegation_id)
        if delegation is None:
            raise NotFound(f"no delegation {intake.delegation_id}")
        if intake.country != delegation.country:
            # The country decides the template and which officers see the case: a typo here
            # would hide the case from the officers who must decide on it.
            raise InvalidTransition(
                f"a case opened by {delegation.code} concerns {delegation.country}, "
                f"not {intake.country!r}",
                rule="intake.country",
            )
        defender = create_defender(session, vault, intake.defender)
        case = Case(
            id=uuid.uuid4(),
            reference=next_case_reference(session, intake.country, now.year),
            country=intake.country,
            delegation=delegation,
            risk_level=intake.risk_level,
            template_code=template.code,
            template_version=template.version,
            opened_at=now,
            created_by_id=actor.id if actor else None,
            # Whoever opens a case is answerable for it until it is reassigned.
            assigned_to_id=actor.id if actor and actor.role is Role.FOCAL_POINT else None,
            data_key=vault.create_data_key("cases"),
        )
        vault.seal(case, {"narrative": intake.narrative})
        case.defender_links = [link_defender(vault, case, defender)]
        # country and opened_at are copied for the quarterly export (see CaseProfileCategory).
        case.profile_categories = [
            CaseProfileCategory(category=c, country=case.country, opened_at=case.opened_at)
            for c in set(intake.profile_categories)
        ]
        case.threats = [
            CaseThreat(threat=t, country=case.country, opened_at=case.opened_at)
            for t in set(intake.threats)
        ]
        session.add(case)
        session.flush()
        record_step(
            session,
            case,
            actor,
            "case.opened",
            "case.open",
            event_details={"risk_level": case.risk_level.value},
            audit_details={
                "country": case.country,
                "risk_level": case.risk_level.value,
                "defender": defender.reference,
            },
        )
    return case


def _intake_values(intake: IntakeInput) -> dict[str, object]:
    """Every field intake collects, present or not: a key left out counts as empty."""
    defender = {f: intake.defender.get(f) for f in Defender.encrypted_fields}
    return {
        **defender,
        "narrative": intake.narrative,
        "profile_categories": list(intake.profile_categories),
        "threats": list(intake.threats),
    }


def _check_required(
    template: StrategyVersion,
    action: ActionType,
    values: Mapping[str, object],
    field_names: Mapping[str, str] | None = None,
) -> None:
    """The template's required fields that this step collects must be present and non-empty.

    An action spans several steps (a hearing is scheduled, then reported on); each step passes
    the fields it collects, so a field required "for trial observation" is asked for at the
    step where it is entered, not before. ``field_names`` maps a template field to the
    input field that carries it, where the two differ (a statement's "draft" is "text").
    """
    missing = sorted(
        f for f in template.rules(action).required_fields if f in values and not _present(values[f])
    )
    if missing:
        names = field_names or {}
        raise InvalidTransition(
            f"the {template.name} template (version {template.version}) requires "
            f"{', '.join(missing)} for {action.value.replace('_', ' ')}",
            rule=f"{action.value}.required_fields",
            fields={
                names.get(f, f): refusals.required_message(
                    template.code, template.name, action.value, f
                )
                for f in missing
            },
        )


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, (list, tuple, set, frozenset)):
        return bool(value)
    return True


def add_event(
    session: Session,
    case: Case,
    actor: User | None,
    kind: str,
    *,
    subject_type: str | None = None,
    subject_id: object = None,
    details: Mapping[str, str | int | bool | None] | None = None,
) -> TimelineEvent:
    """A timeline entry in the caller's transaction (categories only, never content)."""
    event = TimelineEvent(
        case_id=case.id,
        at=utcnow(),
        actor_id=actor.id if actor else None,
        kind=kind,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        details=dict(details or {}),
    )
    session.add(event)
    # Notifications ride in the same transaction as the step (transactional outbox).
    on_timeline_event(session, case, kind, subject_type, subject_id, event.at)
    return event


def record_step(
    session: Session,
    case: Case,
    actor: User | None,
    event: str,
    action: str,
    *,
    item: tuple[str, object] | None = None,
    event_details: Mapping[str, str | int | bool | None] | None = None,
    audit_details: Mapping[str, DetailValue] | None = None,
) -> None:
    """A step's timeline event (what the case page shows) and its audit entry (who did what,
    for the tamper-evident log), in the caller's transaction: they commit with the change or
    not at all. ``item`` names the referral, hearing, consent or statement concerned, if any;
    otherwise the audit entry names the case."""
    kind, item_id = item if item is not None else (None, None)
    add_event(
        session, case, actor, event, subject_type=kind, subject_id=item_id, details=event_details
    )
    audit.record(
        session,
        action,
        actor_id=actor.id if actor else None,
        object_type=kind or "case",
        object_id=item_id if kind else case.reference,
        details=audit_details,
    )


def ensure_open(case: Case) -> None:
    """A closed case accepts nothing but reopen."""
    if case.closed_at is not None:
        raise InvalidTransition(
            f"case {case.reference} is closed: reopen it first", rule="case.closed"
        )


def template_of(catalogue: StrategyCatalogue, case: Case) -> StrategyVersion:
    """The rules a case was opened under (not necessarily the version in force today)."""
    return catalogue.template(case.template_code, case.template_version)


def check_required(
    template: StrategyVersion,
    action: ActionType,
    values: Mapping[str, object],
    field_names: Mapping[str, str] | None = None,
) -> None:
    _check_required(template, action, values, field_names)


def check_decider(
    actor: User,
    requester_ids: Iterable[int | None],
    decided_by: Iterable[int],
    *,
    subject: str,
    approve: bool = False,
    returned_or_edited_by: Iterable[int | None] = (),
) -> None:
    """Four-eyes: whoever requested (or drafted) something never decides on it, and each
    officer counts once per revision. Whoever returned or edited it never approves it: an
    approval must come from someone who did not shape what is approved."""
    if actor.id in set(requester_ids):
        raise InvalidTransition(
            f"whoever requested a {subject} cannot decide on it (four-eyes)",
            rule=f"{subject}.four_eyes",
        )
    if actor.id in set(decided_by):
        raise InvalidTransition(
            f"you have already decided on this {subject}",
            rule=f"{subject}.one_decision_per_officer",
        )
    if approve and actor.id in set(returned_or_edited_by):
        raise InvalidTransition(
            f"whoever returned or edited a {subject} cannot approve it (four-eyes)",
            rule=f"{subject}.returned_or_edited",
        )


class Decidable(Protocol):
    """A referral or a statement: something protection officers approve (four-eyes)."""

    id: uuid.UUID
    case: Case
    state: Any
    approvals_required: int
    revision: int
    returned_at: datetime | None
    decided_at: datetime | None
    decisions: list[Any]

    @property
    def current_decisions(self) -> list[Any]: ...


def editors_of(session: Session, kind: str, subject_id: uuid.UUID) -> set[int | None]:
    """Who edited a referral or statement (its "revised" timeline events name them)."""
    return set(
        session.scalars(
            select(TimelineEvent.actor_id).where(
                TimelineEvent.subject_type == kind,
                TimelineEvent.subject_id == str(subject_id),
                TimelineEvent.kind == f"{kind}.revised",
            )
        )
    )


def apply_decision(
    session: Session,
    actor: User,
    subject: Decidable,
    *,
    kind: str,
    approve: bool,
    make_decision: Callable[..., Any],
    requester_ids: Iterable[int | None],
    transitions: Mapping[Any, frozenset[Any]],
    awaiting: enum.Enum,
    approved: enum.Enum,
    rejected: enum.Enum,
    vault: RecordVault | None = None,
    reason: str | None = None,
    send_back_to: enum.Enum | None = None,
) -> None:
    """One officer's decision, in the caller's transaction (the subject row is locked).

    A rejection rejects; approvals from enough distinct officers, none of them the requester
    (nor whoever returned or edited it), approve. ``send_back_to`` (the "returned" state)
    makes the decision a return for revision instead. Only decisions on the current
    revision count: an edit after a return clears earlier approvals. Timeline events and the
    audit entry are written here, for both kinds. The reason (required on a rejection or a
    return, so the requester knows what to change) is sealed with the case's key; the
    timeline says only that there is one.
    """
    returning = send_back_to is not None
    if subject.state is not awaiting:
        raise InvalidTransition(
            f"the {kind} is {subject.state.value}, not awaiting a decision",
            rule=f"{kind}.transition",
        )
    blocked = {d.officer_id for d in subject.decisions if d.returned} | editors_of(
        session, kind, subject.id
    )
    check_decider(
        actor,
        requester_ids,
        (d.officer_id for d in subject.current_decisions),
        subject=kind,
        approve=approve and not returning,
        returned_or_edited_by=blocked,
    )
    reason = (reason or "").strip() or None
    if returning and reason is None:
        raise InvalidTransition(
            "a return for revision needs a reason, so that the requester knows what to change",
            rule=f"{kind}.reason_required",
            fields={"reason": refusals.REASON_TO_RETURN},
        )
    if not approve and reason is None:
        raise InvalidTransition(
            "a rejection needs a reason, so that the requester knows what to change",
            rule=f"{kind}.reason_required",
            fields={"reason": refusals.REASON_TO_REJECT},
        )
    now = utcnow()
    decision = make_decision(
        officer_id=actor.id,
        approve=approve and not returning,
        returned=returning,
        round=subject.revision,
        decided_at=now,
    )
    subject.decisions.append(decision)
    if reason is not None:
        if vault is None:
            raise ValueError("a decision's reason needs the vault to be sealed")
        session.flush()  # its row id is part of the ciphertext's associated data
        vault.seal(decision, {"reason": reason})
    if send_back_to is not None:
        states.check(kind, transitions, subject.state, send_back_to)
        subject.state, subject.returned_at = send_back_to, now
        record_step(
            session,
            subject.case,
            actor,
            f"{kind}.returned",
            f"{kind}.return",
            item=(kind, subject.id),
            audit_details={"revision": subject.revision},
        )
        return
    add_event(
        session,
        subject.case,
        actor,
        f"{kind}.approval" if approve else f"{kind}.rejection",
        subject_type=kind,
        subject_id=subject.id,
    )
    approvals = sum(1 for d in subject.current_decisions if d.approve)
    target = (
        rejected if not approve else approved if approvals >= subject.approvals_required else None
    )
    if target is not None:
        states.check(kind, transitions, subject.state, target)
        subject.state, subject.decided_at = target, now
        add_event(
            session,
            subject.case,
            None,
            f"{kind}.{target.value}",
            subject_type=kind,
            subject_id=subject.id,
            details={"approvals": approvals},
        )
    audit.record(
        session,
        f"{kind}.decide",
        actor_id=actor.id,
        object_type=kind,
        object_id=subject.id,
        details={"approve": approve, "state": subject.state.value},
    )


_Action = TypeVar("_Action", Referral, Hearing, Consent, Statement)


def locked_action(
    session: Session,
    actor: User,
    model: type[_Action],
    action_id: uuid.UUID,
    permission: Permission,
) -> _Action:
    """A referral, hearing, consent or statement, after its case (in the user's scope) and then
    itself were row-locked and reloaded. Always case first, then the action: one lock order
    everywhere, so concurrent steps queue instead of deadlocking."""
    reference = session.scalar(
        select(Case.reference).join(model, model.case_id == Case.id).where(model.id == action_id)
    )
    if reference is None:
        raise NotFound(f"no such {model.__tablename__.rstrip('s')}")
    case_for(session, actor, reference, permission, lock=True)
    action = session.scalar(
        select(model)
        .where(model.id == action_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if action is None:
        raise NotFound("no such action")
    return action
