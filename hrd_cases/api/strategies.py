"""Country strategy templates (every role may read them: they hold no case data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response

from hrd_cases.api import bp
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.strategies import StrategySchema, StrategySummarySchema
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor, current_strategies
from hrd_cases.domain.errors import NotFound
from hrd_cases.domain.vocabulary import ActionType
from hrd_cases.http.errors import envelope
from hrd_cases.workflow.templates import CountryStrategy, StrategyVersion, TemplateError

EVERY_ROLE = ("focal_point", "protection_officer", "analyst", "admin")


def _summary(strategy: CountryStrategy, today: dt.date) -> dict[str, Any]:
    try:
        in_force: int | None = strategy.in_force(today).version
    except TemplateError:
        in_force = None  # every version starts in the future
    return {
        "code": strategy.code,
        "name": strategy.name,
        "version_in_force": in_force,
        "versions": [v.version for v in strategy.versions],
    }


def _version(version: StrategyVersion) -> dict[str, Any]:
    deadlines = version.deadlines
    return {
        "version": version.version,
        "effective_from": version.effective_from,
        "local_strategy": version.local_strategy,
        "priorities": {pillar: list(items) for pillar, items in version.priorities.items()},
        "actions": {
            action.value: {
                "enabled": rules.enabled,
                "required_fields": sorted(rules.required_fields),
                "approvals_required": rules.approvals_required,
            }
            for action, rules in ((a, version.rules(a)) for a in ActionType)
        },
        "mechanisms": list(version.mechanisms),
        "statement_levels": list(version.statement_levels),
        "observation_partners": list(version.observation_partners),
        "deadlines": {
            "referral_hours_by_risk": {
                risk.value: hours for risk, hours in deadlines.referral_hours_by_risk.items()
            },
            "referral_decision_hours": deadlines.referral_decision_hours,
            "statement_decision_hours": deadlines.statement_decision_hours,
            "observation_report_days": deadlines.observation_report_days,
        },
        "max_grant_eur": version.max_grant_eur,
        "retention_years": version.retention_years,
    }


@operation(
    bp,
    "/strategies",
    "GET",
    summary="List the country strategy templates",
    tag="strategies",
    roles=EVERY_ROLE,
    response=StrategySummarySchema,
    many=True,
)
def list_strategies() -> Response:
    """One per country (ISO code) plus ``default``, with the version in force today."""
    require(current_actor(), Permission.STRATEGY_READ)
    today = dt.datetime.now(dt.UTC).date()
    shown = [_summary(s, today) for s in current_strategies()]
    return envelope(StrategySummarySchema(many=True).dump(shown), meta={"total": len(shown)})


@operation(
    bp,
    "/strategies/<code>",
    "GET",
    summary="Show a country strategy template, every version",
    tag="strategies",
    roles=EVERY_ROLE,
    response=StrategySchema,
)
def get_strategy(code: str) -> Response:
    """``code`` is a country code (KE) or ``default``. A case keeps the version it was
    opened under (see a case's ``template``)."""
    require(current_actor(), Permission.STRATEGY_READ)
    strategy = current_strategies().strategies.get(code)
    if strategy is None:
        raise NotFound("no such strategy")
    today = dt.datetime.now(dt.UTC).date()
    shown = {
        **_summary(strategy, today),
        "version_details": [_version(v) for v in strategy.versions],
    }
    return envelope(StrategySchema().dump(shown))
