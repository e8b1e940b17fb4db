"""Case pages: the list (filters, name search, pages) and one case with its action panels.

Scope and role are checked by hrd_cases.auth.permissions, never here. The POST handlers for
the panels live in ``action_views``; they re-render the case page through
:func:`render_case` when a form has errors, so nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from hrd_cases import audit
from hrd_cases.auth.permissions import Permission, case_for, has_permission, require
from hrd_cases.crypto import ErasedError
from hrd_cases.current import current_session, current_strategies, current_vault
from hrd_cases.db import begin_write
from hrd_cases.domain.states import HearingState, ReferralState, Stage, StatementState
from hrd_cases.domain.vocabulary import ActionType, RiskLevel, consent_scope_for
from hrd_cases.models import Case, User
from hrd_cases.web import forms as f
from hrd_cases.web.queries import CaseFilters, case_ids_for_name, list_cases, visible_countries
from hrd_cases.workflow.case_steps import case_stage
from hrd_cases.workflow.consent import active_consent_covers
from hrd_cases.workflow.deadlines import case_deadlines
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyVersion

bp = Blueprint("cases", __name__, url_prefix="/cases")
PAGE_SIZE = 25


def _enum_arg(enum_class, name: str):  # type: ignore[no-untyped-def]
    """A filter value from the query string, or None when absent or unknown."""
    value = request.args.get(name, "")
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@bp.route("", methods=["GET", "POST"])
def case_list():  # type: ignore[no-untyped-def]
    """GET: filters in the query string (categories only). POST: a name search, whose name
    stays in the request body so that it never lands in a URL, a log line or history."""
    user: User = current_user._get_current_object()
    require(user, Permission.CASE_READ)
    session = current_session()
    search = f.CaseSearchForm()
    only_ids = None
    status = 200
    searched = False
    if request.method == "POST":
        if not (search.name.data or "").strip():
            search = f.CaseSearchForm(formdata=None)  # an empty search shows everything again
        elif search.validate_on_submit():
            only_ids = case_ids_for_name(session, current_vault(), user, search.name.data or "")
            searched = True
        else:
            status = 422
    country = request.args.get("country", "").upper()
    filters = CaseFilters(
        country=country if len(country) == 2 and country.isalpha() else None,
        stage=_enum_arg(Stage, "stage"),
        risk=_enum_arg(RiskLevel, "risk"),
        overdue=request.args.get("overdue") == "1",
    )
    listing = list_cases(
        session,
        current_strategies(),
        user,
        filters,
        page=request.args.get("page", 1, type=int) or 1,
        page_size=PAGE_SIZE,
        only_ids=only_ids,
    )
    return render_template(
        "cases/list.html",
        listing=listing,
        filters=filters,
        search=search,
        searched=searched,
        countries=visible_countries(session, user),
        stages=list(Stage),
        risks=list(RiskLevel),
        label=f.label,
    ), status


@bp.get("/<reference>")
def case_detail(reference: str):  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    case = case_for(current_session(), user, reference)
    return render_case(case)


# The case page ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Panels:
    """Which panels the page shows: the case's template enables the action, the user's role
    may take it, and the case is open. The services check all of this again."""

    referral: bool
    decide: bool
    hearing: bool
    consent: bool
    statement: bool
    decide_statement: bool
    close: bool
    reopen: bool
    assess: bool
    erase: bool


def panels_for(user: User, case: Case, template: StrategyVersion) -> Panels:
    is_open = case.closed_at is None

    def may(permission: Permission, action: ActionType | None = None) -> bool:
        enabled = action is None or template.enabled(action)
        return is_open and enabled and has_permission(user, permission)

    return Panels(
        referral=may(Permission.REFERRAL_REQUEST, ActionType.REFERRAL),
        decide=may(Permission.REFERRAL_DECIDE, ActionType.REFERRAL),
        hearing=may(Permission.HEARING_MANAGE, ActionType.TRIAL_OBSERVATION),
        consent=may(Permission.CONSENT_RECORD),
        statement=may(Permission.STATEMENT_DRAFT, ActionType.PUBLIC_STATEMENT),
        decide_statement=may(Permission.STATEMENT_DECIDE, ActionType.PUBLIC_STATEMENT),
        close=may(Permission.CASE_CLOSE, ActionType.CLOSURE),
        reopen=not is_open and has_permission(user, Permission.CASE_CLOSE),
        assess=may(Permission.CASE_UPDATE),
        erase=has_permission(user, Permission.DEFENDER_ERASE),
    )


def narrow_choices(forms: dict[str, Any], template: StrategyVersion) -> None:
    """Offer only what the case's template allows (a refused value fails beside its field)."""
    if "referral" in forms:
        forms["referral"].mechanism.choices = [
            f.choice(m.value, f.label(m.value)) for m in template.mechanisms
        ]
    if "statement" in forms:
        forms["statement"].level.choices = [
            f.choice(lvl.value, f.label(lvl.value)) for lvl in template.statement_levels
        ]


def observation_form(template: StrategyVersion, **kwargs: Any) -> f.ObservationForm:
    form = f.ObservationForm(**kwargs)
    form.observers.choices = [f.choice(code, code) for code in template.observation_partners]
    return form


def prefix(kind: str, key: object) -> str:
    """Field-name prefix of a per-item form: several on one page need distinct ids."""
    text = key.hex if hasattr(key, "hex") and not isinstance(key, str) else str(key)
    return f"{kind}{text}".replace("-", "")


def _open(vault, record, field: str) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return vault.open_field(record, field)
    except ErasedError:
        return None


def render_case(case: Case, *, bound: dict[str, FlaskForm] | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    """The case page. ``bound`` holds submitted forms with errors, shown instead of blank
    ones so that their values and messages stay beside the fields."""
    user: User = current_user._get_current_object()
    session = current_session()
    vault = current_vault()
    template = template_of(current_strategies(), case)
    bound = bound or {}
    defenders = []
    for defender in case.defenders:
        try:
            defenders.append((defender, vault.open(defender)))
        except ErasedError:
            defenders.append((defender, None))
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(_user_ids(case))))}
    forms: dict[str, Any] = {
        "referral": bound.get("referral") or f.ReferralForm(formdata=None),
        "hearing": bound.get("hearing") or f.HearingForm(formdata=None),
        "consent": bound.get("consent") or f.ConsentForm(formdata=None),
        "statement": bound.get("statement") or f.StatementForm(formdata=None),
        "close": bound.get("close") or f.CloseForm(formdata=None),
        "assess": bound.get("assess")
        or f.AssessForm(formdata=None, risk_level=case.risk_level.value),
        "button": f.ButtonForm(formdata=None),
    }
    narrow_choices(forms, template)
    hearings = []
    for hearing in case.hearings:
        key = f"observation-{hearing.id}"
        hearings.append(
            {
                "hearing": hearing,
                "court": _open(vault, hearing, "court"),
                "charges": _open(vault, hearing, "charges"),
                "report": _open(vault, hearing, "report"),
                "observation": bound.get(key)
                or observation_form(template, formdata=None, prefix=prefix("o", hearing.id)),
                "report_form": bound.get(f"report-{hearing.id}")
                or f.ReportForm(formdata=None, prefix=prefix("r", hearing.id)),
            }
        )
    statements = []
    for statement in case.statements:
        scope = consent_scope_for(statement.level)
        statements.append(
            {
                "statement": statement,
                "text": statement.published_text or _open(vault, statement, "draft"),
                "scope": scope,
                "consent_ok": active_consent_covers(case, scope),
                "publish": bound.get(f"publish-{statement.id}")
                or f.PublishForm(formdata=None, prefix=prefix("p", statement.id)),
            }
        )
    erase_forms = {
        d.reference: bound.get(f"erase-{d.reference}")
        or f.EraseForm(formdata=None, prefix=prefix("e", d.reference))
        for d in case.defenders
    }
    # Every view of decrypted case content is audited (who, which case, when).
    begin_write(session)
    audit.record(
        session, "case.view", actor_id=user.id, object_type="case", object_id=case.reference
    )
    session.commit()
    return render_template(
        "cases/detail.html",
        case=case,
        stage=case_stage(case),
        template=template,
        panels=panels_for(user, case, template),
        defenders=defenders,
        narrative=_open(vault, case, "narrative"),
        closure_reason=_open(vault, case, "closure_reason"),
        referrals=[
            {"referral": r, "justification": _open(vault, r, "justification")}
            for r in case.referrals
        ],
        hearings=hearings,
        consents=[{"consent": c, "notes": _open(vault, c, "notes")} for c in case.consents],
        statements=statements,
        deadlines=case_deadlines(current_strategies(), case),
        people=people,
        forms=forms,
        erase_forms=erase_forms,
        states={
            "referral": ReferralState,
            "hearing": HearingState,
            "statement": StatementState,
        },
        label=f.label,
    ), status


def _user_ids(case: Case) -> set[int]:
    ids: set[int] = {e.actor_id for e in case.timeline if e.actor_id}
    for referral in case.referrals:
        ids.update(i for i in (referral.created_by_id, referral.requested_by_id) if i)
        ids.update(d.officer_id for d in referral.decisions)
    for statement in case.statements:
        ids.update(i for i in (statement.created_by_id, statement.submitted_by_id) if i)
        ids.update(d.officer_id for d in statement.decisions)
    return ids
