"""Country strategy templates (every role may read them: they hold no case data)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import Response
from marshmallow import fields, validate

from hrd_cases.api import bp
from hrd_cases.api.inputs import query_args
from hrd_cases.api.registry import operation
from hrd_cases.api.schemas.common import OutputSchema, StrictSchema
from hrd_cases.api.schemas.strategies import StrategySchema, StrategySummarySchema
from hrd_cases.auth.permissions import Permission, require
from hrd_cases.current import current_actor, current_settings, current_strategies
from hrd_cases.domain.errors import NotFound
from hrd_cases.http.errors import envelope
from hrd_cases.reads.templates import side_by_side, validation_problems, version_facts
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
    return version_facts(version)


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


class DiffQuerySchema(StrictSchema):
    a = fields.Integer(required=True, validate=validate.Range(min=1))
    b = fields.Integer(required=True, validate=validate.Range(min=1))


class DiffRowSchema(OutputSchema):
    left = fields.String(allow_none=True, required=True)
    right = fields.String(allow_none=True, required=True)
    change = fields.String(required=True)


class ValidationSchema(OutputSchema):
    problems = fields.List(fields.String(), required=True)


@operation(
    bp,
    "/strategies/<code>/diff",
    "GET",
    summary="Two versions of a template side by side",
    tag="strategies",
    roles=("admin",),
    query=DiffQuerySchema,
    response=DiffRowSchema,
    many=True,
)
def diff_strategy(code: str) -> Response:
    require(current_actor(), Permission.ADMIN_TEMPLATES)
    args = query_args(DiffQuerySchema())
    strategy = current_strategies().strategies.get(code)
    numbers = {v.version for v in strategy.versions} if strategy else set()
    if strategy is None or not {args["a"], args["b"]} <= numbers:
        raise NotFound("no such strategy version")
    rows = side_by_side(strategy.version(args["a"]), strategy.version(args["b"]))
    return envelope(DiffRowSchema(many=True).dump([dataclasses.asdict(r) for r in rows]))


@operation(
    bp,
    "/strategies/validation",
    "GET",
    summary="Validate the template files on disk",
    tag="strategies",
    roles=("admin",),
    response=ValidationSchema,
)
def validate_strategies() -> Response:
    """Each problem names the file and the field; templates still come only from files."""
    require(current_actor(), Permission.ADMIN_TEMPLATES)
    problems = validation_problems(current_settings().strategies_dir)
    return envelope(ValidationSchema().dump({"problems": problems}))
