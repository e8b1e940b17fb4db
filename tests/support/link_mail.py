"""An app whose links go by e-mail (a real SMTP server on loopback), and a worker to deliver
them: the tests read each link from the message the server received, as its holder would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from hrd_cases import create_app
from hrd_cases.db import database_of
from hrd_cases.notify.transport import SmtpTransport
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.settings import Settings
from tests.support.app import empty_all_tables
from tests.support.smtp import Received, SmtpServer

LINK_IN_MAIL = re.compile(r"https://hrd\.example\.org/account/link/(hrdlnk_[A-Za-z0-9_-]+)")


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(settings: Settings, smtp: SmtpServer) -> Iterator[Flask]:
    app = create_app(settings.replace(**smtp.settings_overrides()))
    yield app
    empty_all_tables(app)
    app.extensions["hrd_db"].engine.dispose()


def deliver(app: Flask) -> None:
    """One pass of the real worker (expand, claim, send) with the app's vault."""
    settings = app.extensions["hrd_settings"]
    OutboxWorker(
        database_of(app),
        settings,
        SmtpTransport(settings),
        app.extensions["hrd_strategies"],
        vault=app.extensions["hrd_vault"],
    ).run_once()


def mails_to(smtp: SmtpServer, address: str) -> list[Received]:
    with smtp.recorder.lock:
        return [m for m in smtp.recorder.messages if address in m.recipients]


def token_in(mail: Received) -> str:
    """The one link of the message, read from its decoded plain-text and HTML parts."""
    found = set()
    for kind in ("plain", "html"):
        body = mail.message.get_body(preferencelist=(kind,))
        assert body is not None, kind
        found |= set(LINK_IN_MAIL.findall(body.get_content()))  # type: ignore[attr-defined]
    assert len(found) == 1, found
    return found.pop()
