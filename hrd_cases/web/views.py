"""Sign-in, sign-out and the home page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from hrd_cases.auth.service import authenticate
from hrd_cases.db import get_session
from hrd_cases.web.forms import LoginForm

bp = Blueprint("web", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(
            get_session(),
            current_app.extensions["hrd_password_hasher"],
            form.email.data or "",
            form.password.data or "",
        )
        if user is not None:
            login_user(user)
            flash("Signed in.", "success")
            return redirect(url_for("web.home"))
        # One message for every failure: it must not reveal which accounts exist.
        flash("Email or password not recognised.", "error")
    status = 401 if request.method == "POST" else 200
    return render_template("login.html", form=form), status


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    logout_user()
    flash("Signed out.", "success")
    return redirect(url_for("web.login"))


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return render_template("home.html")
