"""Running the worker: delivery loop plus scheduler ticks, stopping cleanly on SIGTERM."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from flask import Flask

from hrd_cases.db import database_of, utcnow
from hrd_cases.notify.scheduler import tick
from hrd_cases.notify.transport import transport_for
from hrd_cases.notify.worker import OutboxWorker

log = logging.getLogger(__name__)


def make_worker(app: Flask) -> OutboxWorker:
    settings = app.extensions["hrd_settings"]
    return OutboxWorker(
        database_of(app),
        settings,
        transport_for(settings),
        app.extensions["hrd_strategies"],
        vault=app.extensions["hrd_vault"],
    )


def scheduler_tick(app: Flask) -> Callable[[], None]:
    settings = app.extensions["hrd_settings"]
    catalogue = app.extensions["hrd_strategies"]
    database = database_of(app)
    return lambda: tick(database, catalogue, utcnow(), settings.digest_hour)


def run_worker(app: Flask, stop: threading.Event, *, scheduler: bool = True) -> None:
    worker = make_worker(app)
    log.info("worker %s delivers to %s", worker.worker_id, worker.transport.description)
    with app.app_context():
        worker.run(stop, tick=scheduler_tick(app) if scheduler else None)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT end the loop after the message in hand (main thread only)."""

    def handler(signum: int, frame: object) -> None:
        log.info("worker stopping on signal %s", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def start_in_thread(app: Flask) -> tuple[threading.Thread, threading.Event]:
    """The demo's worker: a daemon thread beside the development server."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, args=(app, stop), name="hrd-cases-worker", daemon=True
    )
    thread.start()
    return thread, stop
