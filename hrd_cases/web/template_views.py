"""The strategy templates viewer for admins: each country's template in readable form, its
versions, two versions side by side, and the validation panel. Read-only: templates come
from files through the deployment, never from an upload."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_settings, current_strategies
from hrd_cases.reads import templates as template_reads
from hrd_cases.web.forms import label

bp = Blueprint("templates", __name__, url_prefix="/admin/templates")


@bp.before_request
def _admins_only() -> None:
    require(current_user._get_current_object(), Permission.ADMIN_TEMPLATES)


@bp.get("")
def template_list() -> ResponseReturnValue:
    return render_template(
        "admin/templates.html",
        strategies=list(current_strategies()),
        problems=template_reads.validation_problems(current_settings().strategies_dir),
        directory=current_settings().strategies_dir.name,
    )


def _version_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else default


@bp.get("/<code>")
def template_detail(code: str) -> ResponseReturnValue:
    strategy = current_strategies().strategies.get(code)
    if strategy is None:
        abort(404)
    numbers = [v.version for v in strategy.versions]
    shown = _version_arg("version", numbers[-1])
    if shown not in numbers:
        abort(404)
    diff = None
    older, newer = _version_arg("a", 0), _version_arg("b", 0)
    if older and newer:
        if older not in numbers or newer not in numbers:
            abort(404)
        diff = template_reads.side_by_side(strategy.version(older), strategy.version(newer))
    return render_template(
        "admin/template.html",
        strategy=strategy,
        numbers=numbers,
        shown=shown,
        facts=template_reads.version_facts(strategy.version(shown)),
        diff=diff,
        older=older,
        newer=newer,
        label=label,
    )
