"""``hrd-cases strategies``: country HRD strategy templates."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from hrd_cases.current import current_settings
from hrd_cases.workflow.templates import TemplateError


@click.group("strategies")
def strategies_group() -> None:
    """Country HRD strategy templates (config/strategies/*.yaml)."""


@strategies_group.command("validate")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Check another directory (default: the configured one).",
)
@with_appcontext
def strategies_validate(directory: Path | None) -> None:
    """Check every template file; list every problem, naming file and field."""
    from hrd_cases.workflow.templates import validate_directory

    directory = directory or current_settings().strategies_dir
    problems = validate_directory(directory)
    for problem in problems:
        click.echo(f"invalid: {problem}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} template problem(s) in {directory}")
    click.echo(f"all templates in {directory} are valid")


@strategies_group.command("show")
@click.argument("country")
@click.option("--version", "number", type=int, help="A past version (default: in force today).")
@with_appcontext
def strategies_show(country: str, number: int | None) -> None:
    """Show the template for a country (its own, or the default)."""
    from datetime import date

    from hrd_cases.current import current_strategies

    code = country.upper() if len(country) == 2 else country
    strategy = current_strategies().for_country(code)
    try:
        template = strategy.version(number) if number else strategy.in_force(date.today())
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from None
    if strategy.code != code:
        click.echo(f"no template of its own for {code}: showing the default")
    click.echo(
        f"{template.name} ({template.code}) version {template.version}, "
        f"in force from {template.effective_from} (versions: "
        f"{', '.join(str(v.version) for v in strategy.versions)})"
    )
    click.echo(f"local strategy: {template.local_strategy}")
    for pillar, items in template.priorities.items():
        click.echo(f"  {pillar.replace('_', ' ')}: " + "; ".join(items))
    for action, rules in template.actions.items():
        state = "enabled" if rules.enabled else "disabled"
        extra = (
            f", {rules.approvals_required} approval(s)"
            if action.value in ("referral", "public_statement")
            else ""
        )
        required = ", ".join(sorted(rules.required_fields)) or "-"
        click.echo(f"  {action.value}: {state}{extra}; requires: {required}")
    levels = ", ".join(level.value for level in template.statement_levels) or "-"
    click.echo(f"  statement levels: {levels}")
    click.echo(f"  trial observation partners: {', '.join(template.observation_partners) or '-'}")
    d = template.deadlines
    risk = ", ".join(f"{r.value} {h}h" for r, h in d.referral_hours_by_risk.items() if h)
    click.echo(
        f"  deadlines: referral by risk ({risk}); decision {d.referral_decision_hours}h; "
        f"statement decision {d.statement_decision_hours}h; observation report "
        f"{d.observation_report_days} days"
    )
    click.echo(
        f"  maximum grant: EUR {template.max_grant_eur:,}; retention: "
        f"{template.retention_years} years after closure"
    )
