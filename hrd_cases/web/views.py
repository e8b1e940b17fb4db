"""The home page: one per role, each showing only what that role may see."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from hrd_cases.current import current_session, current_settings, current_strategies, current_vault
from hrd_cases.domain.local_time import local_label, zone_label
from hrd_cases.exports.releases import released_cases_opened
from hrd_cases.models import Role, User
from hrd_cases.reads import lists as queries
from hrd_cases.web import markup
from hrd_cases.web.charts import bar_chart_svg
from hrd_cases.web.forms import label, option_pair

bp = Blueprint("web", __name__)
# Options of select and checkbox fields, whatever WTForms' version holds them as.
bp.add_app_template_global(option_pair, "option_pair")
# Markup drawn many times per page (hrd_cases.web.markup).
for _helper in (
    markup.csrf,
    markup.when,
    markup.field_description,
    markup.field_errors,
    markup.select_options,
    markup.checkbox_options,
):
    bp.add_app_template_global(_helper)
# Times in a delegation's zone, labelled: "2026-12-15 09:30 Nairobi (EAT, UTC+3)".
bp.add_app_template_global(local_label, "local_label")
bp.add_app_template_global(zone_label, "zone_label")


@bp.app_template_global("viewer_zone")
def viewer_zone() -> str:
    """The signed-in user's delegation zone (deadlines and "overdue since" are shown in it);
    UTC for those without a delegation (protection officers cover several countries)."""
    user = current_user._get_current_object()
    delegation = getattr(user, "delegation", None)
    return delegation.time_zone if delegation is not None else "UTC"


def _queue_order() -> queries.QueueOrder:
    try:
        return queries.QueueOrder(request.args.get("sort", "waiting"))
    except ValueError:
        return queries.QueueOrder.WAITING


@bp.get("/")
def home():
    user: User = current_user._get_current_object()
    session = current_session()
    now = queries.utcnow()
    if user.role is Role.FOCAL_POINT:
        return render_template(
            "home/focal_point.html",
            home=queries.focal_point_home(
                session, current_vault(), current_strategies(), user, now=now
            ),
            now=now,
            label=label,
        )
    if user.role is Role.PROTECTION_OFFICER:
        order = _queue_order()
        return render_template(
            "home/officer.html",
            queue=queries.approval_queue(
                session, current_strategies(), user, order=order, vault=current_vault()
            ),
            order=order,
            orders=list(queries.QueueOrder),
            now=queries.utcnow(),
            label=label,
        )
    if user.role is Role.ANALYST:
        k = current_settings().suppression_k
        counts = queries.cases_per_quarter(
            session, k=k, released=released_cases_opened(session)
        )
        return render_template(
            "home/analyst.html",
            counts=counts,
            k=k,
            chart=bar_chart_svg(
                [(c.quarter, c.count) for c in counts[-8:]],
                title="Cases opened per quarter, all countries",
            ),
            current_quarter=queries.quarter_of(queries.utcnow().date()),
        )
    if user.role is Role.AUDITOR:
        return render_template("home/auditor.html")
    settings = current_settings()
    return render_template(
        "home/admin.html",
        home=queries.admin_home(session, current_strategies(), settings.strategies_dir),
        label=label,
    )
