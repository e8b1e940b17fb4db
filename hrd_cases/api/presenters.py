"""ORM objects to plain values for the output schemas. Decryption happens only where a caller
asks for ``content=True`` (the audited case read); erased keys read as null, never an error."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hrd_cases.crypto import ErasedError
from hrd_cases.domain.states import CaseState
from hrd_cases.models import Case, Consent, Defender, Hearing, Referral, Statement, User
from hrd_cases.records import RecordVault
from hrd_cases.workflow.case_steps import case_stage
from hrd_cases.workflow.deadlines import case_deadlines
from hrd_cases.workflow.templates import StrategyCatalogue


def _open(vault: RecordVault | None, record: Any, field: str) -> str | None:
    if vault is None:
        return None
    try:
        return vault.open_field(record, field)
    except ErasedError:
        return None


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "country": case.country,
        "delegation": case.delegation.code,
        "risk_level": case.risk_level,
        "stage": case_stage(case),
        "status": CaseState.CLOSED if case.closed_at else CaseState.OPEN,
        "template": {"code": case.template_code, "version": case.template_version},
        "profile_categories": [c.category for c in case.profile_categories],
        "threats": [t.threat for t in case.threats],
        "opened_at": case.opened_at,
        "assessed_at": case.assessed_at,
        "closed_at": case.closed_at,
        "reopened_at": case.reopened_at,
        "closure_outcome": case.closure_outcome,
    }


def defender(vault: RecordVault, record: Defender) -> dict[str, Any]:
    shown: dict[str, Any] = {"reference": record.reference, "erased": True}
    shown.update(dict.fromkeys(Defender.encrypted_fields))
    if record.erased_at is None:
        try:
            shown.update(vault.open(record))
            shown["erased"] = False
        except ErasedError:
            pass
    return shown


def case_detail(
    case: Case, vault: RecordVault, catalogue: StrategyCatalogue, now: datetime
) -> dict[str, Any]:
    return {
        **case_summary(case),
        "narrative": _open(vault, case, "narrative"),
        "closure_reason": _open(vault, case, "closure_reason"),
        "content_erased": case.data_key.wrapped_key is None,
        "defenders": [defender(vault, d) for d in case.defenders],
        "referrals": [referral(r, vault) for r in case.referrals],
        "hearings": [hearing(h, vault) for h in case.hearings],
        "consents": [consent(c, vault) for c in case.consents],
        "statements": [statement(s, vault) for s in case.statements],
        "deadlines": [
            {
                "kind": d.kind.value,
                "due_at": d.due_at,
                "overdue": d.due_at < now,
                "subject_id": d.subject_id,
            }
            for d in case_deadlines(catalogue, case)
        ],
    }


def _decisions(subject: Referral | Statement) -> list[dict[str, Any]]:
    return [
        {"officer_id": d.officer_id, "approve": d.approve, "decided_at": d.decided_at}
        for d in subject.decisions
    ]


def referral(record: Referral, vault: RecordVault | None = None) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "mechanism": record.mechanism,
        "assistance_types": record.assistance_types,
        "amount_eur": record.amount_eur,
        "state": record.state,
        "approvals_required": record.approvals_required,
        "decisions": _decisions(record),
        "created_by_id": record.created_by_id,
        "created_at": record.created_at,
        "requested_at": record.requested_at,
        "decided_at": record.decided_at,
        "delivered_at": record.delivered_at,
        "closed_at": record.closed_at,
    }
    if vault is not None:
        shown["justification"] = _open(vault, record, "justification")
    return shown


def hearing(record: Hearing, vault: RecordVault | None = None) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "scheduled_for": record.scheduled_for,
        "state": record.state,
        "outcome": record.outcome,
        "observers": record.observer_codes,
        "observed_at": record.observed_at,
        "report_filed_at": record.report_filed_at,
    }
    if vault is not None:
        for field in Hearing.encrypted_fields:
            shown[field] = _open(vault, record, field)
    return shown


def consent(record: Consent, vault: RecordVault | None = None) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "scopes": sorted(record.scopes),
        "given_on": record.given_on,
        "recorded_at": record.recorded_at,
        "revoked_at": record.revoked_at,
        "active": record.is_active,
    }
    if vault is not None:
        shown["notes"] = _open(vault, record, "notes")
    return shown


def statement(record: Statement, vault: RecordVault | None = None) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "level": record.level,
        "state": record.state,
        "approvals_required": record.approvals_required,
        "decisions": _decisions(record),
        "created_at": record.created_at,
        "submitted_at": record.submitted_at,
        "decided_at": record.decided_at,
        "published_at": record.published_at,
        "withdrawn_at": record.withdrawn_at,
        "publication_url": record.publication_url,
        "published_text": record.published_text,
    }
    if vault is not None:
        shown["draft"] = _open(vault, record, "draft")
    return shown


def me(user: User, permissions: list[str]) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role,
        "delegation": user.delegation.code if user.delegation else None,
        "countries": user.country_codes,
        "permissions": permissions,
    }
