"""The analyst's export page: release a closed quarter, download a release, or see a marked
provisional preview of a quarter that is not released yet.

The release service (hrd_cases.exports.releases) computes, protects, audits, stores and serves;
this view only parses the form and sends the file as an attachment (never inline: the HTML
report carries its own style, which the app's CSP would refuse).
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_session, current_settings, current_strategies
from hrd_cases.domain.clock import utcnow
from hrd_cases.exports.annual import annual_export
from hrd_cases.exports.labels import LANGUAGES
from hrd_cases.exports.quarter import ExportError, parse_quarter
from hrd_cases.exports.releases import (
    configured_regions,
    download_release,
    latest_release,
    provisional_preview,
    releasable_from,
    release_quarter,
    releases,
)
from hrd_cases.exports.service import EXPORT_FORMATS
from hrd_cases.i18n.translate import lazy_gettext as _l
from hrd_cases.models import User
from hrd_cases.reads.lists import cases_per_quarter, quarters_between
from hrd_cases.web.forms import AnnualForm, ExportForm, choice

bp = Blueprint("exports", __name__)
FORMAT_LABELS = {
    "csv": _l("CSV (tidy table for spreadsheets and scripts)"),
    "xlsx": _l("Excel workbook (XLSX)"),
    "json": _l("JSON (machine-readable)"),
    "html": _l("HTML report with charts"),
    "docx": _l("Word brief for Council drafters (DOCX)"),
}


def _form() -> ExportForm:
    form = ExportForm()
    today = utcnow().date()
    counts = cases_per_quarter(current_session(), k=current_settings().suppression_k, today=today)
    # The last year's quarters too: a quarter with no case yet can still be released.
    year_ago = today.replace(year=today.year - 1, day=1)
    quarters = sorted({c.quarter for c in counts} | set(quarters_between(year_ago, today)))
    lag = current_settings().release_lag_days
    session = current_session()
    labels = []
    for q in reversed(quarters):
        period = parse_quarter(q)
        if latest_release(session, period) is not None:
            text = _("%(quarter)s (released)", quarter=period.label)
        elif today >= releasable_from(period, lag):
            text = _("%(quarter)s (ready to release)", quarter=period.label)
        else:
            text = _("%(quarter)s (provisional preview only)", quarter=period.label)
        labels.append(choice(period.label, text))
    form.quarter.choices = labels
    form.fmt.choices = [choice(name, FORMAT_LABELS.get(name, name)) for name in EXPORT_FORMATS]
    form.language.choices = [choice(code, name) for code, name in LANGUAGES.items()]
    return form


def _annual_form() -> AnnualForm:
    form = AnnualForm(prefix="annual")
    this_year = utcnow().date().year
    form.year.choices = [choice(str(y), str(y)) for y in range(this_year, this_year - 6, -1)]
    form.fmt.choices = [choice(name, FORMAT_LABELS.get(name, name)) for name in EXPORT_FORMATS]
    form.language.choices = [choice(code, name) for code, name in LANGUAGES.items()]
    return form


def _page(form: ExportForm, status: int = 200, annual: AnnualForm | None = None):
    settings = current_settings()
    return (
        render_template(
            "exports.html",
            form=form,
            annual=annual or _annual_form(),
            k=settings.suppression_k,
            p=settings.suppression_p,
            lag=settings.release_lag_days,
            releases=releases(current_session()),
        ),
        status,
    )


@bp.route("/exports", methods=["GET", "POST"])
def export_page():
    user: User = current_user._get_current_object()
    require(user, Permission.EXPORT_AGGREGATES)
    form = _form()
    settings = current_settings()
    if not form.validate_on_submit():
        return _page(form, 422 if form.errors else 200)
    session = current_session()
    try:
        quarter = parse_quarter(form.quarter.data or "")
        if form.release.data:
            made = release_quarter(
                session,
                quarter,
                actor=user,
                via="web",
                catalogue=current_strategies(),
                k=settings.suppression_k,
                p=settings.suppression_p,
                lag_days=settings.release_lag_days,
                regions=configured_regions(settings.regions_path),
            )
            flash(
                _(
                    "Released %(quarter)s, version %(version)s.",
                    quarter=made.quarter,
                    version=made.version,
                ),
                "success",
            )
            return redirect(url_for("exports.export_page"))
        if latest_release(session, quarter) is not None:
            export = download_release(
                session,
                quarter,
                form.fmt.data or "",
                actor=user,
                via="web",
                language=form.language.data or "en",
            )
        else:
            export = provisional_preview(
                session,
                quarter,
                form.fmt.data or "",
                actor=user,
                via="web",
                catalogue=current_strategies(),
                k=settings.suppression_k,
                p=settings.suppression_p,
                regions=configured_regions(settings.regions_path),
                language=form.language.data or "en",
            )
    except ExportError as exc:  # one line, no data in it (see exports.quarter)
        flash(_("Not exported: %(reason)s.", reason=exc), "error")
        return _page(form, 422)
    return Response(
        export.body,
        content_type=export.content_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )


@bp.post("/exports/annual")
def annual_page():
    """The annual report for the Council conclusions, from the year's four releases."""
    user: User = current_user._get_current_object()
    require(user, Permission.EXPORT_AGGREGATES)
    annual = _annual_form()
    if not annual.validate_on_submit():
        return _page(_form(), 422, annual)
    try:
        export = annual_export(
            current_session(),
            int(annual.year.data or 0),
            annual.fmt.data or "",
            actor=user,
            via="web",
            language=annual.language.data or "en",
        )
    except ExportError as exc:  # one line, no data in it
        flash(_("Not exported: %(reason)s.", reason=str(exc)), "error")
        return _page(_form(), 422, annual)
    return Response(
        export.body,
        content_type=export.content_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )
