"""The audit log viewer (admins and auditors), its CSV export, the hash chain's state, and
"who accessed this case" (the case's own readers, and the auditor by reference alone).

Nothing here reads case content: the audit log holds identifiers and categories only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, case_for, has_permission, require
from hrd_cases.current import current_session
from hrd_cases.domain.errors import ValidationFailed
from hrd_cases.reads import audit as audit_reads

bp = Blueprint("audit", __name__, url_prefix="/audit")
OUTCOMES = ("success", "failure", "refused")


def _day(raw: str | None, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed({field: ["Use a date like 2026-11-29."]}) from None


def filter_from_args() -> audit_reads.AuditFilter:
    """The viewer's filters from the query string; dates are whole UTC days, inclusive."""
    args = request.args
    since, until = _day(args.get("since"), "since"), _day(args.get("until"), "until")
    outcome = args.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        raise ValidationFailed({"outcome": [f"One of {', '.join(OUTCOMES)}."]})
    return audit_reads.AuditFilter(
        actor=(args.get("actor") or "").strip()[:254] or None,
        action=(args.get("action") or "").strip()[:64] or None,
        case_reference=(args.get("case") or "").strip().upper()[:32] or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until, time(), UTC) + timedelta(days=1) if until else None,
        outcome=outcome,
    )


def _before() -> int | None:
    raw = request.args.get("before", "")
    return int(raw) if raw.isdigit() else None


@bp.get("")
def viewer():
    require(current_user._get_current_object(), Permission.AUDIT_READ)
    session = current_session()
    where = filter_from_args()
    page = audit_reads.audit_page(session, where, before=_before())
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render_template(
        "audit/viewer.html",
        page=page,
        where=where,
        args=args,
        outcomes=OUTCOMES,
        chain=audit_reads.chain_state(session),
    )


@bp.post("/verify")
def verify():
    require(current_user._get_current_object(), Permission.AUDIT_VERIFY)
    session = current_session()
    return render_template(
        "audit/viewer.html",
        page=audit_reads.audit_page(session, audit_reads.AuditFilter()),
        where=audit_reads.AuditFilter(),
        args={},
        outcomes=OUTCOMES,
        chain=audit_reads.chain_state(session, full=True),
    )


@bp.get("/export.csv")
def export_csv():
    require(current_user._get_current_object(), Permission.AUDIT_READ)
    where = filter_from_args()
    session = current_session()
    return Response(
        stream_with_context(audit_reads.audit_csv(session, where)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def access_allowed(reference: str) -> None:
    """The auditor may ask about any reference; anyone else only about a case they may read
    (out of scope: 404, exactly as for an absent case)."""
    user = current_user._get_current_object()
    if not has_permission(user, Permission.CASE_ACCESS_ANY):
        case_for(current_session(), user, reference)


@bp.get("/access")
def case_access():
    """``?case=KE-2026-1`` (a query, so the auditor's plain GET form works without script)."""
    reference = (request.args.get("case") or "").strip().upper()[:32]
    if not reference:
        user = current_user._get_current_object()
        if not has_permission(user, Permission.CASE_ACCESS_ANY):
            require(user, Permission.CASE_READ)
        return render_template("audit/case_access.html", reference=None, rows=[])
    access_allowed(reference)
    return render_template(
        "audit/case_access.html",
        reference=reference,
        rows=audit_reads.case_access(current_session(), reference),
    )
