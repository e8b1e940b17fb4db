"""``hrd-cases i18n``: the message catalogues (docs/translating.md walks through them)."""

from __future__ import annotations

import sys

import click

from hrd_cases.i18n import catalogues
from hrd_cases.i18n.template_scan import scan_templates


@click.group("i18n")
def i18n_group() -> None:
    """Message catalogues: extract, update, init, compile, check."""


@i18n_group.command("extract")
def extract_command() -> None:
    """Write translations/messages.pot from the code and the templates."""
    path = catalogues.write_template(catalogues.extract_messages())
    click.echo(f"wrote {path}")


@i18n_group.command("update")
def update_command() -> None:
    """Extract, then bring every language's catalogue in line with the template."""
    template = catalogues.extract_messages()
    click.echo(f"wrote {catalogues.write_template(template)} ({len(template)} messages)")
    for language in catalogues.translated_languages():
        path = catalogues.catalogue_path(language)
        if path.exists():
            click.echo(f"updated {catalogues.update_catalogue(language, template)}")
        else:
            click.echo(f"no catalogue for {language} yet: hrd-cases i18n init {language}")


@i18n_group.command("init")
@click.argument("language")
def init_command(language: str) -> None:
    """Start the catalogue of a new language (add it to domain/languages.py first)."""
    if language not in catalogues.translated_languages():
        raise click.UsageError(
            f"{language!r} is not an interface language: add it to hrd_cases/domain/"
            "languages.py first (see docs/translating.md)"
        )
    template = catalogues.extract_messages()
    try:
        click.echo(f"created {catalogues.init_catalogue(language, template)}")
    except FileExistsError as error:
        raise click.ClickException(str(error)) from None


@i18n_group.command("compile")
def compile_command() -> None:
    """Compile each catalogue to its .mo (done at install and start-up; never committed)."""
    for path in catalogues.compile_catalogues():
        click.echo(f"compiled {path}")


@i18n_group.command("check")
def check_command() -> None:
    """Fail (exit 1) if a message is missing, fuzzy or untranslated in any catalogue, or if
    a template holds English outside gettext."""
    problems = [str(p) for p in catalogues.check_catalogues(catalogues.extract_messages())]
    problems += [f"untranslated template text: {u}" for u in scan_templates()]
    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"{len(problems)} problems", err=True)
        sys.exit(1)
    click.echo("every message is translated in every language")
