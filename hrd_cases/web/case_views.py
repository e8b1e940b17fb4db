"""Case pages: the list (filters, name search, pages) and one case with its action panels.

Scope and role are checked by hrd_cases.auth.permissions, never here. The POST handlers for
the panels live in ``action_views``; they re-render the case page through
:func:`render_case` when a form has errors, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm

from hrd_cases.auth.permissions import Permission, has_permission, require
from hrd_cases.current import current_session, current_settings, current_strategies, current_vault
from hrd_cases.domain.states import (
    HearingState,
    ReferralState,
    Stage,
    StatementState,
    awaiting_protection_decision,
)
from hrd_cases.domain.vocabulary import (
    ActionType,
    AttachmentCategory,
    RiskLevel,
    consent_scope_for,
)
from hrd_cases.models import Case, Delegation, User
from hrd_cases.reads.case_view import assignable_users, view_case
from hrd_cases.reads.lists import (
    CaseFilters,
    CaseOrder,
    case_ids_for_name,
    list_cases,
    visible_countries,
)
from hrd_cases.records.defenders import ERASURE_EXPLAINED
from hrd_cases.web import forms as f
from hrd_cases.web import markup
from hrd_cases.workflow.consent import active_consent_covers
from hrd_cases.workflow.hearings import observation_partners
from hrd_cases.workflow.templates import StrategyVersion

bp = Blueprint("cases", __name__, url_prefix="/cases")
# A hint for the browser's file picker only: the server decides by the content.
ATTACHMENT_ACCEPT = ".pdf,.jpg,.jpeg,.png,.webp,.txt,.docx,.xlsx,.odt,.mp3,.m4a,.ogg,.mp4"
PAGE_SIZE = 25
# The note form's fields are prefixed: the statement form on the same page has a "text" too.
NOTE_PREFIX = "note"


def _enum_arg(enum_class, name: str):
    """A filter value from the query string, or None when absent or unknown."""
    value = request.args.get(name, "")
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@bp.route("", methods=["GET", "POST"])
def case_list():
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
        mine=request.args.get("mine") == "1",
    )
    order = _enum_arg(CaseOrder, "sort") or CaseOrder.OPENED
    listing = list_cases(
        session,
        current_strategies(),
        user,
        filters,
        page=request.args.get("page", 1, type=int) or 1,
        page_size=PAGE_SIZE,
        only_ids=only_ids,
        order=order,
        vault=current_vault(),
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
        order=order,
        orders=list(CaseOrder),
        may_assign=has_permission(user, Permission.CASE_ASSIGN),
        label=f.label,
    ), status


@bp.get("/<reference>")
def case_detail(reference: str):
    return render_case(reference)


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
    attach: bool
    note: bool  # add a follow-up note (issue 16)
    correct: bool  # correct intake fields (issue 16)
    reassign: bool


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
        attach=may(Permission.CASE_UPDATE),
        note=may(Permission.CASE_UPDATE),
        correct=may(Permission.CASE_UPDATE),
        reassign=may(Permission.CASE_ASSIGN),
    )


def narrow_choices(forms: dict[str, Any], template: StrategyVersion) -> None:
    """Offer only what the case's template allows (a refused value fails beside its field)."""
    if "referral" in forms:
        forms["referral"].mechanism.choices = [
            f.CHOOSE,
            *(f.choice(m.value, f.label(m.value)) for m in template.mechanisms),
        ]
    if "statement" in forms:
        forms["statement"].level.choices = [
            f.choice(lvl.value, f.label(lvl.value)) for lvl in template.statement_levels
        ]


def observation_form(
    template: StrategyVersion, delegation: Delegation, **kwargs: Any
) -> f.ObservationForm:
    form = f.ObservationForm(**kwargs)
    form.observers.choices = [
        f.choice(code, code) for code in observation_partners(template, delegation)
    ]
    return form


def prefix(kind: str, key: object) -> str:
    """Field-name prefix of a per-item form: several on one page need distinct ids."""
    text = key.hex if hasattr(key, "hex") and not isinstance(key, str) else str(key)
    return f"{kind}{text}".replace("-", "")


def with_assignees(form: f.AssignForm, users: list[User]) -> f.AssignForm:
    form.assignee.choices = [f.choice(str(u.id), u.display_name) for u in users]
    return form


# States in which a referral or statement can still be edited (before its decision).
REFERRAL_EDITABLE = (ReferralState.DRAFT, ReferralState.REQUESTED, ReferralState.RETURNED)
STATEMENT_EDITABLE = (StatementState.DRAFT, StatementState.SUBMITTED, StatementState.RETURNED)


class Built:
    """Values for the page as attributes, some of them forms built only when the template
    first reads them (``item.revise``, ``forms.referral``): a form costs a tenth of a
    millisecond or more, and a panel the user may not act on, or an item in a state that
    offers no step, never reads its form. Attributes rather than dict keys: Jinja tries an
    attribute first, and a dict answers that with an exception."""

    def __init__(self, values: dict[str, Any], later: dict[str, Callable[[], Any]]) -> None:
        self.__dict__.update(values)
        self._later = later

    def __getattr__(self, key: str) -> Any:  # only for what is not built yet
        build = self.__dict__.get("_later", {}).get(key)
        if build is None:
            raise AttributeError(key)
        value = build()
        setattr(self, key, value)
        return value


def _blank(bound: dict[str, FlaskForm], key: str, build: Callable[[], Any]) -> Callable[[], Any]:
    """The form ``key`` as submitted (with its errors) when it was refused, else ``build()``."""
    return lambda: bound.get(key) or build()


def render_case(
    reference: str,
    *,
    bound: dict[str, FlaskForm] | None = None,
    refused: dict[str, str] | None = None,
    status: int = 200,
):
    """The case page. ``bound`` holds submitted forms with errors, shown instead of blank
    ones so that their values and messages stay beside the fields; ``refused`` names the
    panel a step was refused in (opened) and the message that belongs to no one field."""
    user: User = current_user._get_current_object()
    view = view_case(current_session(), current_vault(), current_strategies(), user, reference)
    case, template = view.case, view.template
    bound = bound or {}
    refused = refused or {}
    # The reassignment form, on request ("Reassign" links to ?reassign=1) or after a refusal:
    # only then are the delegation's focal points read.
    panels = panels_for(user, case, template)
    shown: dict[str, Any] = {}
    if panels.reassign and ("assign" in bound or request.args.get("reassign") == "1"):
        assign = bound.get("assign") or f.AssignForm(formdata=None, assignee=case.assigned_to_id)
        shown["assign"] = with_assignees(assign, assignable_users(current_session(), user, case))
    forms = Built(
        shown,
        {
            "referral": _blank(
                bound,
                "referral",
                lambda: _narrowed("referral", f.ReferralForm(formdata=None), template),
            ),
            "hearing": _blank(bound, "hearing", lambda: f.HearingForm(formdata=None)),
            "consent": _blank(bound, "consent", lambda: f.ConsentForm(formdata=None)),
            "statement": _blank(
                bound,
                "statement",
                lambda: _narrowed("statement", f.StatementForm(formdata=None), template),
            ),
            "close": _blank(bound, "close", lambda: f.CloseForm(formdata=None)),
            # Starts empty: the current level is shown beside it, never pre-chosen (issue 16).
            "assess": _blank(bound, "assess", lambda: f.AssessForm(formdata=None)),
            "note": _blank(bound, "note", lambda: f.NoteForm(formdata=None, prefix=NOTE_PREFIX)),
        },
    )
    hearings = [
        Built(
            {"hearing": h, **view.hearing_texts[h.id]},
            {
                "observation": _blank(
                    bound,
                    f"observation-{h.id}",
                    partial(
                        observation_form,
                        template,
                        case.delegation,
                        formdata=None,
                        prefix=prefix("o", h.id),
                    ),
                ),
                "report_form": _blank(
                    bound,
                    f"report-{h.id}",
                    partial(f.ReportForm, formdata=None, prefix=prefix("r", h.id)),
                ),
                "reschedule": _blank(
                    bound,
                    f"reschedule-{h.id}",
                    partial(f.RescheduleForm, formdata=None, prefix=prefix("rs", h.id)),
                ),
                "cancel": _blank(
                    bound,
                    f"cancel-{h.id}",
                    partial(f.CancelHearingForm, formdata=None, prefix=prefix("cx", h.id)),
                ),
            },
        )
        for h in case.hearings
    ]
    statements = []
    for statement in case.statements:
        scope = consent_scope_for(statement.level)
        statements.append(
            Built(
                {
                    "statement": statement,
                    "text": view.statement_text(statement),
                    "scope": scope,
                    "consent_ok": active_consent_covers(case, scope),
                },
                {
                    "publish": _blank(
                        bound,
                        f"publish-{statement.id}",
                        partial(f.PublishForm, formdata=None, prefix=prefix("p", statement.id)),
                    ),
                    "decision": _blank(bound, f"decide-{statement.id}", _decision_form),
                    "revise": partial(
                        _statement_revision_form,
                        bound,
                        template,
                        statement,
                        view.statement_drafts[statement.id],
                    ),
                },
            )
        )
    referrals = [
        Built(
            {"referral": r, "justification": view.justifications[r.id]},
            {
                "decision": _blank(bound, f"decide-{r.id}", _decision_form),
                "revise": partial(
                    _referral_revision_form, bound, template, r, view.justifications[r.id]
                ),
            },
        )
        for r in case.referrals
    ]
    erase_forms = Built(
        {},
        {
            d.reference: _blank(
                bound,
                f"erase-{d.reference}",
                partial(f.EraseForm, formdata=None, prefix=prefix("e", d.reference)),
            )
            for d in case.defenders
        },
    )
    return render_template(
        "cases/detail.html",
        case=case,
        stage=view.stage,
        awaiting_decision=awaiting_protection_decision([r.state for r in case.referrals]),
        now=view.as_of,
        template=template,
        panels=panels,
        defenders=[(d.defender, d.fields) for d in view.defenders],
        narrative=view.narrative,
        decision_reasons=view.decision_reasons,
        closure_reason=view.closure_reason,
        referrals=referrals,
        hearings=hearings,
        consents=[
            Built({"consent": c, "notes": view.consent_notes[c.id]}, {}) for c in case.consents
        ],
        statements=statements,
        attachments=view.attachments,
        attachment_categories=list(AttachmentCategory),
        attachment_accept=ATTACHMENT_ACCEPT,
        deadlines=view.deadlines,
        people=view.people,
        notes=view.notes,
        forms=forms,
        refused=refused,
        refusal=partial(markup.refusal, refused),
        editable=Built({"referral": REFERRAL_EDITABLE, "statement": STATEMENT_EDITABLE}, {}),
        erase_forms=erase_forms,
        erasure_explained=ERASURE_EXPLAINED.format(
            days=current_settings().erasure_retire_within_days
        ),
        states=Built(
            {"referral": ReferralState, "hearing": HearingState, "statement": StatementState}, {}
        ),
        label=f.label,
    ), status


def _narrowed(kind: str, form: FlaskForm, template: StrategyVersion) -> FlaskForm:
    narrow_choices({kind: form}, template)
    return form


def _decision_form() -> f.DecisionForm:
    return f.DecisionForm(formdata=None)


def _referral_revision_form(
    bound: dict[str, FlaskForm], template: StrategyVersion, referral: Any, justification: Any
) -> FlaskForm:
    """The referral as it stands, to edit (or the edit as typed, when it was refused)."""
    form = bound.get(f"revise-{referral.id}") or f.ReferralForm(
        formdata=None,
        prefix=prefix("rv", referral.id),
        mechanism=referral.mechanism.value,
        assistance_types=[a.value for a in referral.assistance_types],
        amount_eur=referral.amount_eur,
        justification=justification,
    )
    narrow_choices({"referral": form}, template)
    return form


def _statement_revision_form(
    bound: dict[str, FlaskForm], template: StrategyVersion, statement: Any, draft: Any
) -> FlaskForm:
    form = bound.get(f"revise-{statement.id}") or f.StatementForm(
        formdata=None, prefix=prefix("sv", statement.id), level=statement.level.value, text=draft
    )
    narrow_choices({"statement": form}, template)
    return form
