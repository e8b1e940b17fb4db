"""The application factory, split into small ``register_*`` steps."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from hrd_cases.settings import Settings


def build_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.load()
    app = Flask(
        "hrd_cases",
        instance_path=str(settings.instance_path),
        template_folder="web/templates",
        static_folder="web/static",
    )
    configure(app, settings)
    register_logging(app, settings)
    register_database(app, settings)
    register_records(app, settings)
    register_strategies(app, settings)
    register_extensions(app, settings)
    register_i18n(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_cli(app)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
    if settings.is_production:
        refuse_demo_instance(app)
    return app


def refuse_demo_instance(app: Flask) -> None:
    """A demo database has public passwords and TOTP secrets: never serve it in production."""
    from sqlalchemy.exc import SQLAlchemyError

    from hrd_cases.db import database_of
    from hrd_cases.demo import is_demo_instance
    from hrd_cases.settings import SettingsError

    try:
        with database_of(app).session() as session:
            demo = is_demo_instance(session)
    except SQLAlchemyError:
        return  # not reachable or not initialised yet: /healthz reports it
    if demo:
        raise SettingsError(
            "refusing to start in production: this database holds demo data "
            "(public passwords); use a fresh database"
        )


def configure(app: Flask, settings: Settings) -> None:
    app.extensions["hrd_settings"] = settings
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.env == "test",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_SECURE=settings.is_production,
        # The __Host- prefix pins the cookie to this host over HTTPS, with Path=/.
        SESSION_COOKIE_NAME="__Host-session" if settings.is_production else "hrd_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_absolute_hours),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        JSON_SORT_KEYS=False,
        # A request naming another host gets 400 before any view runs (none when empty).
        TRUSTED_HOSTS=list(settings.trusted_hosts) or None,
    )


def register_logging(app: Flask, settings: Settings) -> None:
    from hrd_cases.logging_setup import configure_logging

    configure_logging(settings.log_level)


def register_database(app: Flask, settings: Settings) -> None:
    from hrd_cases.db import init_database

    init_database(app, settings.database_url)


def register_records(app: Flask, settings: Settings) -> None:
    """The vault loads the keyring on first use: pages and exports that never decrypt work
    without one."""
    from hrd_cases.records import RecordVault

    app.extensions["hrd_vault"] = RecordVault(
        settings.key_provider(), index_bits=settings.blind_index_bits
    )


def register_strategies(app: Flask, settings: Settings) -> None:
    """Country templates are validated at start: the app never runs on a half-loaded one."""
    from hrd_cases.workflow.templates import load_catalogue

    app.extensions["hrd_strategies"] = load_catalogue(settings.strategies_dir)


def register_extensions(app: Flask, settings: Settings) -> None:
    from flask_babel import lazy_gettext

    from hrd_cases.auth.gate import register_login_gate
    from hrd_cases.auth.passwords import make_hasher
    from hrd_cases.auth.service import load_session_user
    from hrd_cases.auth.session_cookie import EncryptedCookieSessionInterface
    from hrd_cases.current import current_session
    from hrd_cases.extensions import csrf, limiter, login_manager
    from hrd_cases.web.headers import register_security_headers

    app.extensions["hrd_password_hasher"] = make_hasher(settings)
    # The cookie's contents (a half-signed-in account, the session token) are encrypted.
    app.session_interface = EncryptedCookieSessionInterface()
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    # Sessions are server-side rows with idle and absolute timeouts; an address change (a
    # phone moving between networks) must not sign people out.
    login_manager.session_protection = None
    login_manager.user_loader(lambda token: load_session_user(current_session(), settings, token))
    # The gate runs before CSRF so that an anonymous request always meets the sign-in page.
    register_login_gate(app)
    csrf.init_app(app)
    limiter.init_app(app)
    register_security_headers(app, production=settings.is_production)
    from hrd_cases.auth.oidc import register_oidc

    register_oidc(app, settings)


def register_i18n(app: Flask) -> None:
    from hrd_cases.i18n import register_i18n as register

    register(app)


def register_blueprints(app: Flask) -> None:
    from hrd_cases import api
    from hrd_cases.extensions import csrf
    from hrd_cases.web import (
        action_views,
        admin_views,
        attachment_views,
        audit_views,
        auth_views,
        calendar_views,
        case_views,
        correction_views,
        export_views,
        health,
        intake_views,
        language_views,
        notification_views,
        template_views,
        token_views,
        views,
    )

    app.register_blueprint(health.bp)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(case_views.bp)
    app.register_blueprint(intake_views.bp)
    app.register_blueprint(action_views.bp)
    app.register_blueprint(correction_views.bp)
    app.register_blueprint(attachment_views.bp)
    app.register_blueprint(calendar_views.bp)
    app.register_blueprint(export_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(notification_views.bp)
    app.register_blueprint(template_views.bp)
    app.register_blueprint(token_views.bp)
    app.register_blueprint(language_views.bp)
    # The API authenticates with bearer tokens only (never cookies): CSRF cannot apply.
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.docs_bp)  # the API's documentation page (browser session)


def register_error_handlers(app: Flask) -> None:
    from hrd_cases.web.errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from hrd_cases.cli import register_commands

    register_commands(app)
