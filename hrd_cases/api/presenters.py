"""Read results to plain values for the output schemas. Decrypted text comes only from the
audited case read (``hrd_cases.reads.case_view``); erased keys read as null, never an error."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from hrd_cases.domain.local_time import local_label, to_local_whole_minutes
from hrd_cases.domain.states import CaseState, awaiting_protection_decision
from hrd_cases.models import Case, Consent, Defender, Hearing, Referral, Statement, User
from hrd_cases.reads.case_view import CaseView, OpenedDefender
from hrd_cases.reads.lists import CaseRow
from hrd_cases.reads.notes import NoteView
from hrd_cases.workflow.case_steps import case_stage


class Hidden(enum.Enum):
    """Encrypted text not decrypted for this answer (only the audited case read opens it)."""

    TOKEN = "not-decrypted"  # noqa: S105 - a marker, not a secret


HIDDEN = Hidden.TOKEN


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
        "assigned_to": user_ref(case.assigned_to),
        "awaiting_decision": awaiting_protection_decision([r.state for r in case.referrals]),
    }


def user_ref(user: User | None) -> dict[str, Any] | None:
    return None if user is None else {"id": user.id, "display_name": user.display_name}


def case_list_item(row: CaseRow) -> dict[str, Any]:
    return {
        **case_summary(row.case),
        "defender_name": row.name,
        "next_deadline": row.next_due,
        "overdue": row.overdue,
    }


def defender(opened: OpenedDefender) -> dict[str, Any]:
    shown: dict[str, Any] = {"reference": opened.defender.reference, "erased": True}
    shown.update(dict.fromkeys(Defender.encrypted_fields))
    if opened.fields is not None:
        shown.update(opened.fields)
        shown["erased"] = False
    return shown


def case_detail(view: CaseView) -> dict[str, Any]:
    case = view.case
    return {
        **case_summary(case),
        "narrative": view.narrative,
        "closure_reason": view.closure_reason,
        "content_erased": view.content_erased,
        "defenders": [defender(d) for d in view.defenders],
        "referrals": [
            referral(r, view.justifications[r.id], view.decision_reasons) for r in case.referrals
        ],
        "hearings": [hearing(h, view.hearing_texts[h.id]) for h in case.hearings],
        "consents": [consent(c, view.consent_notes[c.id]) for c in case.consents],
        "statements": [
            statement(s, view.statement_drafts[s.id], view.decision_reasons)
            for s in case.statements
        ],
        "deadlines": [
            {
                "kind": d.kind.value,
                "due_at": d.due_at,
                "overdue": d.due_at < view.as_of,
                "subject_id": d.subject_id,
            }
            for d in view.deadlines
        ],
        "notes": [note(n) for n in view.notes],
    }


def note(shown: NoteView) -> dict[str, Any]:
    return {
        "id": shown.id,
        "written_at": shown.written_at,
        "author": shown.author.display_name,
        "text": shown.text,
    }


def _decisions(
    subject: Referral | Statement, reasons: Mapping[tuple[str, int], str | None] | None = None
) -> list[dict[str, Any]]:
    kind = "referral" if isinstance(subject, Referral) else "statement"
    shown: list[dict[str, Any]] = []
    for d in subject.decisions:
        row: dict[str, Any] = {
            "officer_id": d.officer_id,
            "approve": d.approve,
            "returned": d.returned,
            "revision": d.round,
            "decided_at": d.decided_at,
        }
        if reasons is not None:
            row["reason"] = reasons.get((kind, d.id))
        shown.append(row)
    return shown


def referral(
    record: Referral,
    justification: str | Hidden | None = HIDDEN,
    reasons: Mapping[tuple[str, int], str | None] | None = None,
) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "mechanism": record.mechanism,
        "assistance_types": record.assistance_types,
        "amount_eur": record.amount_eur,
        "state": record.state,
        "approvals_required": record.approvals_required,
        "decisions": _decisions(record, reasons),
        "created_by_id": record.created_by_id,
        "created_at": record.created_at,
        "requested_at": record.requested_at,
        "decided_at": record.decided_at,
        "delivered_at": record.delivered_at,
        "closed_at": record.closed_at,
        "revision": record.revision,
        "approvals_given": record.approvals_given,
        "returned_at": record.returned_at,
        "withdrawn_at": record.withdrawn_at,
    }
    if justification is not HIDDEN:
        shown["justification"] = justification
    return shown


def hearing(record: Hearing, texts: dict[str, str | None] | None = None) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "scheduled_for": record.scheduled_for,
        "time_zone": record.case.delegation.time_zone,
        "scheduled_local": to_local_whole_minutes(
            record.scheduled_for, record.case.delegation.time_zone
        ),
        "scheduled_label": local_label(record.scheduled_for, record.case.delegation.time_zone),
        "state": record.state,
        "outcome": record.outcome,
        "observers": record.observer_codes,
        "observed_at": record.observed_at,
        "report_filed_at": record.report_filed_at,
        "cancelled_at": record.cancelled_at,
    }
    if texts is not None:
        shown.update(texts)
    return shown


def consent(record: Consent, notes: str | Hidden | None = HIDDEN) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "scopes": sorted(record.scopes),
        "given_on": record.given_on,
        "recorded_at": record.recorded_at,
        "revoked_at": record.revoked_at,
        "active": record.is_active,
    }
    if notes is not HIDDEN:
        shown["notes"] = notes
    return shown


def statement(
    record: Statement,
    draft: str | Hidden | None = HIDDEN,
    reasons: Mapping[tuple[str, int], str | None] | None = None,
) -> dict[str, Any]:
    shown = {
        "id": record.id,
        "case": record.case.reference,
        "level": record.level,
        "state": record.state,
        "approvals_required": record.approvals_required,
        "decisions": _decisions(record, reasons),
        "created_at": record.created_at,
        "submitted_at": record.submitted_at,
        "decided_at": record.decided_at,
        "published_at": record.published_at,
        "withdrawn_at": record.withdrawn_at,
        "publication_url": record.publication_url,
        "published_text": record.published_text,
        "revision": record.revision,
        "approvals_given": record.approvals_given,
        "returned_at": record.returned_at,
    }
    if draft is not HIDDEN:
        shown["draft"] = draft
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
