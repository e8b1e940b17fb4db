"""The homes on the API: a focal point's task list and an officer's approval queue, through
the same reads as the home pages (``reads.lists``)."""

from __future__ import annotations

from typing import Any

from flask import Response

from hrd_cases.api import bp, presenters
from hrd_cases.api.inputs import query_args
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.homes import QueueItemSchema, QueueQuerySchema, TaskListSchema
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor, current_session, current_strategies, current_vault
from hrd_cases.domain.clock import utcnow
from hrd_cases.http.errors import envelope
from hrd_cases.models import Case, Referral
from hrd_cases.reads import lists as list_reads


def _case(case: Case, name: str | None) -> dict[str, Any]:
    return {"reference": case.reference, "risk_level": case.risk_level, "defender_name": name}


@operation(
    bp,
    "/approval-queue",
    "GET",
    summary="Referrals and statements awaiting your decision",
    tag="homes",
    roles=("protection_officer",),
    query=QueueQuerySchema,
    response=QueueItemSchema,
    many=True,
)
def approval_queue() -> Response:
    """In the countries you cover, each with its case's risk level and defender, its
    deadline from the case's template; sorted by waiting time, deadline or risk."""
    user = current_actor()
    require(user, Permission.REFERRAL_DECIDE)
    args = query_args(QueueQuerySchema())
    now = utcnow()
    queue = list_reads.approval_queue(
        current_session(), current_strategies(), user, order=args["sort"], vault=current_vault()
    )
    shown = [
        {
            "kind": item.kind,
            "id": item.subject.id,
            "case": _case(item.case, item.name),
            "mechanism": item.subject.mechanism if isinstance(item.subject, Referral) else None,
            "amount_eur": item.subject.amount_eur if isinstance(item.subject, Referral) else None,
            "level": None if isinstance(item.subject, Referral) else item.subject.level,
            "requester": presenters.user_ref(item.requester),
            "waiting_since": item.waiting_since,
            "due_at": item.due_at,
            "overdue": item.overdue(now),
            "approvals": item.approvals,
            "approvals_required": item.approvals_required,
            "mine": item.mine,
            "decided": item.decided,
        }
        for item in queue
    ]
    return envelope(QueueItemSchema(many=True).dump(shown), meta={"total": len(shown)})


@operation(
    bp,
    "/tasks",
    "GET",
    summary="Your task list: what needs you, what waits on others, what was decided",
    tag="homes",
    roles=("focal_point",),
    response=TaskListSchema,
)
def task_list() -> Response:
    """Over your open cases and your delegation's unassigned ones: what needs you (overdue
    first), what waits on protection officers (who may decide, since when), and what was
    decided in the last 30 days with every officer's reason. The focal point's home page."""
    user = current_actor()
    require(user, Permission.CASE_ASSIGN)
    now = utcnow()
    home = list_reads.focal_point_home(
        current_session(), current_vault(), current_strategies(), user, now=now
    )
    shown = {
        "needs_you": [
            {
                "kind": t.kind,
                "case": _case(t.case, t.name),
                "due_at": t.due_at,
                "since": t.since,
                "overdue": t.overdue(now),
            }
            for t in home.needs_you
        ],
        "waiting": [
            {
                "kind": w.kind,
                "id": w.subject.id,
                "case": _case(w.case, w.name),
                "since": w.since,
                "due_at": w.due_at,
                "overdue": w.overdue(now),
                "approvals": w.approvals,
                "approvals_required": w.approvals_required,
                "approved_by": [presenters.user_ref(u) for u in w.approved_by],
                "may_decide": [presenters.user_ref(u) for u in w.may_decide],
            }
            for w in home.waiting
        ],
        "decided": [
            {
                "kind": d.kind,
                "id": d.subject.id,
                "case": _case(d.case, d.name),
                "approve": d.approve,
                "decided_at": d.decided_at,
                "reasons": [
                    {
                        "officer": presenters.user_ref(r.officer),
                        "approve": r.approve,
                        "reason": r.reason,
                    }
                    for r in d.reasons
                ],
            }
            for d in home.decided
        ],
        "unassigned": home.unassigned,
    }
    return envelope(TaskListSchema().dump(shown))
