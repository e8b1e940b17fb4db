"""Sign-in (password, then second factor or first-time enrolment), password change, sign-out.

Between the password and the second factor the browser holds only a short-lived "pending"
marker in the signed session; nothing is signed in until the second factor succeeds.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from hrd_cases.auth import accounts, links, oidc
from hrd_cases.auth import messages as auth_messages
from hrd_cases.auth import security_keys as keys
from hrd_cases.auth.qrcode_svg import qr_svg
from hrd_cases.auth.service import (
    PasswordOutcome,
    SecondFactorUsed,
    check_password,
    code_was_used,
    confirm_enrolment,
    is_throttled,
    origin_hash,
    pause_minutes,
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
from hrd_cases.web import messages
from hrd_cases.web.forms import (
    ChangePasswordForm,
    EnrolForm,
    ForgotPasswordForm,
    LoginForm,
    SecondFactorForm,
    SetPasswordForm,
)

bp = Blueprint("auth", __name__)

PENDING_SECONDS = 300
# One message for every failure before the password is right, so that sign-in never
# reveals which accounts exist.
SIGN_IN_FAILED = messages.SIGN_IN_FAILED


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
        if (
            check.outcome is PasswordOutcome.ACCEPTED
            and check.user is not None
            and not oidc.password_allowed(current_settings(), check.user)
        ):
            oidc.audit_refusal(
                current_session(), oidc.OidcRefused("password_disabled_for_role"), check.user.id
            )
            flash(str(auth_messages.LOCAL_SIGN_IN_DISABLED), "error")
            return _login_page(form), 403
        if check.outcome is PasswordOutcome.ACCEPTED and check.user is not None:
            session.clear()
            session["pending_user_id"] = check.user.id
            session["pending_since"] = time.time()
            # A password change (or 2FA reset) before the second step voids this attempt.
            session["pending_credentials"] = _credential_stamp(check.user)
            return redirect(_second_step_for(check.user))
        if check.outcome is PasswordOutcome.THROTTLED and check.user is not None:
            flash(messages.paused(pause_minutes(check.user)), "error")
        else:
            flash(str(SIGN_IN_FAILED), "error")
        return _login_page(form), 401
    return _login_page(form), 400 if form.errors else 200


def _login_page(form: LoginForm) -> str:
    settings = current_settings()
    label = settings.oidc_button_label if oidc.enabled(settings) else None
    return render_template("auth/login.html", form=form, oidc_label=label)


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
    key_ids = ",".join(str(k.id) for k in user.security_keys)
    return f"{changed}|{enrolled}|{key_ids}"


def _second_step_for(user: User) -> str:
    """A key is offered first; codes are the fallback; the policy may demand a new key."""
    if user.security_keys:
        return url_for("auth.security_key_sign_in")
    if user.has_second_factor:
        return url_for("auth.second_factor")
    if keys.keys_required(current_settings(), user):
        return url_for("auth.register_key_at_sign_in")
    return url_for("auth.enrol")


def _finish_sign_in(user: User):
    origin = origin_hash(
        current_settings().secret_key,
        user.id,
        request.remote_addr,
        request.headers.get("User-Agent"),
    )
    start_session(current_session(), user, origin=origin)
    via_organisation = session.get(_VIA_OIDC, False)
    session.clear()  # drop the pending marker: the signed-in session starts clean
    if via_organisation:
        session[_VIA_OIDC] = True  # sign-out then ends the provider's session too
    login_user(user)
    flash(_("Signed in."), "success")


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def second_factor():
    user = _pending_user()
    if user is None or not user.has_second_factor:
        session.clear()
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    settings = current_settings()
    # Users who must use keys but have none yet pass with their old TOTP one last time.
    allow_totp = user.has_totp and (keys.totp_allowed(settings, user) or not user.security_keys)
    if form.validate_on_submit():
        code = form.code.data or ""
        if is_throttled(user):
            session.clear()
            flash(messages.paused(pause_minutes(user)), "error")
            return redirect(url_for("auth.login"))
        used = verify_second_factor(
            current_session(), current_vault(), user, code, allow_totp=allow_totp
        )
        if used is not None:
            if keys.keys_required(settings, user) and (
                used is SecondFactorUsed.RECOVERY_CODE or not user.security_keys
            ):
                # Policy: a recovery code (lost key) or a last TOTP sign-in leads straight
                # to registering a new key; nothing is signed in before that.
                session["second_factor_passed"] = True
                return redirect(url_for("auth.register_key_at_sign_in"))
            _finish_sign_in(user)
            return redirect(url_for("web.home"))
        # The password was right: the user may be told what went wrong with the code.
        reused = code_was_used(current_vault(), user, code)
        if record_second_factor_failure(current_session(), current_settings(), user):
            session.clear()
            flash(messages.paused(pause_minutes(user)), "error")
            return redirect(url_for("auth.login"))
        flash(str(messages.CODE_REUSED if reused else messages.CODE_WRONG), "error")
        return render_template(
            "auth/second_factor.html", form=form, allow_totp=allow_totp, user=user
        ), 401
    return render_template("auth/second_factor.html", form=form, allow_totp=allow_totp, user=user)


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def enrol():
    user = _pending_user()
    if user is None or user.has_second_factor:
        session.clear()
        return redirect(url_for("auth.login"))
    if keys.keys_required(current_settings(), user):
        return redirect(url_for("auth.register_key_at_sign_in"))
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
            _("That code was not accepted. Check the time on your phone and try the next code."),
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


# Every answer to a reset request takes this long at least, so that the work done for a known
# address (or its absence) cannot be timed from outside.
RESET_ANSWER_SECONDS = 0.25


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        started = time.monotonic()
        settings = current_settings()
        by_email = settings.emails_account_links
        links.request_password_reset(
            current_session(),
            form.email.data or "",
            email_with=current_vault() if by_email else None,
            valid_for=timedelta(minutes=settings.password_reset_minutes),
        )
        time.sleep(max(0.0, RESET_ANSWER_SECONDS - (time.monotonic() - started)))
        message = messages.RESET_REQUESTED_BY_EMAIL if by_email else messages.RESET_REQUESTED
        return render_template("auth/forgot.html", form=None, message=message)
    return render_template("auth/forgot.html", form=form, message=None), (
        400 if form.errors else 200
    )


@bp.route("/account/link/<token>", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"])
def account_link(token: str):
    """An invitation, enrolment or password-reset link: its holder sets their own password,
    then proves or enrols the second factor before anything is signed in."""
    link = links.find_link(current_session(), token)
    if link is None:
        return render_template("auth/link_refused.html", message=messages.LINK_NOT_USABLE), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        user, problems = links.redeem_link(
            current_session(), current_hasher(), token, form.password.data or ""
        )
        if user is None:
            return render_template("auth/link_refused.html", message=messages.LINK_NOT_USABLE), 404
        if problems:
            form.password.errors = list(problems["password"])
            return render_template("auth/set_password.html", form=form, link=link), 422
        # Whoever was signed in in this browser is signed out: it now acts for the link's holder.
        logout_user()
        session.clear()
        session["pending_user_id"] = user.id
        session["pending_since"] = time.time()
        session["pending_credentials"] = _credential_stamp(user)
        if user.has_second_factor:
            flash(str(messages.LINK_DONE_VERIFY), "success")
            return redirect(url_for("auth.second_factor"))
        flash(str(messages.LINK_DONE_ENROL), "success")
        return redirect(url_for("auth.enrol"))
    return render_template("auth/set_password.html", form=form, link=link), (
        422 if form.errors else 200
    )


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
            flash(_("Password changed. Your other sessions were signed out."), "success")
            return redirect(url_for("web.home"))
        for field, messages in errors.items():
            getattr(form, field).errors = list(messages)
        return render_template("auth/change_password.html", form=form), 422
    return render_template("auth/change_password.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    sign_out(current_session(), current_user._get_current_object())
    via_organisation = session.get(_VIA_OIDC, False)
    logout_user()
    session.clear()
    flash(_("Signed out."), "success")
    if via_organisation and oidc.enabled(current_settings()):
        return _provider_logout()
    return redirect(url_for("auth.login"))


def _provider_logout():
    """RP-initiated logout when the provider offers it. No id_token_hint: it would put the
    user's claims (their e-mail) in a URL; client_id names us instead."""
    try:
        provider = oidc.client(current_app)
        metadata = provider.load_server_metadata()
    except Exception:  # noqa: BLE001 - our own session has ended anyway; never a 500 here
        return redirect(url_for("auth.login"))
    if not metadata.get("end_session_endpoint"):
        return redirect(url_for("auth.login"))
    return provider.logout_redirect(
        post_logout_redirect_uri=url_for("auth.login", _external=True),
        client_id=current_settings().oidc_client_id,
    )


# Single sign-on (OpenID Connect) ------------------------------------------------------------
_VIA_OIDC = "signed_in_via_organisation"


@bp.get("/login/organisation")
@limiter.limit(_login_rate_limit)
def oidc_start():
    if not oidc.enabled(current_settings()):
        abort(404)
    session.clear()
    try:
        return oidc.client(current_app).authorize_redirect(
            url_for("auth.oidc_callback", _external=True), nonce=secrets.token_urlsafe(24)
        )
    except Exception as exc:  # noqa: BLE001 - discovery failures become a clear page
        return _oidc_failure(oidc.refusal_reason(exc))


@bp.get("/login/organisation/callback")
@limiter.limit(_login_rate_limit)
def oidc_callback():
    settings = current_settings()
    if not oidc.enabled(settings):
        abort(404)
    try:
        provider = oidc.client(current_app)
        token = provider.authorize_access_token(leeway=settings.oidc_leeway_seconds)
        claims = oidc.identity_claims(provider, token)
        user = oidc.match_account(current_session(), settings, claims)
    except Exception as exc:  # noqa: BLE001 - every failure is a page and an audit entry
        return _oidc_failure(oidc.refusal_reason(exc))
    session.clear()
    if oidc.provider_did_mfa(settings, claims):
        session[_VIA_OIDC] = True
        _finish_sign_in(user)
        return redirect(url_for("web.home"))
    # The app's own second factor still applies: the same pending step as after a password.
    session["pending_user_id"] = user.id
    session["pending_since"] = time.time()
    session["pending_credentials"] = _credential_stamp(user)
    session[_VIA_OIDC] = True
    return redirect(_second_step_for(user))


def _oidc_failure(refusal: oidc.OidcRefused):
    oidc.audit_refusal(current_session(), refusal)
    session.clear()
    message = {
        "unknown_identity": auth_messages.OIDC_UNKNOWN_IDENTITY,
        "provider_unreachable": auth_messages.OIDC_UNAVAILABLE,
    }.get(refusal.reason, auth_messages.OIDC_FAILED)
    return render_template("auth/oidc_failed.html", message=message), refusal.status


# Security keys (WebAuthn) --------------------------------------------------------------------
# The ceremony endpoints speak JSON to the small first-party script security_key.js; the CSRF
# token travels in the X-CSRFToken header. Every page keeps a link to the no-script fallback.
_STATE = "webauthn_state"


def _json_error(message: str, status: int):
    return jsonify({"error": message}), status


def _credential_json() -> str:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("credential"), dict):
        abort(400)
    return json.dumps(payload["credential"])


@bp.get("/login/key")
def security_key_sign_in():
    user = _pending_user()
    if user is None or not user.security_keys:
        session.clear()
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/security_key.html",
        options_url=url_for("auth.security_key_sign_in_options"),
        finish_url=url_for("auth.security_key_sign_in"),
        mode="authenticate",
    )


@bp.post("/login/key/options")
@limiter.limit(_login_rate_limit)
def security_key_sign_in_options():
    user = _pending_user()
    if user is None or not user.security_keys:
        return _json_error(auth_messages.SIGN_IN_EXPIRED, 401)
    ceremony = keys.begin_authentication(current_settings(), user)
    session[_STATE] = ceremony.state
    return current_app_response(ceremony.options_json)


@bp.post("/login/key")
@limiter.limit(_login_rate_limit)
def security_key_sign_in_finish():
    user = _pending_user()
    if user is None or not user.security_keys:
        return _json_error(auth_messages.SIGN_IN_EXPIRED, 401)
    state = session.pop(_STATE, "")  # one answer per challenge
    try:
        if is_throttled(user):
            raise keys.SecurityKeyError("throttled")
        keys.verify_assertion(
            current_session(), current_settings(), user, state, _credential_json()
        )
    except keys.SecurityKeyError:
        if record_second_factor_failure(current_session(), current_settings(), user):
            session.clear()
        return _json_error(auth_messages.KEY_NOT_ACCEPTED, 401)
    _finish_sign_in(user)
    return jsonify({"redirect": url_for("web.home")})


@bp.get("/login/register-key")
def register_key_at_sign_in():
    user = _register_at_sign_in_user()
    if user is None:
        session.clear()
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/security_key.html",
        options_url=url_for("auth.register_key_at_sign_in_options"),
        finish_url=url_for("auth.register_key_at_sign_in"),
        mode="register",
    )


def _register_at_sign_in_user() -> User | None:
    """Only a policy user who passed their second step (or has none yet) registers here."""
    user = _pending_user()
    if user is None or not keys.keys_required(current_settings(), user):
        return None
    if user.has_second_factor and not session.get("second_factor_passed"):
        return None
    return user


@bp.post("/login/register-key/options")
@limiter.limit(_login_rate_limit)
def register_key_at_sign_in_options():
    user = _register_at_sign_in_user()
    if user is None:
        return _json_error(auth_messages.SIGN_IN_EXPIRED, 401)
    ceremony = keys.begin_registration(current_settings(), user)
    session[_STATE] = ceremony.state
    return current_app_response(ceremony.options_json)


@bp.post("/login/register-key")
@limiter.limit(_login_rate_limit)
def register_key_at_sign_in_finish():
    user = _register_at_sign_in_user()
    if user is None:
        return _json_error(auth_messages.SIGN_IN_EXPIRED, 401)
    return _finish_key_registration(user, then_sign_in=True)


def _finish_key_registration(user: User, *, then_sign_in: bool):
    payload = request.get_json(silent=True) or {}
    name = str(payload.get("name") or "") if isinstance(payload, dict) else ""
    try:
        _key, codes = keys.finish_registration(
            current_session(),
            current_settings(),
            user,
            session.pop(_STATE, ""),
            _credential_json(),
            name,
        )
    except keys.SecurityKeyError:
        return _json_error(auth_messages.KEY_NOT_REGISTERED, 400)
    if then_sign_in:
        _finish_sign_in(user)
    flash(str(auth_messages.KEY_REGISTERED), "success")
    return jsonify(
        {
            "redirect": url_for("web.home") if then_sign_in else url_for("auth.account_security"),
            "recovery_codes": codes or [],
        }
    )


def current_app_response(options_json: str):
    from flask import current_app

    return current_app.response_class(options_json, mimetype="application/json")


@bp.get("/account/security")
def account_security():
    user = current_user._get_current_object()
    settings = current_settings()
    return render_template(
        "auth/account_security.html",
        keys=keys.list_keys(user),
        has_totp=user.has_totp,
        keys_required=keys.keys_required(settings, user),
        options_url=url_for("auth.account_key_options"),
        finish_url=url_for("auth.account_key_register"),
        mode="register",
    )


@bp.post("/account/security-keys/options")
def account_key_options():
    ceremony = keys.begin_registration(current_settings(), current_user._get_current_object())
    session[_STATE] = ceremony.state
    return current_app_response(ceremony.options_json)


@bp.post("/account/security-keys")
def account_key_register():
    return _finish_key_registration(current_user._get_current_object(), then_sign_in=False)


@bp.post("/account/security-keys/<int:key_id>/remove")
def account_key_remove(key_id: int):
    try:
        keys.remove_key(
            current_session(), current_settings(), current_user._get_current_object(), key_id
        )
    except LookupError:
        abort(404)
    except keys.LastFactorError:
        flash(str(auth_messages.LAST_FACTOR), "error")
        return redirect(url_for("auth.account_security")), 303
    flash(str(auth_messages.KEY_REMOVED), "success")
    return redirect(url_for("auth.account_security")), 303


@bp.post("/account/totp/remove")
def account_totp_remove():
    try:
        keys.remove_totp(current_session(), current_user._get_current_object())
    except keys.LastFactorError:
        flash(str(auth_messages.LAST_FACTOR), "error")
        return redirect(url_for("auth.account_security")), 303
    flash(str(auth_messages.TOTP_REMOVED), "success")
    return redirect(url_for("auth.account_security")), 303
