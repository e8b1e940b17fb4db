"""Country HRD strategy templates: one YAML file per country under config/strategies/.

A file holds every version of a country's template. The version in force on a day is the
latest whose ``effective_from`` is on or before it; a case remembers the version it was opened
under and keeps those rules until it closes. Files are validated with marshmallow when loaded:
a bad template is one clear error naming the file and the field, never a half-loaded catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
import yaml
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from hrd_cases.domain.vocabulary import ActionType, Mechanism, RiskLevel, StatementLevel

DEFAULT_TEMPLATE_CODE = "default"
# The EU HRD mechanism's emergency grant ceiling.
EU_EMERGENCY_GRANT_CEILING_EUR = 10_000
PILLARS = ("protect_individuals", "enabling_environment", "issues_raised")

# Fields a template may require at each step (the step's form or API payload must then carry
# a non-empty value). Anything else in a template is an error.
REQUIRABLE_FIELDS: Mapping[ActionType, frozenset[str]] = {
    ActionType.INTAKE: frozenset(
        {
            "name",
            "other_names",
            "contact_details",
            "location",
            "organisation",
            "date_of_birth",
            "personal_notes",
            "narrative",
            "profile_categories",
            "threats",
        }
    ),
    ActionType.REFERRAL: frozenset(
        {"mechanism", "assistance_types", "amount_eur", "justification"}
    ),
    ActionType.TRIAL_OBSERVATION: frozenset({"court", "charges", "observers", "report"}),
    ActionType.PUBLIC_STATEMENT: frozenset({"level", "draft", "publication_url"}),
    ActionType.CLOSURE: frozenset({"outcome", "reason"}),
}


class TemplateError(Exception):
    """A template that cannot be used; the message names the file and the field."""


# Schemas ------------------------------------------------------------------------------------
class _Strict(Schema):
    class Meta:
        unknown = RAISE


def _country_code(value: str) -> None:
    if value != DEFAULT_TEMPLATE_CODE and pycountry.countries.get(alpha_2=value) is None:
        raise ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")


def _embassy_code(value: str) -> None:
    """Observation partners: EU (the Delegation) or a country code (that country's embassy)."""
    if value != "EU":
        _country_code(value)


PositiveHours = fields.Integer(validate=validate.Range(min=1, max=24 * 365), allow_none=True)


class ActionSchema(_Strict):
    enabled = fields.Boolean(required=True)
    required_fields = fields.List(fields.String(), load_default=list)
    approvals_required = fields.Integer(validate=validate.Range(min=1, max=5), load_default=1)


class ReferralSchema(ActionSchema):
    mechanisms = fields.List(
        fields.Enum(Mechanism, by_value=True), load_default=lambda: list(Mechanism)
    )


class StatementSchema(ActionSchema):
    levels = fields.List(fields.Enum(StatementLevel, by_value=True), load_default=list)


class ObservationSchema(ActionSchema):
    partners = fields.List(fields.String(validate=_embassy_code), load_default=list)


class ActionsSchema(_Strict):
    intake = fields.Nested(ActionSchema, required=True)
    referral = fields.Nested(ReferralSchema, required=True)
    trial_observation = fields.Nested(ObservationSchema, required=True)
    public_statement = fields.Nested(StatementSchema, required=True)
    closure = fields.Nested(ActionSchema, required=True)


class DeadlinesSchema(_Strict):
    referral_hours_by_risk = fields.Dict(
        keys=fields.Enum(RiskLevel, by_value=True), values=PositiveHours, required=True
    )
    referral_decision_hours = fields.Integer(required=True, validate=validate.Range(min=1))
    statement_decision_hours = fields.Integer(required=True, validate=validate.Range(min=1))
    observation_report_days = fields.Integer(required=True, validate=validate.Range(min=1))


class PrioritiesSchema(_Strict):
    protect_individuals = fields.List(
        fields.String(validate=validate.Length(min=3)),
        required=True,
        validate=validate.Length(min=1),
    )
    enabling_environment = fields.List(
        fields.String(validate=validate.Length(min=3)),
        required=True,
        validate=validate.Length(min=1),
    )
    issues_raised = fields.List(
        fields.String(validate=validate.Length(min=3)),
        required=True,
        validate=validate.Length(min=1),
    )


class VersionSchema(_Strict):
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    effective_from = fields.Date(required=True)
    local_strategy = fields.String(required=True, validate=validate.Length(min=3, max=300))
    priorities = fields.Nested(PrioritiesSchema, required=True)
    actions = fields.Nested(ActionsSchema, required=True)
    deadlines = fields.Nested(DeadlinesSchema, required=True)
    max_grant_eur = fields.Integer(
        required=True, validate=validate.Range(min=0, max=EU_EMERGENCY_GRANT_CEILING_EUR)
    )
    retention_years = fields.Integer(required=True, validate=validate.Range(min=1, max=50))

    @validates_schema
    def _check_required_fields(self, data: dict[str, Any], **kwargs: Any) -> None:
        problems: dict[str, Any] = {}
        for action in ActionType:
            wanted = set(data["actions"][action.value]["required_fields"])
            unknown = sorted(wanted - REQUIRABLE_FIELDS[action])
            if unknown:
                problems.setdefault("actions", {})[action.value] = {
                    "required_fields": [
                        f"unknown field(s): {', '.join(unknown)}; allowed: "
                        f"{', '.join(sorted(REQUIRABLE_FIELDS[action]))}"
                    ]
                }
        statement = data["actions"]["public_statement"]
        if statement["enabled"] and not statement["levels"]:
            problems.setdefault("actions", {}).setdefault("public_statement", {})["levels"] = [
                "an enabled public statement action needs at least one level"
            ]
        if not data["actions"]["intake"]["enabled"]:
            problems.setdefault("actions", {}).setdefault("intake", {})["enabled"] = [
                "intake cannot be disabled: it opens every case"
            ]
        if problems:
            raise ValidationError(problems)


class TemplateFileSchema(_Strict):
    country = fields.String(required=True, validate=_country_code)
    name = fields.String(required=True, validate=validate.Length(min=2, max=100))
    versions = fields.List(
        fields.Nested(VersionSchema), required=True, validate=validate.Length(min=1)
    )

    @validates_schema
    def _check_versions(self, data: dict[str, Any], **kwargs: Any) -> None:
        versions = data["versions"]
        numbers = [v["version"] for v in versions]
        if numbers != sorted(set(numbers)):
            raise ValidationError(
                {"versions": ["versions must be listed in increasing order, each number once"]}
            )
        dates = [v["effective_from"] for v in versions]
        if dates != sorted(set(dates)):
            raise ValidationError(
                {"versions": ["effective_from dates must increase with the version number"]}
            )


# Loaded, immutable templates ----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ActionRules:
    enabled: bool
    required_fields: frozenset[str]
    approvals_required: int = 1


@dataclass(frozen=True, slots=True)
class Deadlines:
    referral_hours_by_risk: Mapping[RiskLevel, int | None]
    referral_decision_hours: int
    statement_decision_hours: int
    observation_report_days: int


@dataclass(frozen=True, slots=True)
class StrategyVersion:
    code: str  # country code, or "default"
    name: str
    version: int
    effective_from: dt.date
    local_strategy: str
    priorities: Mapping[str, tuple[str, ...]]
    actions: Mapping[ActionType, ActionRules]
    mechanisms: tuple[Mechanism, ...]
    statement_levels: tuple[StatementLevel, ...]
    observation_partners: tuple[str, ...]
    deadlines: Deadlines
    max_grant_eur: int
    retention_years: int

    def rules(self, action: ActionType) -> ActionRules:
        return self.actions[action]

    def enabled(self, action: ActionType) -> bool:
        return self.actions[action].enabled


@dataclass(frozen=True, slots=True)
class CountryStrategy:
    code: str
    name: str
    source: Path
    versions: tuple[StrategyVersion, ...]

    def in_force(self, on: dt.date) -> StrategyVersion:
        current = [v for v in self.versions if v.effective_from <= on]
        if not current:
            raise TemplateError(f"{self.source.name}: no version in force on {on.isoformat()}")
        return current[-1]

    def version(self, number: int) -> StrategyVersion:
        for candidate in self.versions:
            if candidate.version == number:
                return candidate
        raise TemplateError(f"{self.source.name}: no version {number}")


@dataclass(frozen=True, slots=True)
class StrategyCatalogue:
    strategies: Mapping[str, CountryStrategy]

    def for_country(self, country: str) -> CountryStrategy:
        """The country's own template, else the default one."""
        return self.strategies.get(country) or self.strategies[DEFAULT_TEMPLATE_CODE]

    def template(self, code: str, version: int) -> StrategyVersion:
        """The exact template a case was opened under."""
        if code not in self.strategies:
            raise TemplateError(f"no template {code}")
        return self.strategies[code].version(version)

    def __iter__(self) -> Iterator[CountryStrategy]:
        return iter(sorted(self.strategies.values(), key=lambda s: s.code))


def _first_problem(messages: Any, path: tuple[str, ...] = ()) -> tuple[str, str]:
    """The first (dotted field path, message) of a marshmallow error tree."""
    if isinstance(messages, Mapping):
        key = sorted(messages, key=str)[0]
        return _first_problem(messages[key], (*path, str(key)))
    if isinstance(messages, list) and messages:
        if all(isinstance(m, str) for m in messages):
            return ".".join(path) or "(file)", "; ".join(messages)
        return _first_problem(messages[0], path)
    return ".".join(path) or "(file)", str(messages)


def load_template_file(path: Path) -> CountryStrategy:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None)  # set by the parser's MarkedYAMLError
        raise TemplateError(f"{path.name}: not valid YAML ({problem or exc})") from None
    if not isinstance(document, dict):
        raise TemplateError(f"{path.name}: expected a mapping at the top level")
    try:
        data = TemplateFileSchema().load(document)
    except ValidationError as exc:
        field, message = _first_problem(exc.messages)
        raise TemplateError(f"{path.name}: field {field}: {message}") from None
    expected_stem = (
        data["country"] if data["country"] == DEFAULT_TEMPLATE_CODE else (data["country"].lower())
    )
    if path.stem != expected_stem:
        raise TemplateError(
            f"{path.name}: field country: {data['country']} must live in {expected_stem}.yaml"
        )
    versions = tuple(_version(data["country"], data["name"], v) for v in data["versions"])
    return CountryStrategy(data["country"], data["name"], path, versions)


def _version(code: str, name: str, raw: dict[str, Any]) -> StrategyVersion:
    actions = {
        action: ActionRules(
            enabled=raw["actions"][action.value]["enabled"],
            required_fields=frozenset(raw["actions"][action.value]["required_fields"]),
            approvals_required=raw["actions"][action.value]["approvals_required"],
        )
        for action in ActionType
    }
    deadlines = raw["deadlines"]
    return StrategyVersion(
        code=code,
        name=name,
        version=raw["version"],
        effective_from=raw["effective_from"],
        local_strategy=raw["local_strategy"],
        priorities={pillar: tuple(raw["priorities"][pillar]) for pillar in PILLARS},
        actions=actions,
        mechanisms=tuple(raw["actions"]["referral"]["mechanisms"]),
        statement_levels=tuple(raw["actions"]["public_statement"]["levels"]),
        observation_partners=tuple(raw["actions"]["trial_observation"]["partners"]),
        deadlines=Deadlines(
            referral_hours_by_risk={
                r: deadlines["referral_hours_by_risk"].get(r) for r in RiskLevel
            },
            referral_decision_hours=deadlines["referral_decision_hours"],
            statement_decision_hours=deadlines["statement_decision_hours"],
            observation_report_days=deadlines["observation_report_days"],
        ),
        max_grant_eur=raw["max_grant_eur"],
        retention_years=raw["retention_years"],
    )


def load_catalogue(directory: Path) -> StrategyCatalogue:
    """Every template in ``directory``; the first bad file stops the load, naming it."""
    if not directory.is_dir():
        raise TemplateError(f"strategy directory {directory} does not exist")
    strategies: dict[str, CountryStrategy] = {}
    for path in sorted(directory.glob("*.yaml")):
        strategy = load_template_file(path)
        strategies[strategy.code] = strategy
    if DEFAULT_TEMPLATE_CODE not in strategies:
        raise TemplateError(
            f"{directory}: default.yaml is missing (used for countries "
            "without a template of their own)"
        )
    return StrategyCatalogue(strategies)


def validate_directory(directory: Path) -> list[str]:
    """Every problem in every file (for `hrd-cases strategies validate`), not just the first."""
    problems = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            load_template_file(path)
        except TemplateError as exc:
            problems.append(str(exc))
    if not (directory / "default.yaml").exists():
        problems.append(f"{directory}: default.yaml is missing")
    return problems
