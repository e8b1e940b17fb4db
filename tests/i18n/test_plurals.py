"""Acceptance 3 of issue 21: plural forms for 0, 1, 2, 5 and 11 items (and 100, Arabic's
"other") in every language, through the compiled catalogues the app loads: Python's
ngettext, a template's ngettext, and the header's plural rule (Arabic has six forms)."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import force_locale, ngettext

from hrd_cases.i18n import catalogues

COUNTS = (0, 1, 2, 5, 11, 100)
# "%(num)d day" / "%(num)d days" as each language counts.
DAYS: dict[str, tuple[str, ...]] = {
    "en": ("0 days", "1 day", "2 days", "5 days", "11 days", "100 days"),
    "fr": ("0 jour", "1 jour", "2 jours", "5 jours", "11 jours", "100 jours"),
    "es": ("0 días", "1 día", "2 días", "5 días", "11 días", "100 días"),
    "pt": ("0 dia", "1 dia", "2 dias", "5 dias", "11 dias", "100 dias"),
    # zero, one, two, few (3-10), many (11-99), other (100-102, ...)
    "ar": ("0 يوم", "يوم واحد", "يومان", "5 أيام", "11 يومًا", "100 يوم"),
}
# The e-mail digest's subject, a sentence around the count.
DIGESTS: dict[str, tuple[str, ...]] = {
    "en": tuple(f"Your daily summary: {n} item{'' if n == 1 else 's'}" for n in COUNTS),
    "fr": (
        "Votre résumé quotidien\u00a0: 0 élément",
        "Votre résumé quotidien\u00a0: 1 élément",
        "Votre résumé quotidien\u00a0: 2 éléments",
        "Votre résumé quotidien\u00a0: 5 éléments",
        "Votre résumé quotidien\u00a0: 11 éléments",
        "Votre résumé quotidien\u00a0: 100 éléments",
    ),
    "ar": (
        "ملخصك اليومي: لا عناصر",
        "ملخصك اليومي: عنصر واحد",
        "ملخصك اليومي: عنصران",
        "ملخصك اليومي: 5 عناصر",
        "ملخصك اليومي: 11 عنصرًا",
        "ملخصك اليومي: 100 عنصر",
    ),
}


@pytest.mark.parametrize("language", sorted(DAYS))
def test_plural_forms_in_python_and_templates(app: Flask, language: str) -> None:
    with app.test_request_context("/"), force_locale(language):
        said = tuple(ngettext("%(num)d day", "%(num)d days", n) for n in COUNTS)
        assert said == DAYS[language]
        rendered = tuple(
            render_template_string('{{ ngettext("%(num)d day", "%(num)d days", n) }}', n=n)
            for n in COUNTS
        )
        assert rendered == DAYS[language]


@pytest.mark.parametrize("language", sorted(DIGESTS))
def test_plural_sentences(app: Flask, language: str) -> None:
    from hrd_cases.notify.texts import digest_subject

    with app.test_request_context("/"), force_locale(language):
        assert tuple(digest_subject(n) for n in COUNTS) == DIGESTS[language]


def test_arabic_has_six_forms_and_every_form_is_distinct() -> None:
    catalogue = catalogues.read_catalogue(catalogues.catalogue_path("ar"), "ar")
    assert catalogue.num_plurals == 6
    assert len(set(DAYS["ar"])) == 6
    plural_messages = [m for m in catalogue if m.id and m.pluralizable]
    assert plural_messages, "no plural message in the Arabic catalogue"
    for message in plural_messages:
        assert len(message.string) == 6 and all(form.strip() for form in message.string)


@pytest.mark.parametrize("language", ["fr", "es", "pt"])
def test_other_languages_have_their_cldr_forms(language: str) -> None:
    catalogue = catalogues.read_catalogue(catalogues.catalogue_path(language), language)
    # CLDR: one, many (1,000,000 and up) and other.
    assert catalogue.num_plurals == 3
