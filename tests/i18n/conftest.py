from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from hrd_cases.db import database_of
from hrd_cases.notify.transport import SmtpTransport
from hrd_cases.notify.worker import OutboxWorker
from hrd_cases.settings import Settings
from tests.support.api import world
from tests.support.smtp import SmtpServer

__all__ = ["world"]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, smtp: SmtpServer) -> Settings:
    return settings.replace(
        **smtp.settings_overrides(),
        notify_backoff_base_seconds=0.5,
        notify_backoff_cap_seconds=4.0,
        notify_max_attempts=50,
    )


@pytest.fixture
def worker(app: Flask, mail_settings: Settings) -> OutboxWorker:
    return OutboxWorker(
        database_of(app),
        mail_settings,
        SmtpTransport(mail_settings),
        app.extensions["hrd_strategies"],
    )
