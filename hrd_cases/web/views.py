"""The home page."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def home():  # type: ignore[no-untyped-def]
    return render_template("home.html")
