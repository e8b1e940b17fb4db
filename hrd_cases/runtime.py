"""Accessors for the per-app objects that views and CLI commands need."""

from __future__ import annotations

from argon2 import PasswordHasher
from flask import current_app

from hrd_cases.settings import Settings
from hrd_cases.workflow.templates import StrategyCatalogue


def current_settings() -> Settings:
    return current_app.extensions["hrd_settings"]


def current_hasher() -> PasswordHasher:
    return current_app.extensions["hrd_password_hasher"]


def current_strategies() -> StrategyCatalogue:
    return current_app.extensions["hrd_strategies"]
