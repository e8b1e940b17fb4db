"""Structured (JSON lines) application logs. Log calls pass identifiers, never personal data."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_CONFIGURED_MARK = "_hrd_cases_handler"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """Install one JSON handler on the package logger (idempotent across app instances)."""
    logger = logging.getLogger("hrd_cases")
    logger.setLevel(level)
    if not any(getattr(h, _CONFIGURED_MARK, False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        setattr(handler, _CONFIGURED_MARK, True)
        logger.addHandler(handler)
        logger.propagate = True  # pytest's caplog still sees records
    quiet_content_parsers()


# Libraries that parse uploaded files log what they read at DEBUG (Pillow logs every EXIF
# tag with its value: a camera serial, a GPS position, an author). Never below WARNING.
CONTENT_PARSER_LOGGERS = ("PIL", "pikepdf", "filetype")


def quiet_content_parsers() -> None:
    for name in CONTENT_PARSER_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
