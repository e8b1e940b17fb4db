"""Sign-in (password, then second factor or first-time enrolment), password change, sign-out.

Between the password and the second factor the browser holds only a short-lived "pending"
marker in the signed session; nothing is signed in until the second factor succeeds.
"""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from hrd_cases.auth import accounts
from hrd_cases.auth.qrcode_svg import qr_svg
from hrd_cases.auth.service import (
    PasswordOutcome,
    check_password,
    confirm_enrolment,
    is_throttled,
    origin_hash,
    pending_secret,
    record_second_factor_failure,
    sign_out,
    start_enrolment,
    start_session,
    verify_second_factor,
)
from hrd_cases.auth.totp import provisioning_uri
from hrd_cases.current import current_hasher, current_session, current_settings, current_vault
from hrd_cases.extensions import limiter
from hrd_cases.models import User
from hrd_cases.web.forms import ChangePasswordForm, EnrolForm, LoginForm, SecondFactorForm

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300
# One message for every failure, so that sign-in never reveals which accounts exist.
SIGN_IN_FAILED = (
    "Sign-in failed. Check your email and password. After several failed attempts an account "
    "is paused for a few minutes."
)


def _login_rate_limit() -> str:
    return current_settings().login_rate_limit


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        check = check_password(
            current_session(),
            current_hasher(),
            current_settings(),
            form.email.data or "",
            form.password.data or "",
        )
        if check.outcome is PasswordOutcome.ACCEPTED and check.user is not None:
            session.clear()
            session["pending_user_id"] = check.user.id
            session["pending_since"] = time.time()
            # A password change (or 2FA reset) before the second step voids this attempt.
            session["pending_credentials"] = _credential_stamp(check.user)
            if check.user.has_second_factor:
                return redirect(url_for("auth.second_factor"))
            return redirect(url_for("auth.enrol"))
        flash(SIGN_IN_FAILED, "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


def _pending_user() -> User | None:
    user_id, since = session.get("pending_user_id"), session.get("pending_since", 0)
    if user_id is None or time.time() - float(since) > PENDING_SECONDS:
        return None
    user = current_session().get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    if session.get("pending_credentials") != _credential_stamp(user):
        return None
    return user


def _credential_stamp(user: User) -> str:
    """Changes whenever the password or the second factor changes."""
    changed = user.password_changed_at.isoformat() if user.password_changed_at else "-"
    enrolled = user.totp_enrolled_at.isoformat() if user.totp_enrolled_at else "-"
    return f"{changed}|{enrolled}"


def _finish_sign_in(user: User):
    origin = origin_hash(
        current_settings().secret_key,
        user.id,
        request.remote_addr,
        request.headers.get("User-Agent"),
    )
    start_session(current_session(), user, origin=origin)
    session.clear()  # drop the pending marker: the signed-in session starts clean
    login_user(user)
    flash("Signed in.", "success")


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def second_factor():
    user = _pending_user()
    if user is None or not user.has_second_factor:
        session.clear()
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if not is_throttled(user) and verify_second_factor(
            current_session(), current_vault(), user, form.code.data or ""
        ):
            _finish_sign_in(user)
            return redirect(url_for("web.home"))
        if record_second_factor_failure(current_session(), current_settings(), user):
            session.clear()
            flash(SIGN_IN_FAILED, "error")
            return redirect(url_for("auth.login"))
        flash("That code was not accepted. Codes work once; wait for the next one.", "error")
        return render_template("auth/second_factor.html", form=form), 401
    return render_template("auth/second_factor.html", form=form)


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def enrol():
    user = _pending_user()
    if user is None or user.has_second_factor:
        session.clear()
        return redirect(url_for("auth.login"))
    vault = current_vault()
    secret = pending_secret(vault, user) or start_enrolment(current_session(), vault, user)
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        codes = confirm_enrolment(current_session(), vault, user, form.code.data or "")
        if codes is not None:
            _finish_sign_in(user)
            return render_template("auth/recovery_codes.html", codes=codes)
        flash(
            "That code was not accepted. Check the time on your phone and try the next code.",
            "error",
        )
        status = 401
    uri = provisioning_uri(secret, user.email)
    return render_template(
        "auth/enrol.html",
        form=form,
        qr=qr_svg(uri, label="QR code to add hrd_cases to your authenticator app"),
        secret_groups=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    ), status


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])  # a stolen session must not guess freely
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        errors = accounts.change_password(
            current_session(),
            current_hasher(),
            current_user._get_current_object(),
            form.current_password.data or "",
            form.new_password.data or "",
        )
        if not errors:
            flash("Password changed. Your other sessions were signed out.", "success")
            return redirect(url_for("web.home"))
        for field, messages in errors.items():
            getattr(form, field).errors = list(messages)
        return render_template("auth/change_password.html", form=form), 422
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    sign_out(current_session(), current_user._get_current_object())
    logout_user()
    session.clear()
    flash("Signed out.", "success")
    return redirect(url_for("auth.login"))
