"""Acceptance 2 and 4 of issue 21 in Chromium: a user of each language signs in (the browser
asking for that language too) and the home page, the case page, the intake form sent back
with its validation errors and the export page hold no English word outside the allow-list.
Arabic pages are right to left, and axe-core finds no violation on them. Screenshots of the
case page in French and Arabic, at desktop and phone width, go to docs/screenshots.

"English word" means a word of the English catalogue (every msgid) that the language's own
catalogue does not use: data typed by people (names, references, the template's name) and
the allow-list of codes are taken out first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from hrd_cases.i18n import catalogues
from hrd_cases.i18n.template_scan import ALLOWED_WORDS
from hrd_cases.models import Case, Role, User
from hrd_cases.records import RecordVault
from tests.browser.conftest import AXE, REPORT_CSP, SCREENSHOTS, PageProblems, totp_code
from tests.support.factories import (
    DEFAULT_PASSWORD,
    make_case,
    make_delegation,
    make_user,
    strategy_catalogue,
    totp_secret_of,
)

LANGUAGES = ("fr", "es", "pt", "ar")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _words(text: str) -> set[str]:
    return {w.lower().strip("'’-") for w in WORD.findall(text)}


def english_words(language: str) -> set[str]:
    """Words of the English messages that a page in ``language`` must not show."""
    template = catalogues.extract_messages()
    english: set[str] = set()
    for message in template:
        if message.id:
            ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
            for text in ids:
                english |= _words(re.sub(r"%\(\w+\)\w", " ", str(text)))
    own = catalogues.read_catalogue(catalogues.catalogue_path(language), language)
    used: set[str] = set()
    for message in own:
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for form in forms:
            used |= _words(str(form or ""))
    allowed = {w.lower() for w in ALLOWED_WORDS}
    return english - used - allowed


@dataclass
class World:
    base: str
    browser: object
    vault: RecordVault
    problems: PageProblems
    case: Case
    data_words: set[str]

    def sign_in(self, user: User, language: str, viewport: dict[str, int] = DESKTOP):
        context = self.browser.new_context(
            base_url=self.base, locale=language, viewport=viewport, java_script_enabled=False
        )
        context.add_init_script(REPORT_CSP)
        context.set_default_timeout(15_000)
        page = context.new_page()
        self.problems.watch(page)
        page.goto("/login")
        assert page.locator("html").get_attribute("lang") == language  # Accept-Language
        page.locator("#email").fill(user.email)
        page.locator("#password").fill(DEFAULT_PASSWORD)
        follow(page.locator("main button[type=submit]"))
        page.locator("#code").fill(totp_code(totp_secret_of(self.vault, user)))
        follow(page.locator("main button[type=submit]"))
        assert page.url == f"{self.base}/"
        return page

    def english_on(self, page, language: str) -> set[str]:
        shown = _words(page.locator("body").inner_text())
        attributes = page.evaluate(
            """() => Array.from(document.querySelectorAll('[aria-label],[title],[placeholder]'))
                 .map(e => [e.getAttribute('aria-label'), e.getAttribute('title'),
                            e.getAttribute('placeholder')].filter(Boolean).join(' ')).join(' ')"""
        )
        shown |= _words(attributes)
        return (shown & english_words(language)) - self.data_words

    def axe(self, page) -> list[dict]:
        checker = self.browser.new_context(
            base_url=self.base, bypass_csp=True, storage_state=page.context.storage_state(),
            locale="ar",
        )
        try:
            audit = checker.new_page()
            audit.goto(page.url.split("#")[0])
            audit.add_script_tag(path=str(AXE))
            return audit.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            )
        finally:
            checker.close()


def follow(locator) -> None:
    with locator.page.expect_navigation():
        locator.click()


@pytest.fixture
def world(
    app: Flask,
    db: Session,
    vault: RecordVault,
    live_server: str,
    playwright_browser: object,
    problems: PageProblems,
) -> World:
    kenya = make_delegation(db, code="EU-KE", name="EU Delegation to Kenya", country="KE")
    author = make_user(db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal")
    case = make_case(db, vault, delegation=kenya, actor=author)
    template = strategy_catalogue().for_country("KE")
    data = " ".join(
        [
            "Fiona Focal", "EU Delegation to Kenya", case.reference, template.name,
            "Nairobi EAT Africa", "example org KE EU HRD",
            # The factory's defender and narrative (tests.support.factories).
            "Test Defender", "Test City", "Narrative.",
        ]
    )
    return World(live_server, playwright_browser, vault, problems, case, _words(data))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_screen_speaks_the_language(
    db: Session, world: World, language: str
) -> None:
    kenya = world.case.delegation
    focal = make_user(
        db, Role.FOCAL_POINT, delegation=kenya, display_name="Fiona Focal",
        preferred_language=language,
    )
    analyst = make_user(db, Role.ANALYST, display_name="Fiona Focal", preferred_language=language)
    page = world.sign_in(focal, language)
    found: dict[str, set[str]] = {}
    direction = "rtl" if language == "ar" else "ltr"

    found["home"] = world.english_on(page, language)
    assert page.locator("html").get_attribute("dir") == direction
    page.goto(f"/cases/{world.case.reference}")
    found["case page"] = world.english_on(page, language)
    assert page.locator("html").get_attribute("dir") == direction
    if language in ("fr", "ar"):
        _screenshots(world, page, language)
    page.goto("/cases/new")
    follow(page.locator("main form.card button[type=submit]"))  # empty: sent back with errors
    assert page.locator(".field-error").count() >= 1
    found["intake with errors"] = world.english_on(page, language)
    intake_axe = world.axe(page) if language == "ar" else []

    export = world.sign_in(analyst, language)
    export.goto("/exports")
    found["export page"] = world.english_on(export, language)
    assert {screen: words for screen, words in found.items() if words} == {}
    if language == "ar":
        page.goto(f"/cases/{world.case.reference}")
        violations = {
            "case page": world.axe(page),
            "export page": world.axe(export),
            "intake with errors": intake_axe,
        }
        assert {k: [v["id"] for v in vs] for k, vs in violations.items() if vs} == {}
    assert world.problems.messages == []


def _screenshots(world: World, page, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"25-case-page-{language}-desktop.png"), full_page=True
    )
    # The same session in a phone-sized window (a second sign-in would reuse the TOTP code).
    context = world.browser.new_context(
        base_url=world.base, locale=language, viewport=PHONE, java_script_enabled=False,
        storage_state=page.context.storage_state(),
    )
    phone = context.new_page()
    world.problems.watch(phone)
    phone.goto(f"/cases/{world.case.reference}")
    phone.screenshot(path=str(SCREENSHOTS / f"26-case-page-{language}-phone.png"), full_page=True)
    phone.context.close()
