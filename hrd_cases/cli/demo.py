"""``hrd-cases demo``: demo delegations, accounts and cases for a local trial."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from hrd_cases.cli.keys import crypto_errors
from hrd_cases.current import current_settings


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo delegations, accounts and cases (safe to run twice) and print the logins."""
    from hrd_cases.cli.ops import progress_bar
    from hrd_cases.current import (
        current_database,
        current_hasher,
        current_strategies,
        current_vault,
    )
    from hrd_cases.demo import demo_steps, load_demo

    settings = current_settings()
    if settings.is_production:
        raise click.ClickException("refusing to load demo data with HRD_ENV=production")
    with crypto_errors(), current_database().session() as session, progress_bar() as bar:
        bar.start(demo_steps(), "loading demo accounts and cases")
        result = load_demo(
            session, current_hasher(), current_vault(), current_strategies(), bar.update
        )
    click.echo(
        f"demo data: {result.delegations_created} delegations, {result.accounts_created} "
        f"accounts and {result.cases_created} cases created (existing ones kept)"
    )
    click.echo("\nDemo logins (local demo only). Sign in with the password, then the six-digit")
    click.echo("code from an authenticator app set up with the TOTP secret (type it, or open")
    click.echo("the otpauth URI), or print the current code with:")
    click.echo("  .venv/bin/hrd-cases demo-code EMAIL")
    for login in result.logins:
        account = login.account
        click.echo(f"\n  {account.role.value.replace('_', ' ')}: {account.email}")
        click.echo(f"    password:    {account.password}")
        click.echo(f"    TOTP secret: {login.totp_secret}")
        click.echo(f"    otpauth URI: {login.otpauth_uri}")
