"""Accessors for the per-app objects that views and CLI commands need."""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from flask import current_app

from hrd_cases.settings import Settings
from hrd_cases.workflow.templates import StrategyCatalogue

if TYPE_CHECKING:
    from hrd_cases.records.attachments import AttachmentConfig


def current_settings() -> Settings:
    return current_app.extensions["hrd_settings"]


def current_hasher() -> PasswordHasher:
    return current_app.extensions["hrd_password_hasher"]


def current_strategies() -> StrategyCatalogue:
    return current_app.extensions["hrd_strategies"]


def current_attachment_config() -> AttachmentConfig:
    from hrd_cases.records.attachments import AttachmentConfig, Limits

    settings = current_settings()
    return AttachmentConfig(
        storage=settings.attachment_storage,
        directory=settings.attachment_path,
        limits=Limits(settings.attachment_max_file_bytes, settings.attachment_max_case_bytes),
    )
