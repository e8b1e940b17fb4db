"""Corrections with history and case notes (issue 16), on the HTML face.

The correction page shows the case's intake as it is now, in forms; each form posts to its
own step and comes back to the page (422 with what was typed and the message beside the field
when refused). The history page lists each corrected field's earlier versions. Notes are added
from the case page. Same services and reads as the API: ``workflow.corrections``,
``workflow.notes``, ``reads.history``, ``reads.case_view``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from hrd_cases.auth.permissions import Permission, case_for, require
from hrd_cases.current import current_session, current_strategies, current_vault
from hrd_cases.domain.errors import InvalidTransition, NotFound, ValidationFailed
from hrd_cases.domain.vocabulary import ActionType
from hrd_cases.i18n.translate import lazy_gettext as _l
from hrd_cases.models import Case, User
from hrd_cases.reads.case_view import view_case
from hrd_cases.reads.history import case_history
from hrd_cases.web import forms as f
from hrd_cases.web.case_views import NOTE_PREFIX, prefix, render_case
from hrd_cases.workflow.corrections import DEFENDER_FIELDS, correct_case
from hrd_cases.workflow.notes import add_note
from hrd_cases.workflow.service import template_of
from hrd_cases.workflow.templates import StrategyVersion

bp = Blueprint("corrections", __name__, url_prefix="/cases")

# What the correction page and the history call each field (the codes stay English).
FIELD_LABELS = {
    "name": _l("Full name"),
    "other_names": _l("Other names"),
    "contact_details": _l("Contact details"),
    "location": _l("Location"),
    "organisation": _l("Organisation"),
    "date_of_birth": _l("Date of birth"),
    "personal_notes": _l("Personal notes"),
    "risk_level": _l("Risk level"),
    "profile_categories": _l("Profile"),
    "threats": _l("Threats suffered"),
    "narrative": _l("Narrative"),
}


def _fix_fields() -> str:
    return _("Some fields need attention: see the messages beside them.")


def _actor() -> User:
    return current_user._get_current_object()


def _case(reference: str, permission: Permission) -> Case:
    """Scope first (404 for anyone outside it, whatever their role), then the step's role."""
    actor = _actor()
    case = case_for(current_session(), actor, reference)
    require(actor, permission)
    return case


def _required_missing(form: FlaskForm, template: StrategyVersion) -> bool:
    """The template's intake requirements beside their fields (the service checks again)."""
    missing = False
    for name in sorted(template.rules(ActionType.INTAKE).required_fields):
        field = getattr(form, name, None)
        if field is not None and not field.data:
            field.errors = [
                *field.errors,
                _("The %(template)s template requires this.", template=template.name),
            ]
            missing = True
    return missing


def _listed(fields: tuple[str, ...]) -> str:
    return ", ".join(str(FIELD_LABELS[name]) for name in fields)


def render_corrections(
    reference: str,
    *,
    bound: dict[str, FlaskForm] | None = None,
    refusal: str | None = None,
    status: int = 200,
):
    """The correction page: forms filled with the values as they are now, or with what was
    typed (``bound``) when a step refused it."""
    user = _actor()
    require(user, Permission.CASE_UPDATE)
    view = view_case(current_session(), current_vault(), current_strategies(), user, reference)
    case, bound = view.case, bound or {}
    case_form = bound.get("case") or f.CaseCorrectionForm(
        formdata=None,
        risk_level=case.risk_level.value,
        profile_categories=[c.category.value for c in case.profile_categories],
        threats=[t.threat.value for t in case.threats],
        narrative=view.narrative,
    )
    defenders: list[dict[str, Any]] = []
    for opened in view.defenders:
        reference_ = opened.defender.reference
        form = bound.get(f"defender-{reference_}")
        if form is None and opened.fields is not None:
            form = f.DefenderCorrectionForm(
                formdata=None, prefix=prefix("d", reference_), **opened.fields
            )
        defenders.append({"defender": opened.defender, "form": form})
    return render_template(
        "cases/corrections.html",
        case=case,
        content_erased=view.content_erased,
        case_form=case_form,
        defenders=defenders,
        required=view.template.rules(ActionType.INTAKE).required_fields,
        refusal=refusal,
    ), status


@bp.get("/<reference>/corrections")
def corrections(reference: str):
    _case(reference, Permission.CASE_UPDATE)
    return render_corrections(reference)


@bp.post("/<reference>/corrections/case")
def correct_case_fields(reference: str):
    case = _case(reference, Permission.CASE_UPDATE)
    form = f.CaseCorrectionForm()
    erased = case.data_key.wrapped_key is None  # the page offers no narrative then
    if erased:
        del form.narrative
    valid = form.validate_on_submit()
    if _required_missing(form, template_of(current_strategies(), case)) or not valid:
        flash(_fix_fields(), "error")
        return render_corrections(reference, bound={"case": form}, status=422)
    changes: dict[str, object] = {
        "risk_level": form.risk_level.data,
        "profile_categories": list(form.profile_categories.data or ()),
        "threats": list(form.threats.data or ()),
    }
    if not erased:
        changes["narrative"] = (form.narrative.data or "").strip() or None
    return _apply(reference, "case", form, changes, None, None)


@bp.post("/<reference>/corrections/defenders/<defender_reference>")
def correct_defender(reference: str, defender_reference: str):
    case = _case(reference, Permission.CASE_UPDATE)
    if defender_reference not in {d.reference for d in case.defenders}:
        raise NotFound("no such defender on this case")
    form = f.DefenderCorrectionForm(prefix=prefix("d", defender_reference))
    valid = form.validate_on_submit()
    if _required_missing(form, template_of(current_strategies(), case)) or not valid:
        flash(_fix_fields(), "error")
        return render_corrections(
            reference, bound={f"defender-{defender_reference}": form}, status=422
        )
    changes = {name: (getattr(form, name).data or "").strip() or None for name in DEFENDER_FIELDS}
    return _apply(
        reference, f"defender-{defender_reference}", form, {}, defender_reference, changes
    )


def _apply(
    reference: str,
    key: str,
    form: FlaskForm,
    case_changes: dict[str, object],
    defender_reference: str | None,
    defender_changes: dict[str, str | None] | None,
):
    try:
        correction = correct_case(
            current_session(),
            current_vault(),
            current_strategies(),
            _actor(),
            reference,
            case_changes,
            defender_reference=defender_reference,
            defender_changes=defender_changes,
        )
    except ValidationFailed as exc:
        for name, messages in exc.messages.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
        flash(_fix_fields(), "error")
        return render_corrections(reference, bound={key: form}, status=422)
    except InvalidTransition as exc:
        return render_corrections(
            reference,
            bound={key: form},
            refusal=_("Not corrected: %(reason)s.", reason=str(exc)),
            status=409,
        )
    changed = correction.case_fields + correction.defender_fields
    if not changed:
        flash(_("Nothing was changed: every field already held that value."), "success")
        return redirect(url_for("corrections.corrections", reference=reference))
    flash(
        _(
            "Corrected: %(fields)s. The earlier values are kept in the history.",
            fields=_listed(changed),
        ),
        "success",
    )
    return redirect(url_for("corrections.history", reference=reference))


@bp.get("/<reference>/history")
def history(reference: str):
    user = _actor()
    found = case_history(current_session(), current_vault(), user, reference)
    return render_template(
        "cases/history.html",
        history=found,
        case=found.case,
        label=f.label,
        field_labels=FIELD_LABELS,
    )


@bp.post("/<reference>/notes")
def create_note(reference: str):
    case = _case(reference, Permission.CASE_UPDATE)
    form = f.NoteForm(prefix=NOTE_PREFIX)
    if not form.validate_on_submit():
        flash(_fix_fields(), "error")
        return render_case(case.reference, bound={"note": form}, status=422)
    try:
        add_note(current_session(), current_vault(), _actor(), reference, form.text.data)
    except ValidationFailed as exc:
        form.text.errors = [*form.text.errors, *exc.messages.get("text", [])]
        flash(_fix_fields(), "error")
        return render_case(case.reference, bound={"note": form}, status=422)
    except InvalidTransition as exc:
        flash(_("Not done: %(reason)s.", reason=str(exc)), "error")
    else:
        flash(_("Note added."), "success")
    return redirect(url_for("cases.case_detail", reference=reference, _anchor="case-notes"))
