"""hrd_cases: case and protection-mechanism workflow for human rights defenders at risk.

``create_app`` builds an application from settings; importing the package does nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from hrd_cases.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask application. Without ``settings``, they are read from config/ and env."""
    from hrd_cases.app import build_app

    return build_app(settings)
