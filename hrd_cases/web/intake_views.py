"""Intake: a focal point logs a defender at risk, opening a case for their delegation.

Kept apart from the ``cases`` blueprint: it shows no case yet, and only focal points use it.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_strategies, current_vault
from hrd_cases.domain import refusals
from hrd_cases.domain.clock import utcnow
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.languages import DEFAULT_LANGUAGE
from hrd_cases.domain.vocabulary import ActionType, ProfileCategory, RiskLevel, ThreatType
from hrd_cases.i18n import current_language
from hrd_cases.i18n.refusals import refusal_text
from hrd_cases.models import User
from hrd_cases.web.forms import IntakeForm
from hrd_cases.workflow.service import IntakeInput, open_case
from hrd_cases.workflow.templates import StrategyVersion

bp = Blueprint("intake", __name__)
DEFENDER_FIELDS = (
    "name",
    "other_names",
    "contact_details",
    "location",
    "organisation",
    "date_of_birth",
    "personal_notes",
)


def _template(user: User) -> StrategyVersion:
    """The template in force today for the focal point's country (the one open_case uses)."""
    return current_strategies().for_country(_country(user)).in_force(utcnow().date())


def _required_errors(form: IntakeForm, template: StrategyVersion) -> bool:
    """The template's required intake fields, checked here too so that each message sits
    beside its field (the service checks them again)."""
    missing = False
    for name in sorted(template.rules(ActionType.INTAKE).required_fields):
        field = getattr(form, name, None)
        if field is not None and not field.data:
            message = (
                refusals.required_message(template.code, template.name, "intake", name)
                if current_language() is DEFAULT_LANGUAGE
                else _("The %(template)s template requires this.", template=template.name)
            )
            field.errors = [*field.errors, message]
            missing = True
    return missing


@bp.route("/cases/new", methods=["GET", "POST"])
def new_case():
    user: User = current_user._get_current_object()
    require(user, Permission.CASE_CREATE)
    template = _template(user)
    form = IntakeForm()
    required = template.rules(ActionType.INTAKE).required_fields
    if form.is_submitted():
        valid = form.validate()
        if _required_errors(form, template) or not valid:
            flash(_("Some fields need attention: see the messages beside them."), "error")
            return render_template(
                "cases/new.html", form=form, template=template, required=required
            ), 422
        intake = IntakeInput(
            delegation_id=user.delegation_id or 0,
            country=_country(user),
            risk_level=RiskLevel(form.risk_level.data),
            defender={
                name: (getattr(form, name).data or "").strip() or None for name in DEFENDER_FIELDS
            },
            profile_categories=[ProfileCategory(v) for v in form.profile_categories.data or ()],
            threats=[ThreatType(v) for v in form.threats.data or ()],
            narrative=(form.narrative.data or "").strip() or None,
        )
        try:
            case = open_case(current_session(), current_vault(), current_strategies(), user, intake)
        except InvalidTransition as exc:
            # Beside the field it concerns where there is one (issue 16, item 6).
            for name, message in exc.fields.items():
                field = getattr(form, name.rsplit(".", 1)[-1], None)
                if field is not None:
                    field.errors = [*field.errors, message]
            flash(_("Not saved: %(reason)s.", reason=refusal_text(exc)), "error")
            return render_template(
                "cases/new.html", form=form, template=template, required=required
            ), 422
        flash(_("Case %(reference)s opened.", reference=case.reference), "success")
        return redirect(url_for("cases.case_detail", reference=case.reference))
    return render_template("cases/new.html", form=form, template=template, required=required)


def _country(user: User) -> str:
    return user.delegation.country if user.delegation else ""
