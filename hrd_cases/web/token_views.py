"""API tokens on the user's own account page (create, shown once; list with last use;
revoke), and every token for admins, who may revoke any but never see a value."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hrd_cases.auth import accounts
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_settings
from hrd_cases.domain.errors import InvalidTransition, ValidationFailed
from hrd_cases.reads import accounts as account_reads
from hrd_cases.web import messages
from hrd_cases.web.forms import ConfirmForm, TokenForm

bp = Blueprint("tokens", __name__)


def _mine(form: TokenForm, status: int = 200) -> ResponseReturnValue:
    user = current_user._get_current_object()
    return render_template(
        "account/tokens.html",
        form=form,
        tokens=account_reads.tokens_of(current_session(), user.id),
        max_days=current_settings().api_token_max_days,
    ), status


@bp.get("/account/tokens")
def my_tokens() -> ResponseReturnValue:
    form = TokenForm(formdata=None, days=30)
    return _mine(form)


@bp.post("/account/tokens")
def create_token() -> ResponseReturnValue:
    form = TokenForm()
    if not form.validate_on_submit():
        return _mine(form, 422)
    user = current_user._get_current_object()
    try:
        row, value = accounts.create_api_token(
            current_session(),
            user,
            form.name.data or "",
            days=form.days.data or 0,
            max_days=current_settings().api_token_max_days,
            actor_id=user.id,
        )
    except ValidationFailed as exc:
        form.days.errors = list(exc.messages.get("days", []))
        return _mine(form, 422)
    except InvalidTransition as exc:  # longer than this instance allows: said beside the field
        form.days.errors = [str(exc)]
        return _mine(form, 422)
    return render_template("account/token_created.html", row=row, value=value)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_my_token(token_id: int) -> ResponseReturnValue:
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("tokens.my_tokens"))
    user = current_user._get_current_object()
    accounts.revoke_api_token(current_session(), token_id, actor_id=user.id, owner_id=user.id)
    flash(str(messages.REVOKED_NOTICE), "success")
    return redirect(url_for("tokens.my_tokens"), 303)


@bp.get("/admin/tokens")
def all_tokens() -> ResponseReturnValue:
    require(current_user._get_current_object(), Permission.ADMIN_USERS)
    return render_template("admin/tokens.html", tokens=account_reads.all_tokens(current_session()))


@bp.post("/admin/tokens/<int:token_id>/revoke")
def admin_revoke_token(token_id: int) -> ResponseReturnValue:
    user = current_user._get_current_object()
    require(user, Permission.ADMIN_USERS)
    if ConfirmForm().validate_on_submit():
        accounts.revoke_api_token(current_session(), token_id, actor_id=user.id)
        flash(str(messages.REVOKED_NOTICE), "success")
    return redirect(url_for("tokens.all_tokens"), 303)
