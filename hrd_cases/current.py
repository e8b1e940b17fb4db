"""The app-bound accessors: the one place that reaches into ``current_app`` and ``g``.

Views, API operations and CLI commands call these; services take what they need as arguments,
so they run the same way with or without a request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from flask import current_app, g
from flask_login import current_user
from sqlalchemy.orm import Session

from hrd_cases.settings import Settings

if TYPE_CHECKING:
    from hrd_cases.db import Database
    from hrd_cases.models import User
    from hrd_cases.records.attachments import AttachmentConfig
    from hrd_cases.records.vault import RecordVault
    from hrd_cases.workflow.templates import StrategyCatalogue


def current_settings() -> Settings:
    settings: Settings = current_app.extensions["hrd_settings"]
    return settings


def current_hasher() -> PasswordHasher:
    hasher: PasswordHasher = current_app.extensions["hrd_password_hasher"]
    return hasher


def current_strategies() -> StrategyCatalogue:
    catalogue: StrategyCatalogue = current_app.extensions["hrd_strategies"]
    return catalogue


def current_vault() -> RecordVault:
    vault: RecordVault = current_app.extensions["hrd_vault"]
    return vault


def current_database() -> Database:
    database: Database = current_app.extensions["hrd_db"]
    return database


def current_session() -> Session:
    """The session of the current request or app context, created on first use (closed by
    the teardown ``hrd_cases.db.init_database`` registers)."""
    if "db_session" not in g:
        g.db_session = current_database().session_factory()
    session: Session = g.db_session
    return session


def current_actor() -> User:
    """Who is acting: the bearer token's user on the API, the signed-in user on the pages.
    The login gate has already refused anyone else."""
    api_user: User | None = g.get("api_user")
    if api_user is not None:
        return api_user
    if not current_user.is_authenticated:
        raise RuntimeError("current_actor() outside a signed-in request")
    user: User = current_user._get_current_object()
    return user


def current_attachment_config() -> AttachmentConfig:
    """Where new evidence files go and the limits, from the settings."""
    from hrd_cases.records.attachments import AttachmentConfig, Limits

    settings = current_settings()
    return AttachmentConfig(
        storage=settings.attachment_storage,
        directory=settings.attachment_path,
        limits=Limits(settings.attachment_max_file_bytes, settings.attachment_max_case_bytes),
    )
