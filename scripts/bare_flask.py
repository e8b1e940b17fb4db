"""The baseline of scripts/bench_pages.py: a bare Flask JSON endpoint, served by gunicorn with
the very settings the application gets (config/gunicorn.conf.py)."""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)


@app.get("/bare")
def bare() -> Response:
    return jsonify({"data": {"ok": True}, "errors": None, "meta": {}})
