"""The analyst's export page: choose a quarter and a format, download the file.

The export service computes, suppresses, renders and audits; this view only parses the form
and sends the file as an attachment (never rendered inline: the HTML report carries its own
style, which the app's CSP would refuse, and a download is what the analyst needs).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, render_template
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_settings
from hrd_cases.domain.clock import utcnow
from hrd_cases.exports.quarter import ExportError
from hrd_cases.exports.service import EXPORT_FORMATS, build_quarterly_export
from hrd_cases.models import User
from hrd_cases.reads.lists import cases_per_quarter, quarter_of
from hrd_cases.web.forms import ExportForm, choice

bp = Blueprint("exports", __name__)
FORMAT_LABELS = {
    "csv": "CSV (spreadsheets, scripts)",
    "xlsx": "Excel workbook (XLSX)",
    "json": "JSON (machine-readable)",
    "html": "HTML report with charts",
}


def _form() -> ExportForm:
    form = ExportForm()
    today = utcnow().date()
    counts = cases_per_quarter(current_session(), k=current_settings().suppression_k, today=today)
    quarters = [c.quarter for c in counts] or [quarter_of(today)]
    # Newest first; the current quarter is exported "as of today".
    form.quarter.choices = [
        choice(q.replace("-", ""), f"{q} (in progress)" if q == quarter_of(today) else q)
        for q in reversed(quarters)
    ]
    form.fmt.choices = [choice(name, FORMAT_LABELS.get(name, name)) for name in EXPORT_FORMATS]
    return form


@bp.route("/exports", methods=["GET", "POST"])
def export_page():
    user: User = current_user._get_current_object()
    require(user, Permission.EXPORT_AGGREGATES)
    form = _form()
    k = current_settings().suppression_k
    if form.validate_on_submit():
        try:
            export = build_quarterly_export(
                current_session(),
                quarter=form.quarter.data or "",
                fmt=form.fmt.data or "",
                as_of=utcnow().date(),
                k=k,
                actor=user,
                via="web",
            )
        except ExportError as exc:  # one line, no data in it (see exports.quarter)
            flash(f"Not exported: {exc}.", "error")
            return render_template("exports.html", form=form, k=k), 422
        return Response(
            export.body,
            content_type=export.content_type,
            headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
        )
    status = 422 if form.errors else 200
    return render_template("exports.html", form=form, k=k), status
