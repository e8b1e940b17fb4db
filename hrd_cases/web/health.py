"""Liveness and database reachability for load balancers; public, says nothing else."""

from __future__ import annotations

from flask import Blueprint, jsonify

from hrd_cases.current import current_database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    reachable = current_database().is_reachable()
    body = {
        "status": "ok" if reachable else "unavailable",
        "database": "reachable" if reachable else "unreachable",
    }
    return jsonify(body), 200 if reachable else 503
