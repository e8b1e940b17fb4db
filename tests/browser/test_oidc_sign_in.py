"""Single sign-on in Debian's Chromium: the "Sign in with your organisation" button, the real
oidc-provider's login and consent pages, and back to our own second step."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from hrd_cases import create_app
from hrd_cases.models import Role
from hrd_cases.settings import Settings
from tests.browser.conftest import REPORT_CSP, SCREENSHOTS, PageProblems
from tests.support.app import empty_all_tables
from tests.support.factories import make_user
from tests.support.oidc import CLIENT_ID, CLIENT_SECRET, TestProvider, free_port, signing_key


@pytest.fixture
def sso_site(settings: Settings) -> Iterator[tuple[str, Flask]]:
    port = free_port()
    base = f"http://localhost:{port}"
    provider = TestProvider(keys=[signing_key("browser-key")], app_base=base)
    provider.start()
    app = create_app(
        settings.replace(
            oidc_issuer=provider.issuer,
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
        )
    )
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base, app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        provider.stop()
        empty_all_tables(app)
        app.extensions["hrd_db"].engine.dispose()


def test_sign_in_with_your_organisation_in_chromium(
    playwright_browser, sso_site: tuple[str, Flask], problems: PageProblems
) -> None:  # type: ignore[no-untyped-def]
    base, app = sso_site
    with app.extensions["hrd_db"].session() as db:
        db.info["app"] = app
        make_user(db, Role.FOCAL_POINT, email="amina@example.org")
        db.commit()
    context = playwright_browser.new_context(base_url=base)  # type: ignore[attr-defined]
    context.add_init_script(REPORT_CSP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems.watch(page)
    page.goto("/login")
    button = page.get_by_role("link", name="Sign in with your organisation")
    assert button.is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "17-sign-in-with-your-organisation.png"), full_page=True)
    assert [m for m in problems.messages if "CSP violation" in m] == []
    with page.expect_navigation():
        button.click()
    page.locator("input[name=login]").fill("amina")
    page.locator("input[name=password]").fill("any password")
    with page.expect_navigation():
        page.locator("button[type=submit]").first.click()
    if "/interaction/" in page.url:  # the provider's consent page
        with page.expect_navigation(url=f"{base}/login/verify"):
            page.locator("button[type=submit]").first.click()
    assert page.url == f"{base}/login/verify"  # our own second factor still applies
    context.close()
