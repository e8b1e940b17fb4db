"""Country strategy templates: shipped files valid and different, bad files refused by name."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskCliRunner

from hrd_cases import create_app
from hrd_cases.domain.errors import InvalidTransition
from hrd_cases.domain.vocabulary import ActionType, RiskLevel, StatementLevel, ThreatType
from hrd_cases.settings import CONFIG_DIR, Settings
from hrd_cases.workflow.templates import TemplateError, load_catalogue, validate_directory

SHIPPED = CONFIG_DIR / "strategies"


def test_shipped_templates_are_valid_and_cover_the_required_countries() -> None:
    catalogue = load_catalogue(SHIPPED)
    codes = {s.code for s in catalogue}
    assert {"AF", "NP", "TR", "CN", "IN", "default"} <= codes
    assert codes & {"KE", "NG", "ZW", "UG", "ET"}, "one African country"
    assert codes & {"CO", "GT", "HN", "MX", "NI", "VE"}, "one Latin American country"
    assert len(codes) >= 8


def test_shipped_templates_differ_where_real_strategies_differ() -> None:
    today = dt.date(2026, 11, 23)
    versions = [s.in_force(today) for s in load_catalogue(SHIPPED)]

    def distinct(attribute) -> int:
        return len({repr(attribute(v)) for v in versions})

    assert distinct(lambda v: v.deadlines.referral_hours_by_risk[RiskLevel.CRITICAL]) >= 3
    assert distinct(lambda v: v.rules(ActionType.REFERRAL).approvals_required) >= 2
    assert distinct(lambda v: v.rules(ActionType.PUBLIC_STATEMENT).approvals_required) >= 2
    assert distinct(lambda v: v.statement_levels) >= 3
    assert distinct(lambda v: v.observation_partners) >= 4
    assert distinct(lambda v: v.priorities) == len(versions)
    assert distinct(lambda v: v.max_grant_eur) >= 3
    assert distinct(lambda v: v.enabled(ActionType.TRIAL_OBSERVATION)) == 2


def test_template_in_force_depends_on_the_date() -> None:
    kenya = load_catalogue(SHIPPED).for_country("KE")
    assert kenya.in_force(dt.date(2024, 6, 1)).version == 1
    assert kenya.in_force(dt.date(2025, 3, 1)).version == 2
    assert load_catalogue(SHIPPED).for_country("FR").code == "default"


def _copy_with(tmp_path: Path, change) -> Path:
    directory = tmp_path / "strategies"
    shutil.copytree(SHIPPED, directory)
    document = yaml.safe_load((directory / "np.yaml").read_text())
    change(document)
    (directory / "np.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    return directory


def _first_version(document):
    return document["versions"][0]


BAD_TEMPLATES = [
    (
        "wrong type",
        lambda d: _first_version(d).update(max_grant_eur="a lot"),
        "versions.0.max_grant_eur",
    ),
    ("unknown field", lambda d: _first_version(d).update(colour="blue"), "versions.0.colour"),
    ("unknown country", lambda d: d.update(country="XQ"), "country"),
    (
        "negative deadline",
        lambda d: _first_version(d)["deadlines"].update(referral_decision_hours=-4),
        "versions.0.deadlines.referral_decision_hours",
    ),
    (
        "grant above the EU ceiling",
        lambda d: _first_version(d).update(max_grant_eur=20000),
        "versions.0.max_grant_eur",
    ),
    (
        "unknown required field",
        lambda d: _first_version(d)["actions"]["referral"].update(required_fields=["colour"]),
        "versions.0.actions.referral.required_fields",
    ),
    (
        "unknown statement level",
        lambda d: _first_version(d)["actions"]["public_statement"].update(levels=["tweet"]),
        "versions.0.actions.public_statement.levels",
    ),
]


@pytest.mark.parametrize(
    ("label", "change", "field"), BAD_TEMPLATES, ids=[b[0] for b in BAD_TEMPLATES]
)
def test_malformed_template_is_refused_naming_file_and_field(
    tmp_path: Path,
    label: str,
    change,
    field: str,
) -> None:
    directory = _copy_with(tmp_path, change)
    with pytest.raises(TemplateError) as raised:
        load_catalogue(directory)
    message = str(raised.value)
    assert message.startswith("np.yaml: field ")
    assert field in message, message
    problems = validate_directory(directory)
    assert len(problems) == 1 and problems[0] == message


def test_app_refuses_to_start_on_a_bad_template(settings: Settings, tmp_path: Path) -> None:
    directory = _copy_with(tmp_path, lambda d: d.update(country="XQ"))
    config = tmp_path / "config"
    config.mkdir()
    shutil.copy(CONFIG_DIR / "settings.toml", config / "settings.toml")
    shutil.move(directory, config / "strategies")
    with pytest.raises(TemplateError, match=r"np\.yaml: field country"):
        create_app(settings.replace(config_dir=config))


def test_strategies_validate_command(runner: FlaskCliRunner, tmp_path: Path) -> None:
    good = runner.invoke(args=["strategies", "validate"])
    assert good.exit_code == 0, good.output
    directory = _copy_with(
        tmp_path, lambda d: _first_version(d)["deadlines"].update(observation_report_days=-1)
    )
    bad = runner.invoke(args=["strategies", "validate", "--directory", str(directory)])
    assert bad.exit_code != 0
    assert "np.yaml: field versions.0.deadlines.observation_report_days" in bad.output


def test_strategies_show_command(runner: FlaskCliRunner) -> None:
    shown = runner.invoke(args=["strategies", "show", "TR"])
    assert shown.exit_code == 0, shown.output
    assert "Türkiye (TR) version 1" in shown.output and "BE" in shown.output
    fallback = runner.invoke(args=["strategies", "show", "FR"])
    assert "no template of its own for FR" in fallback.output


def test_statement_levels_are_country_specific() -> None:
    catalogue = load_catalogue(SHIPPED)
    today = dt.date(2026, 1, 1)
    assert catalogue.for_country("IN").in_force(today).statement_levels == (
        StatementLevel.PRIVATE_DEMARCHE,
    )
    assert (
        StatementLevel.LOCAL_EU_STATEMENT
        in catalogue.for_country("TR").in_force(today).statement_levels
    )


def test_intake_refuses_a_missing_required_field(db, vault) -> None:
    from tests.support.factories import make_case, make_delegation

    colombia = make_delegation(db, country="CO")
    with pytest.raises(InvalidTransition) as raised:
        make_case(db, vault, delegation=colombia, defender={"location": None})
    assert raised.value.rule == "intake.required_fields"
    assert "requires location for intake" in str(raised.value)
    assert "Colombia template (version 1)" in str(raised.value)


def test_case_remembers_the_template_version_it_was_opened_under(db, vault) -> None:
    from tests.support.factories import make_case, make_delegation

    case = make_case(db, vault, delegation=make_delegation(db, country="KE"))
    assert (case.template_code, case.template_version) == ("KE", 2)
    other = make_case(db, vault, delegation=make_delegation(db, country="FR"))
    assert (other.template_code, other.template_version) == ("default", 1)


def test_intake_counts_a_left_out_field_as_empty(db, vault) -> None:
    """A required field missing from the input (not just empty) is refused too."""
    from hrd_cases.workflow.service import IntakeInput, open_case
    from tests.support.factories import make_delegation, strategy_catalogue

    kenya = make_delegation(db, country="KE")
    intake = IntakeInput(
        delegation_id=kenya.id,
        country="KE",
        risk_level=RiskLevel.HIGH,
        defender={"name": "No Location"},
        narrative="n",
        threats=[ThreatType.SURVEILLANCE],
    )
    with pytest.raises(InvalidTransition, match="requires location"):
        open_case(db, vault, strategy_catalogue(), None, intake)


def test_intake_refuses_a_country_other_than_the_delegations(db, vault) -> None:
    from hrd_cases.workflow.service import IntakeInput, open_case
    from tests.support.factories import DEFENDER_FIELDS, make_delegation, strategy_catalogue

    kenya = make_delegation(db, country="KE")
    for country in ("AF", "ke"):
        intake = IntakeInput(
            delegation_id=kenya.id,
            country=country,
            risk_level=RiskLevel.HIGH,
            defender=dict(DEFENDER_FIELDS),
            narrative="n",
            threats=[ThreatType.SURVEILLANCE],
        )
        with pytest.raises(InvalidTransition) as raised:
            open_case(db, vault, strategy_catalogue(), None, intake)
        assert raised.value.rule == "intake.country"
