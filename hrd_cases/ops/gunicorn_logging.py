"""JSON-lines logs for gunicorn, in the same shape as the application's (logging_setup).

Access lines carry the method, the path without its query string, the status, size and
duration: never a query string, a cookie, a header or a body. Every value is JSON-escaped,
so a hostile path cannot forge a log line.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

from hrd_cases.logging_setup import JsonFormatter


class JsonGunicornLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))  # already a JSON line

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        status = str(getattr(resp, "status", "") or "").split(" ", 1)[0]
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": environ.get("PATH_INFO"),  # never QUERY_STRING
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
        }
        self.access_log.info(json.dumps(entry, ensure_ascii=False))
