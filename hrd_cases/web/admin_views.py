"""Account administration in the browser: invite, disable and enable, reset the second
factor, change role or scope, end sessions, issue a password-reset link; create and edit
delegations.

Every change is a second, deliberate step: the first request (a link or the scope form)
shows what will happen; only the confirmation form, with its CSRF token, changes anything.
The services in ``auth.accounts`` and ``auth.links`` do the work, as for the CLI and the API.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hrd_cases.auth import accounts, delegations, links
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_hasher, current_session, current_settings, current_vault
from hrd_cases.domain.errors import InvalidTransition, ValidationFailed
from hrd_cases.models import Role, User
from hrd_cases.reads import accounts as account_reads
from hrd_cases.records import RecordVault
from hrd_cases.web import messages
from hrd_cases.web.forms import (
    AccountScopeForm,
    ConfirmForm,
    DelegationForm,
    InviteForm,
    label,
    role_choices,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")

CHANGES = ("disable", "enable", "reset-second-factor", "end-sessions", "reset-password")


@bp.before_request
def _admins_only() -> None:
    require(current_user._get_current_object(), Permission.ADMIN_USERS)


def _actor_id() -> int:
    return int(current_user.id)


def _scope_choices(form: AccountScopeForm) -> None:
    form.role.choices = role_choices()
    form.delegation.choices = [("", "None"), *account_reads.delegation_codes(current_session())]


def _user(user_id: int) -> User:
    user = current_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _countries(raw: str | None) -> list[str]:
    return [c for c in (raw or "").replace(";", ",").replace(" ", ",").split(",") if c]


def _email_with() -> RecordVault | None:
    """Where e-mail is configured, links go by e-mail and no admin sees them."""
    return current_vault() if current_settings().emails_account_links else None


def _link_page(issued: links.IssuedLink, notice: str, user_id: int, emailed_notice: object):
    """The one time a link is shown (the page is never cached: Cache-Control: no-store), or,
    when it went by e-mail, only the news that it did."""
    if issued.emailed:
        flash(str(emailed_notice), "success")
        return redirect(url_for("admin.account_detail", user_id=user_id)), 303
    return render_template(
        "admin/link_issued.html",
        notice=notice,
        link=url_for("auth.account_link", token=issued.token, _external=True),
        issued=issued,
        user_id=user_id,
        label=label,
    )


@bp.get("/accounts")
def account_list():
    return render_template(
        "admin/accounts.html", accounts=account_reads.account_list(current_session()), label=label
    )


@bp.route("/accounts/invite", methods=["GET", "POST"])
def invite():
    form = InviteForm()
    _scope_choices(form)
    if form.validate_on_submit():
        try:
            issued = links.invite_user(
                current_session(),
                current_hasher(),
                email=form.email.data or "",
                display_name=form.display_name.data or "",
                role=Role(form.role.data),
                delegation_code=form.delegation.data or None,
                countries=_countries(form.countries.data),
                valid_for=timedelta(hours=current_settings().invitation_hours),
                actor_id=_actor_id(),
                email_with=_email_with(),
            )
        except ValidationFailed as exc:
            _form_errors(form, exc)
            return render_template("admin/invite.html", form=form), 422
        return _link_page(
            issued, messages.ADMIN_INVITED, issued.user.id, messages.ADMIN_INVITED_BY_EMAIL
        )
    return render_template("admin/invite.html", form=form), 422 if form.errors else 200


def _form_errors(form: AccountScopeForm, exc: ValidationFailed) -> None:
    aliases = {"country": "countries"}
    for name, problems in exc.messages.items():
        target = getattr(form, aliases.get(name, name), None) or form.email
        target.errors = list(target.errors or []) + list(problems)


@bp.get("/accounts/<int:user_id>")
def account_detail(user_id: int):
    row = account_reads.account(current_session(), user_id)
    form = AccountScopeForm(
        formdata=None,
        role=row.role.value,
        delegation=row.delegation or "",
        countries=", ".join(row.countries),
    )
    _scope_choices(form)
    return render_template(
        "admin/account.html",
        account=row,
        form=form,
        changes=CHANGES,
        is_self=row.id == _actor_id(),
        label=label,
    )


@bp.route("/accounts/<int:user_id>/<change>", methods=["GET", "POST"])
def account_change(user_id: int, change: str):
    if change not in CHANGES:
        abort(404)
    row = account_reads.account(current_session(), user_id)
    form = ConfirmForm()
    if request.method == "GET" or not form.validate_on_submit():
        return render_template(
            "admin/confirm.html",
            account=row,
            change=change,
            question=messages.ADMIN_CONFIRM[change],
            form=form,
            label=label,
        ), 200 if request.method == "GET" else 400
    session = current_session()
    user = _user(user_id)
    settings = current_settings()
    try:
        if change in ("disable", "enable"):
            accounts.set_active(session, user, change == "enable", actor_id=_actor_id())
        elif change == "end-sessions":
            accounts.end_sessions(session, user, actor_id=_actor_id())
        elif change == "reset-second-factor":
            issued = accounts.reset_second_factor(
                session,
                user,
                actor_id=_actor_id(),
                enrolment_valid_for=timedelta(hours=settings.invitation_hours),
                email_with=_email_with(),
            )
            return _link_page(
                issued, messages.ADMIN_DONE[change], user_id, messages.ADMIN_LINK_EMAILED[change]
            )
        else:  # reset-password
            issued = links.issue_link(
                session,
                user,
                links.LinkPurpose.PASSWORD_RESET,
                timedelta(minutes=settings.password_reset_minutes),
                actor_id=_actor_id(),
                email_with=_email_with(),
            )
            return _link_page(
                issued, messages.ADMIN_LINK_ISSUED, user_id, messages.ADMIN_LINK_EMAILED[change]
            )
    except InvalidTransition as exc:
        flash(str(messages.ADMIN_REFUSED.get(exc.rule, str(exc))), "error")
        return redirect(url_for("admin.account_detail", user_id=user_id)), 303
    flash(str(messages.ADMIN_DONE[change]), "success")
    return redirect(url_for("admin.account_detail", user_id=user_id)), 303


@bp.post("/accounts/<int:user_id>/scope")
def account_scope(user_id: int):
    row = account_reads.account(current_session(), user_id)
    form = AccountScopeForm()
    _scope_choices(form)
    if not form.validate_on_submit():
        return render_template(
            "admin/account.html",
            account=row,
            form=form,
            changes=CHANGES,
            is_self=row.id == _actor_id(),
            label=label,
        ), 422
    if request.form.get("confirmed") != "yes":
        return render_template(
            "admin/confirm.html",
            account=row,
            change="scope",
            question=messages.ADMIN_CONFIRM["scope"],
            form=form,
            scope_form=form,
            label=label,
        )
    session = current_session()
    user = _user(user_id)
    try:
        accounts.change_role(
            session,
            user,
            Role(form.role.data),
            delegation_code=form.delegation.data or None,
            countries=_countries(form.countries.data),
            actor_id=_actor_id(),
        )
    except InvalidTransition as exc:
        flash(str(messages.ADMIN_REFUSED.get(exc.rule, str(exc))), "error")
        return redirect(url_for("admin.account_detail", user_id=user_id)), 303
    except ValidationFailed as exc:
        _form_errors(form, exc)
        return render_template(
            "admin/account.html",
            account=row,
            form=form,
            changes=CHANGES,
            is_self=row.id == _actor_id(),
            label=label,
        ), 422
    flash(str(messages.ADMIN_DONE["scope"]), "success")
    return redirect(url_for("admin.account_detail", user_id=user_id)), 303


# Delegations ---------------------------------------------------------------------------------
def _partner_codes(raw: str | None) -> list[str]:
    return _countries(raw)


def _delegation_errors(form: DelegationForm, exc: ValidationFailed) -> None:
    for name, problems in exc.messages.items():
        target = getattr(form, name, None) or form.name
        target.errors = list(target.errors or []) + list(problems)


@bp.get("/delegations")
def delegation_list():
    return render_template(
        "admin/delegations.html",
        delegations=account_reads.delegation_list(current_session()),
        label=label,
    )


@bp.route("/delegations/new", methods=["GET", "POST"])
def delegation_new():
    form = DelegationForm()
    if form.validate_on_submit():
        try:
            created = delegations.create_delegation(
                current_session(),
                form.code.data or "",
                form.name.data or "",
                form.country.data or "",
                time_zone=form.time_zone.data,
                observation_partners=_partner_codes(form.observation_partners.data),
                actor_id=_actor_id(),
            )
        except ValidationFailed as exc:
            _delegation_errors(form, exc)
            return render_template("admin/delegation.html", form=form, delegation=None), 422
        flash(str(messages.DELEGATION_CREATED), "success")
        return redirect(url_for("admin.delegation_edit", code=created.code)), 303
    return render_template("admin/delegation.html", form=form, delegation=None), (
        422 if form.errors else 200
    )


@bp.route("/delegations/<code>", methods=["GET", "POST"])
def delegation_edit(code: str):
    row = account_reads.delegation(current_session(), code)
    if request.method == "GET":
        form = DelegationForm(
            formdata=None,
            name=row.name,
            country=row.country,
            time_zone=row.time_zone,
            observation_partners=", ".join(row.observation_partners),
        )
        return render_template("admin/delegation.html", form=form, delegation=row, label=label)
    form = DelegationForm()
    if form.validate_on_submit():
        try:
            delegations.update_delegation(
                current_session(),
                row.code,
                name=form.name.data or "",
                country=form.country.data or "",
                time_zone=form.time_zone.data or "",
                observation_partners=_partner_codes(form.observation_partners.data),
                actor_id=_actor_id(),
            )
        except ValidationFailed as exc:
            _delegation_errors(form, exc)
        else:
            flash(str(messages.DELEGATION_SAVED), "success")
            return redirect(url_for("admin.delegation_edit", code=row.code)), 303
    return render_template("admin/delegation.html", form=form, delegation=row, label=label), 422
