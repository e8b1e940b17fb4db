"""Browser tests: the real app served by werkzeug in a thread, driven by Debian's Chromium
through Playwright (never a downloaded browser: see DESIGN.md, "Real parts").

Pages are watched for console errors and CSP violations; a test fails on any of them.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path(os.environ.get("HRD_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these the closed network refuses Chromium's background connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# Screens go to a scratch directory so a test run leaves the checkout clean; refresh the
# committed ones with HRD_SCREENSHOTS=docs/screenshots bash scripts/test.sh tests/browser
SCREENSHOTS = Path(
    os.environ.get("HRD_SCREENSHOTS") or Path(tempfile.gettempdir()) / "hrd_cases-screenshots"
).resolve()
# Reports a CSP violation to the console, where the listener below sees it. Init scripts run
# through the DevTools protocol, so the page's own CSP does not block this one.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="session")
def playwright_browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (never `playwright install`)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a browser test must never turn into a skipped one
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1, a free port, in a thread; stopped after the test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@dataclass
class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by every watched page."""

    messages: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)  # every address any watched page visited

    def watch(self, page) -> None:
        page.on("console", lambda m: self._console(page, m))
        page.on("framenavigated", lambda frame: self.urls.append(frame.url))
        page.on("pageerror", lambda exc: self.messages.append(f"page error: {exc} on {page.url}"))

    def _console(self, page, message) -> None:
        if message.type != "error":
            return
        # Chromium logs every non-2xx document as "Failed to load resource". A form sent back
        # with its errors answers 422 on purpose; any other status is a problem.
        if message.text.startswith(EXPECTED_422):
            return
        self.messages.append(f"console {message.type}: {message.text} on {page.url}")


EXPECTED_422 = "Failed to load resource: the server responded with a status of 422"


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


def totp_code(secret: str, *, after_step: int | None = None) -> str:
    """A code for the current step (or the next one, after a code already used)."""
    import time

    step = int(time.time()) // 30
    if after_step is not None:
        step = max(step, after_step + 1)
    return pyotp.TOTP(secret).at(step * 30)
