"""The audit log (admins and auditors) and "who accessed this case" (the case's readers and
the auditor): the same reads as the viewer, never case content."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Response, stream_with_context

from hrd_cases.api import bp
from hrd_cases.api.inputs import no_body, query_args
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.audit import (
    AuditEntrySchema,
    AuditQuerySchema,
    CaseAccessQuerySchema,
    ChainStateSchema,
)
from hrd_cases.auth.permissions import Permission, case_for, has_permission, require
from hrd_cases.current import current_actor, current_session
from hrd_cases.http.errors import envelope
from hrd_cases.reads import audit as audit_reads

AUDIT_ROLES = ("admin", "auditor")
CASE_ACCESS_ROLES = ("focal_point", "protection_officer", "auditor")


def _filter(args: dict[str, Any]) -> audit_reads.AuditFilter:
    since, until = args.get("since"), args.get("until")
    return audit_reads.AuditFilter(
        actor=args.get("actor") or None,
        action=args.get("action") or None,
        case_reference=(args.get("case") or "").upper() or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until, time(), UTC) + timedelta(days=1) if until else None,
        outcome=args.get("outcome"),
    )


@operation(
    bp,
    "/audit/entries",
    "GET",
    summary="Audit log entries, newest first, filtered",
    tag="audit",
    roles=AUDIT_ROLES,
    query=AuditQuerySchema,
    response=AuditEntrySchema,
    many=True,
)
def audit_entries() -> Response:
    """Keyset paging: pass ``meta.next_before`` as ``before`` for the next, older page."""
    require(current_actor(), Permission.AUDIT_READ)
    args = query_args(AuditQuerySchema())
    page = audit_reads.audit_page(
        current_session(),
        _filter(args),
        before=args.get("before"),
        limit=args.get("limit", audit_reads.PAGE_SIZE),
    )
    rows = [dataclasses.asdict(r) for r in page.rows]
    return envelope(AuditEntrySchema(many=True).dump(rows), meta={"next_before": page.next_before})


@operation(
    bp,
    "/audit/entries.csv",
    "GET",
    summary="The filtered audit log as CSV",
    tag="audit",
    roles=AUDIT_ROLES,
    query=AuditQuerySchema,
    extra={
        "success_content": {
            "description": "CSV, newest first (attachment).",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def audit_entries_csv() -> Response:
    require(current_actor(), Permission.AUDIT_READ)
    args = query_args(AuditQuerySchema())
    return Response(
        stream_with_context(audit_reads.audit_csv(current_session(), _filter(args))),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _chain(state: audit_reads.ChainState) -> Response:
    return envelope(
        ChainStateSchema().dump(
            {
                "entries": state.entries,
                "verified_up_to": state.verified_up_to,
                "first_broken_entry": state.problem.seq if state.problem else None,
                "problem": str(state.problem) if state.problem else None,
                "last_full_walk": state.last_full_walk,
            }
        )
    )


@operation(
    bp,
    "/audit/chain",
    "GET",
    summary="The hash chain's state",
    tag="audit",
    roles=AUDIT_ROLES,
    response=ChainStateSchema,
)
def audit_chain() -> Response:
    """Checks the entries appended since the last checkpoint."""
    require(current_actor(), Permission.AUDIT_READ)
    return _chain(audit_reads.chain_state(current_session()))


@operation(
    bp,
    "/audit/chain/verify",
    "POST",
    summary="Check the whole hash chain now",
    tag="audit",
    roles=AUDIT_ROLES,
    response=ChainStateSchema,
)
def audit_chain_verify() -> Response:
    require(current_actor(), Permission.AUDIT_VERIFY)
    no_body()
    return _chain(audit_reads.chain_state(current_session(), full=True))


@operation(
    bp,
    "/audit/access",
    "GET",
    summary="Who accessed a case",
    tag="audit",
    roles=CASE_ACCESS_ROLES,
    query=CaseAccessQuerySchema,
    response=AuditEntrySchema,
    many=True,
    refusals=(404,),
)
def case_access() -> Response:
    """Views, exports and downloads of case ``case``. The auditor may ask about any
    reference; a case reader only about a case in their scope (404 otherwise)."""
    user = current_actor()
    reference = query_args(CaseAccessQuerySchema())["case"].strip().upper()
    if not has_permission(user, Permission.CASE_ACCESS_ANY):
        case_for(current_session(), user, reference)
    rows = audit_reads.case_access(current_session(), reference)
    return envelope(AuditEntrySchema(many=True).dump([dataclasses.asdict(r) for r in rows]))
