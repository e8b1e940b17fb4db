"""Public statements and demarches: draft -> submitted -> approved | rejected -> published |
withdrawn. The text is encrypted until publication. No statement is submitted or published
without the defender's recorded, unrevoked consent covering its level (do no harm)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for
from hrd_cases.db import utcnow, write_transaction
from hrd_cases.domain import refusals, states
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.states import StatementState
from hrd_cases.domain.vocabulary import ActionType, StatementLevel, consent_scope_for
from hrd_cases.models import Statement, StatementDecision, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.consent import active_consent_covers
from hrd_cases.workflow.service import (
    add_event,
    apply_decision,
    check_required,
    ensure_open,
    locked_action,
    record_step,
    template_of,
)
from hrd_cases.workflow.templates import StrategyCatalogue, StrategyVersion


def _require_consent(statement: Statement) -> None:
    scope = consent_scope_for(statement.level)
    if not active_consent_covers(statement.case, scope):
        raise InvalidTransition(
            f"a {statement.level.value.replace('_', ' ')} needs the defender's recorded, "
            f"unrevoked consent covering {scope.value.replace('_', ' ')} (do no harm)",
            rule="statement.consent",
            fields={
                "consent": refusals.CONSENT_MISSING.format(
                    scope=refusals.LEVEL_NAMES[statement.level.value]
                )
            },
        )


def _check_draft(template: StrategyVersion, level: StatementLevel, text: str) -> None:
    """The template's rules for a statement's level and text."""
    if level not in template.statement_levels:
        allowed = ", ".join(v.value for v in template.statement_levels)
        raise InvalidTransition(
            f"a {level.value} is not an allowed statement level in {template.name} "
            f"(allowed: {allowed})",
            rule="statement.level_not_allowed",
            fields={
                "level": refusals.LEVEL_NOT_ALLOWED.format(
                    strategy=refusals.strategy_phrase(template.code, template.name),
                    level=refusals.LEVEL_NAMES[level.value],
                )
            },
        )
    check_required(
        template, ActionType.PUBLIC_STATEMENT, {"level": level, "draft": text}, {"draft": "text"}
    )
    if not text.strip():
        raise InvalidTransition(
            "the statement text is empty",
            rule="statement.text",
            fields={"text": refusals.STATEMENT_TEXT_EMPTY},
        )


def draft_statement(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    reference: str,
    *,
    level: StatementLevel,
    text: str,
) -> Statement:
    with write_transaction(session):
        case = case_for(session, actor, reference, Permission.STATEMENT_DRAFT, lock=True)
        ensure_open(case)
        template = template_of(catalogue, case)
        rules = template.rules(ActionType.PUBLIC_STATEMENT)
        if not rules.enabled:
            raise InvalidTransition(
                f"the {template.name} template does not enable statements",
                rule="statement.disabled",
            )
        _check_draft(template, level, text)
        statement = Statement(
            id=uuid.uuid4(),
            case=case,
            level=level,
            state=StatementState.DRAFT,
            approvals_required=rules.approvals_required,
            created_by_id=actor.id,
        )
        vault.seal(statement, {"draft": text})
        session.add(statement)
        session.flush()
        record_step(
            session,
            case,
            actor,
            "statement.drafted",
            "statement.draft",
            item=("statement", statement.id),
            event_details={"level": level.value},
            audit_details={"case": case.reference},
        )
    return statement


def _statement_for(
    session: Session, actor: User, statement_id: uuid.UUID, permission: Permission
) -> Statement:
    """The statement and its case, row-locked: publication and consent revocation (which
    locks the same case) cannot interleave."""
    statement = locked_action(session, actor, Statement, statement_id, permission)
    ensure_open(statement.case)
    return statement


def _move(
    session: Session, actor: User | None, statement: Statement, target: StatementState
) -> None:
    states.check("statement", states.STATEMENT_TRANSITIONS, statement.state, target)
    statement.state = target
    add_event(
        session,
        statement.case,
        actor,
        f"statement.{target.value}",
        subject_type="statement",
        subject_id=statement.id,
    )


def submit_statement(session: Session, actor: User, statement_id: uuid.UUID) -> Statement:
    with write_transaction(session):
        statement = _statement_for(session, actor, statement_id, Permission.STATEMENT_DRAFT)
        _require_consent(statement)
        _move(session, actor, statement, StatementState.SUBMITTED)
        statement.submitted_by_id, statement.submitted_at = actor.id, utcnow()
        audit.record(
            session,
            "statement.submit",
            actor_id=actor.id,
            object_type="statement",
            object_id=statement.id,
        )
    return statement


def decide_statement(
    session: Session,
    actor: User,
    statement_id: uuid.UUID,
    *,
    approve: bool,
    reason: str | None = None,
    vault: RecordVault | None = None,
) -> Statement:
    with write_transaction(session):
        statement = _statement_for(session, actor, statement_id, Permission.STATEMENT_DECIDE)
        apply_decision(
            session,
            actor,
            statement,
            kind="statement",
            approve=approve,
            make_decision=StatementDecision,
            requester_ids=(statement.submitted_by_id, statement.created_by_id),
            transitions=states.STATEMENT_TRANSITIONS,
            awaiting=StatementState.SUBMITTED,
            approved=StatementState.APPROVED,
            rejected=StatementState.REJECTED,
            vault=vault,
            reason=reason,
        )
    return statement


def publish_statement(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    statement_id: uuid.UUID,
    *,
    publication_url: str | None = None,
) -> Statement:
    """Consent is checked again: it may have been revoked since the submission."""
    with write_transaction(session):
        statement = _statement_for(session, actor, statement_id, Permission.STATEMENT_DRAFT)
        _require_consent(statement)
        if publication_url and not publication_url.startswith("https://"):
            raise InvalidTransition(
                "the publication address must start with https://",
                rule="statement.publication_url",
                fields={"publication_url": refusals.PUBLICATION_URL},
            )
        check_required(
            template_of(catalogue, statement.case),
            ActionType.PUBLIC_STATEMENT,
            {"publication_url": publication_url},
        )
        text = vault.open_field(statement, "draft")
        _move(session, actor, statement, StatementState.PUBLISHED)
        # Published text is public: kept in the clear, the encrypted draft is dropped.
        statement.published_text, statement.draft_ciphertext = text, None
        statement.publication_url, statement.published_at = publication_url, utcnow()
        audit.record(
            session,
            "statement.publish",
            actor_id=actor.id,
            object_type="statement",
            object_id=statement.id,
        )
    return statement


def withdraw_statement(session: Session, actor: User, statement_id: uuid.UUID) -> Statement:
    with write_transaction(session):
        statement = _statement_for(session, actor, statement_id, Permission.STATEMENT_DRAFT)
        _move(session, actor, statement, StatementState.WITHDRAWN)
        statement.withdrawn_at = utcnow()
        audit.record(
            session,
            "statement.withdraw",
            actor_id=actor.id,
            object_type="statement",
            object_id=statement.id,
        )
    return statement


def return_statement(
    session: Session, vault: RecordVault, actor: User, statement_id: uuid.UUID, *, reason: str
) -> Statement:
    """An officer sends a submitted statement back for revision, with the reason
    (encrypted). That officer can no longer approve it."""
    with write_transaction(session):
        statement = _statement_for(session, actor, statement_id, Permission.STATEMENT_DECIDE)
        apply_decision(
            session,
            actor,
            statement,
            kind="statement",
            approve=False,
            make_decision=StatementDecision,
            requester_ids=(statement.submitted_by_id, statement.created_by_id),
            transitions=states.STATEMENT_TRANSITIONS,
            awaiting=StatementState.SUBMITTED,
            approved=StatementState.APPROVED,
            rejected=StatementState.REJECTED,
            vault=vault,
            reason=reason,
            send_back_to=StatementState.RETURNED,
        )
    return statement


def revise_statement(
    session: Session,
    vault: RecordVault,
    catalogue: StrategyCatalogue,
    actor: User,
    statement_id: uuid.UUID,
    *,
    level: StatementLevel,
    text: str,
    submit: bool = True,
) -> Statement:
    """Edit a statement not yet decided (a draft, a submitted one, or one returned for
    revision) and, unless ``submit`` is False, submit it again (consent is checked). The
    edit starts a new revision: approvals so far no longer count, and its editor may never
    approve it."""
    with write_transaction(session):
        statement = _statement_for(session, actor, statement_id, Permission.STATEMENT_DRAFT)
        if statement.state not in (
            StatementState.DRAFT,
            StatementState.SUBMITTED,
            StatementState.RETURNED,
        ):
            raise InvalidTransition(
                f"a statement in state {statement.state.value} cannot be edited "
                "(only before its decision)",
                rule="statement.transition",
            )
        _check_draft(template_of(catalogue, statement.case), level, text)
        changed = [
            name
            for name, differs in (
                ("level", statement.level is not level),
                ("text", vault.open_field(statement, "draft") != text),
            )
            if differs
        ]
        statement.level = level
        vault.seal(statement, {"draft": text})
        if statement.state is not StatementState.DRAFT:
            statement.revision += 1
        record_step(
            session,
            statement.case,
            actor,
            "statement.revised",
            "statement.revise",
            item=("statement", statement.id),
            event_details={"fields": ", ".join(changed) or "none", "revision": statement.revision},
            audit_details={"fields": ", ".join(changed) or "none"},
        )
        if submit and statement.state in (StatementState.DRAFT, StatementState.RETURNED):
            _require_consent(statement)
            _move(session, actor, statement, StatementState.SUBMITTED)
            statement.submitted_by_id, statement.submitted_at = actor.id, utcnow()
    return statement
