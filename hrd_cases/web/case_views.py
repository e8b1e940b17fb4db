"""Case pages. Scope and role are checked by hrd_cases.auth.permissions, never here."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for, case_scope, require
from hrd_cases.crypto import ErasedError
from hrd_cases.db import begin_write, get_session
from hrd_cases.models import Case
from hrd_cases.records import get_vault

bp = Blueprint("cases", __name__, url_prefix="/cases")
PAGE_SIZE = 50


@bp.get("")
def case_list():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    require(user, Permission.CASE_READ)
    session = get_session()
    visible = select(Case).where(case_scope(user))
    total = session.scalar(select(func.count()).select_from(visible.subquery())) or 0
    last_page = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    # Clamped: an absurd page number must not reach the database as an OFFSET.
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), last_page)
    cases = session.scalars(
        visible.order_by(Case.opened_at.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "cases/list.html",
        cases=cases,
        page=page,
        total=total,
        pages=last_page,
    )


@bp.get("/<reference>")
def case_detail(reference: str):  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    session = get_session()
    case = case_for(session, user, reference)
    vault = get_vault()
    defenders = []
    for defender in case.defenders:
        try:
            defenders.append((defender, vault.open(defender)))
        except ErasedError:
            defenders.append((defender, None))
    try:
        narrative = vault.open_field(case, "narrative")
    except ErasedError:
        narrative = None
    # Every view of decrypted case content is audited (who, which case, when).
    begin_write(session)
    audit.record(
        session, "case.view", actor_id=user.id, object_type="case", object_id=case.reference
    )
    session.commit()
    return render_template("cases/detail.html", case=case, defenders=defenders, narrative=narrative)
