"""Country strategy templates as shown to every role (they hold no case data)."""

from __future__ import annotations

from marshmallow import fields

from hrd_cases.api.schemas.common import OutputSchema
from hrd_cases.domain.vocabulary import Mechanism, StatementLevel


class ActionRulesSchema(OutputSchema):
    enabled = fields.Boolean(required=True)
    required_fields = fields.List(fields.String(), required=True)
    approvals_required = fields.Integer(required=True)


class ActionsRulesSchema(OutputSchema):
    intake = fields.Nested(ActionRulesSchema, required=True)
    referral = fields.Nested(ActionRulesSchema, required=True)
    trial_observation = fields.Nested(ActionRulesSchema, required=True)
    public_statement = fields.Nested(ActionRulesSchema, required=True)
    closure = fields.Nested(ActionRulesSchema, required=True)


class DeadlineRulesSchema(OutputSchema):
    referral_hours_by_risk = fields.Dict(
        keys=fields.String(), values=fields.Integer(allow_none=True), required=True
    )
    referral_decision_hours = fields.Integer(required=True)
    statement_decision_hours = fields.Integer(required=True)
    observation_report_days = fields.Integer(required=True)


class PrioritiesSchema(OutputSchema):
    protect_individuals = fields.List(fields.String(), required=True)
    enabling_environment = fields.List(fields.String(), required=True)
    issues_raised = fields.List(fields.String(), required=True)


class StrategyVersionSchema(OutputSchema):
    version = fields.Integer(required=True)
    effective_from = fields.Date(required=True)
    local_strategy = fields.String(required=True)
    priorities = fields.Nested(PrioritiesSchema, required=True)
    actions = fields.Nested(ActionsRulesSchema, required=True)
    mechanisms = fields.List(fields.Enum(Mechanism, by_value=True), required=True)
    statement_levels = fields.List(fields.Enum(StatementLevel, by_value=True), required=True)
    observation_partners = fields.List(fields.String(), required=True)
    deadlines = fields.Nested(DeadlineRulesSchema, required=True)
    max_grant_eur = fields.Integer(required=True)
    retention_years = fields.Integer(required=True)


class StrategySummarySchema(OutputSchema):
    code = fields.String(required=True, metadata={"description": "country code, or default"})
    name = fields.String(required=True)
    version_in_force = fields.Integer(allow_none=True, required=True)
    versions = fields.List(fields.Integer(), required=True)


class StrategySchema(StrategySummarySchema):
    version_details = fields.List(fields.Nested(StrategyVersionSchema), required=True)
