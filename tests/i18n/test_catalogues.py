"""Acceptance 1 of issue 21: the messages extracted from the code are all translated (not
missing, not fuzzy) in every catalogue, and no template holds English outside gettext. The
checkers themselves are attacked with broken catalogues and templates, so they can fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from hrd_cases.i18n import catalogues
from hrd_cases.i18n.template_scan import (
    ALLOWED_WORDS,
    scan_source,
    scan_templates,
)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return catalogues.extract_messages()


def test_every_message_is_translated_in_every_language(template: Catalog) -> None:
    problems = catalogues.check_catalogues(template)
    assert problems == [], "\n".join(str(p) for p in problems)
    assert set(catalogues.translated_languages()) == {"fr", "es", "pt", "ar"}


def test_no_template_holds_english_outside_gettext() -> None:
    found = scan_templates()
    assert found == [], "\n".join(str(u) for u in found)


def test_the_allow_list_is_short_and_names_no_prose() -> None:
    assert len(ALLOWED_WORDS) <= 20
    assert all(" " not in word for word in ALLOWED_WORDS)


# The template scan, attacked --------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        "<p>Delete this case</p>",
        '<img src="x.png" alt="A map of the region">',
        '<a href="/" title="Back home">{{ _("Home") }}</a>',
        '<input type="submit" value="Send now">',
        '{{ field(form.x, hint="Write the date here") }}',
        "<p>{{ count }} cases</p>",
        '<nav {% if x %}aria-label="Main menu"{% endif %}></nav>',
    ],
)
def test_the_scan_finds_english_outside_gettext(source: str) -> None:
    assert scan_source(source, "attack.html"), source


@pytest.mark.parametrize(
    "source",
    [
        '<p>{{ _("Delete this case") }}</p>',
        "<p>{% trans %}Delete this case{% endtrans %}</p>",
        '<p>{{ ngettext("%(num)d case", "%(num)d cases", n) }}</p>',
        "<title>hrd_cases</title><p>EUR {{ amount }} · UTC</p>",
        '<p class="button primary" id="{{ f.id }}-hint">{{ name }}</p>',
        "<script>var later = 1;</script><code>hrd-cases i18n check</code>",
        "{# A comment for developers #}<p>{{ _('Fine') }}</p>",
    ],
)
def test_the_scan_accepts_wrapped_text_and_the_allow_list(source: str) -> None:
    assert scan_source(source, "fine.html") == [], source


def test_the_scan_reports_the_template_line() -> None:
    found = scan_source("<p>\n{% if x %}\n{{ y }}\n</p>\n<p>Stray words</p>", "lines.html")
    assert [(u.line, u.text) for u in found] == [(5, "Stray words")]


# The catalogue check, attacked ------------------------------------------------------------
@pytest.fixture
def copied_translations(tmp_path: Path) -> Path:
    target = tmp_path / "translations"
    shutil.copytree(catalogues.TRANSLATIONS_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def _edit_po(directory: Path, language: str, change) -> None:  # type: ignore[no-untyped-def]
    path = catalogues.catalogue_path(language, directory)
    catalogue = catalogues.read_catalogue(path, language)
    change(catalogue)
    catalogues._write_catalogue(catalogue, path)


def test_a_fuzzy_missing_or_english_translation_fails_the_check(
    template: Catalog, copied_translations: Path
) -> None:
    def make_fuzzy(catalogue: Catalog) -> None:
        catalogue["Save"].flags.add("fuzzy")

    def remove(catalogue: Catalog) -> None:
        catalogue.delete("Home")

    def english(catalogue: Catalog) -> None:
        catalogue["Sign out"].string = "Sign out"

    def blank_plural(catalogue: Catalog) -> None:
        message = catalogue["%(num)d unread"]
        message.string = (*message.string[:-1], "")

    _edit_po(copied_translations, "fr", make_fuzzy)
    _edit_po(copied_translations, "es", remove)
    _edit_po(copied_translations, "pt", english)
    _edit_po(copied_translations, "ar", blank_plural)
    problems = {(p.where, p.message_id, p.reason.split(":")[0]) for p in
                catalogues.check_catalogues(template, copied_translations)}
    assert problems == {
        ("fr", "Save", "fuzzy"),
        ("es", "Home", "missing"),
        ("pt", "Sign out", "left in English (if deliberate, add the comment '# same as English')"),
        ("ar", "%(num)d unread", "not translated"),
    }


def test_a_message_added_to_the_code_fails_until_extracted_and_translated(
    template: Catalog, copied_translations: Path
) -> None:
    grown = catalogues.extract_messages()
    grown.add("A message only this test has")
    problems = catalogues.check_catalogues(grown, copied_translations)
    assert {p.where for p in problems} == {"messages.pot", "fr", "es", "pt", "ar"}
    assert all(p.message_id == "A message only this test has" for p in problems)


def test_wrong_placeholders_fail_the_check(template: Catalog, copied_translations: Path) -> None:
    def drop_placeholder(catalogue: Catalog) -> None:
        message = catalogue["%(num)d unread"]
        message.string = ("%(nombre)d non lue", *message.string[1:])

    _edit_po(copied_translations, "fr", drop_placeholder)
    reasons = [p.reason for p in catalogues.check_catalogues(template, copied_translations)]
    assert any(reason.startswith("placeholders") for reason in reasons), reasons


# The workflow's output merges cleanly ------------------------------------------------------
def test_update_is_stable_sorted_and_without_locations(
    template: Catalog, copied_translations: Path
) -> None:
    before = {p: p.read_bytes() for p in copied_translations.rglob("*.po*")}
    catalogues.write_template(template, copied_translations)
    for language in catalogues.translated_languages():
        catalogues.update_catalogue(language, template, copied_translations)
    after = {p: p.read_bytes() for p in copied_translations.rglob("*.po*")}
    assert after == before, "re-running update on unchanged code changed the catalogues"
    for path, content in after.items():
        text = content.decode()
        assert "\n#: " not in text, f"{path.name} names source locations"
        assert "\n#~ " not in text, f"{path.name} keeps obsolete messages"
        order = [catalogues._key(m)[0] for m in catalogues.read_catalogue(path) if m.id]
        assert order == sorted(order), f"{path.name} is not sorted by message"



def test_compiled_catalogues_are_built_not_committed(copied_translations: Path) -> None:
    written = catalogues.compile_catalogues(copied_translations)
    assert {p.parent.parent.name for p in written} == {"fr", "es", "pt", "ar"}
    assert catalogues.compile_catalogues(copied_translations, only_stale=True) == []
    root = Path(catalogues.PACKAGE_DIR).parent
    tracked = subprocess.run(
        ["git", "ls-files", "*.mo"],  # noqa: S607 - git from PATH, as the developer runs it
        cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert tracked == ""
    ignored = subprocess.run(  # noqa: S603 - fixed arguments and a path of ours
        ["git", "check-ignore", "-q", str(catalogues.compiled_path("fr"))],  # noqa: S607
        cwd=root, check=False
    )
    assert ignored.returncode == 0, "*.mo must be git-ignored"
