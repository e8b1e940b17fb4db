"""Typed, immutable settings: ``config/settings.toml`` defaults, then the environment.

Settings are built once by :meth:`Settings.load` and passed to ``create_app``; nothing reads
``os.environ`` after that, so a test can build the exact settings it needs.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from hrd_cases.crypto import KeyProvider

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
Environment = Literal["development", "test", "production"]
ENVIRONMENTS: tuple[Environment, ...] = ("development", "test", "production")

# Used only outside production when neither SECRET_KEY nor instance/secret_key exists.
DEVELOPMENT_SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32


# A DNS host name (labels of letters, digits and hyphens), no port, no path.
HOST_NAME = re.compile(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"
)

# Tuples of names: a TOML list, or a comma-separated environment variable HRD_<NAME>.
_LIST_SETTINGS = (
    "security_key_required_roles",
    "oidc_mfa_acr_values",
    "oidc_mfa_amr_values",
    "oidc_password_disabled_roles",
)


class SettingsError(Exception):
    """A configuration problem; its message is one line an operator can act on."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment
    secret_key: str = field(repr=False)
    database_url: str
    instance_path: Path
    keyring_file: Path
    config_dir: Path = CONFIG_DIR
    keyring_env_var: str = "HRD_KEYRING"
    # The keyring itself when given in the environment (takes precedence over the file).
    keyring_json: str | None = field(default=None, repr=False)
    session_idle_minutes: int = 30
    session_absolute_hours: int = 12
    blind_index_bits: int = 32
    suppression_k: int = 5
    # Protection interval: no attacker may narrow a suppressed count v inside [v - p, v + p].
    suppression_p: int = 2
    # Days after a quarter closes before it may be released (late entries).
    release_lag_days: int = 30
    # Country -> region for the exports, relative to config_dir (validated at load).
    regions_file: str = "regions/eeas.yaml"
    log_level: str = "INFO"
    ratelimit_storage_uri: str = "memory://"
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65536
    argon2_parallelism: int = 4
    # Account throttling: this many failed sign-ins within the window throttle the account.
    login_failure_limit: int = 5
    login_failure_window_seconds: int = 60
    login_throttle_seconds: int = 300
    # Per-address limit on sign-in attempts (Flask-Limiter syntax).
    login_rate_limit: str = "30 per minute"
    api_token_max_days: int = 90
    # Single-use account links: an invitation (or second-factor re-enrolment) and a password reset.
    invitation_hours: int = 72
    password_reset_minutes: int = 30
    # Application processes sharing rate-limit state (gunicorn sets WEB_CONCURRENCY).
    workers: int = 1
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0: none).
    # Without this behind a proxy, every user shares the proxy's address for rate limits.
    proxy_hops: int = 0
    # The host name users reach this instance by (HRD_PUBLIC_HOST, e.g. cases.example.eu). It
    # names the trial calendar's event UIDs: never the request's Host header, which a client
    # chooses. The default is a reserved name that can belong to nobody.
    public_host: str = "hrd-cases.invalid"
    # Host headers the application answers (HRD_TRUSTED_HOSTS, comma-separated; Flask's
    # TRUSTED_HOSTS); others get 400. Empty: any host (development, tests, a single server
    # reached by address). Include the address a load balancer's health check uses.
    trusted_hosts: tuple[str, ...] = ()
    # WebAuthn relying party: the registrable domain users see, and the exact origin (scheme,
    # host, port) their browser shows. Both are checked strictly on every ceremony.
    webauthn_rp_id: str = "localhost"
    webauthn_rp_name: str = "hrd_cases"
    webauthn_origin: str = "http://localhost:5000"
    # Roles that must use security keys: TOTP is refused for them, recovery codes remain.
    security_key_required_roles: tuple[str, ...] = ()
    # OpenID Connect single sign-on (off while oidc_issuer is empty). See docs/identity.md.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = field(default="", repr=False)
    oidc_scopes: str = "openid email profile"
    oidc_button_label: str = "Sign in with your organisation"
    # Skip the app's own second factor only when this is on AND the ID token's acr or amr
    # says the provider itself did multi-factor authentication.
    oidc_trust_provider_mfa: bool = False
    oidc_mfa_acr_values: tuple[str, ...] = ()
    oidc_mfa_amr_values: tuple[str, ...] = ("mfa", "hwk", "otp", "sc")
    # Roles whose local password is refused while single sign-on is on.
    oidc_password_disabled_roles: tuple[str, ...] = ()
    # Clock tolerance for ID-token times (exp, iat), in seconds.
    oidc_leeway_seconds: int = 60
    # Erasure epochs: after an erasure, the KEKs that wrapped the erased keys are rotated away
    # and retired within this many days (`hrd-cases keys retire-erased`, run daily by a timer).
    erasure_retire_within_days: int = 7
    # Notifications (issue 18). Links in e-mails start with public_base_url.
    public_base_url: str = "http://127.0.0.1:5000"
    # "directory" writes each e-mail to instance/outbox/*.eml (development); "smtp" sends it.
    mail_transport: Literal["directory", "smtp"] = "directory"
    mail_from: str = "hrd_cases <no-reply@hrd-cases.invalid>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 587
    # "starttls" upgrades a plain connection; "tls" is implicit TLS (port 465); "none" only
    # for a relay on the same host.
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    # A CA bundle to verify the SMTP server with (else the system's).
    smtp_ca_file: str | None = None
    smtp_timeout_seconds: float = 30.0
    notify_max_attempts: int = 8
    notify_backoff_base_seconds: float = 30.0
    notify_backoff_cap_seconds: float = 3600.0
    notify_lease_seconds: float = 300.0
    notify_batch_size: int = 50
    notify_poll_seconds: float = 2.0
    digest_hour: int = 7
    # Evidence files: "database" (chunks as rows, the default) or "filesystem" (a directory,
    # instance/attachments unless attachment_directory names another). Limits are enforced
    # while the upload streams in.
    attachment_storage: str = "database"
    attachment_directory: str = ""
    attachment_max_file_bytes: int = 25 * 1024 * 1024
    attachment_max_case_bytes: int = 500 * 1024 * 1024
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def emails_account_links(self) -> bool:
        """Invitation, re-enrolment and reset links go by e-mail only through a real SMTP
        server; with the development directory transport the admin is shown the link."""
        return self.mail_transport == "smtp"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def key_provider(self) -> KeyProvider:
        """Where the keyring comes from: HRD_KEYRING if set, else the keyring file."""
        from hrd_cases.crypto import load_provider

        env = {} if self.keyring_json is None else {self.keyring_env_var: self.keyring_json}
        return load_provider(self.keyring_file, env, self.keyring_env_var)

    @property
    def regions_path(self) -> Path:
        return self.config_dir / self.regions_file

    @property
    def attachment_path(self) -> Path:
        return Path(self.attachment_directory or self.instance_path / "attachments")

    @property
    def strategies_dir(self) -> Path:
        return self.config_dir / "strategies"

    def replace(self, **changes: Any) -> Settings:
        """A copy with some values changed (settings themselves never mutate)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        config_dir: Path = CONFIG_DIR,
        **overrides: Any,
    ) -> Settings:
        """Build settings from the config file for the environment, then the environment."""
        environ = os.environ if environ is None else environ
        env = overrides.pop("env", None) or environ.get("HRD_ENV", "development")
        if env not in ENVIRONMENTS:
            raise SettingsError(f"HRD_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")

        values = _file_values(config_dir, env)
        instance_path = Path(
            overrides.pop("instance_path", None)
            or environ.get("HRD_INSTANCE_PATH")
            or PROJECT_ROOT / "instance"
        ).resolve()
        values["instance_path"] = instance_path
        values["keyring_file"] = Path(
            environ.get("HRD_KEYRING_FILE") or instance_path / "keyring.json"
        )
        values["database_url"] = normalise_database_url(
            environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'hrd_cases.sqlite3'}"
        )
        if "HRD_KEYRING" in environ:
            values["keyring_json"] = environ["HRD_KEYRING"]
        if environ.get("REDIS_URL"):
            values["ratelimit_storage_uri"] = environ["REDIS_URL"]
        if environ.get("WEB_CONCURRENCY", "").isdigit():
            values["workers"] = int(environ["WEB_CONCURRENCY"])
        if environ.get("HRD_PROXY_HOPS", "").isdigit():
            values["proxy_hops"] = int(environ["HRD_PROXY_HOPS"])
        for name in ("webauthn_rp_id", "webauthn_origin"):
            if environ.get(f"HRD_{name.upper()}"):
                values[name] = environ[f"HRD_{name.upper()}"]
        for name in ("oidc_issuer", "oidc_client_id", "oidc_client_secret"):
            if environ.get(f"HRD_{name.upper()}"):
                values[name] = environ[f"HRD_{name.upper()}"]
        if environ.get("HRD_OIDC_TRUST_PROVIDER_MFA"):
            values["oidc_trust_provider_mfa"] = environ["HRD_OIDC_TRUST_PROVIDER_MFA"] == "1"
        for name in _LIST_SETTINGS:
            if f"HRD_{name.upper()}" in environ:
                values[name] = environ[f"HRD_{name.upper()}"]
            if isinstance(values.get(name), str | list):
                raw = values[name]
                parts = raw.split(",") if isinstance(raw, str) else raw
                values[name] = tuple(p.strip() for p in parts if p.strip())
        for name, cast in _MAIL_ENVIRONMENT.items():
            variable = f"HRD_{name.upper()}"
            if environ.get(variable):
                values[name] = cast(environ[variable])
        if environ.get("HRD_ATTACHMENT_STORAGE"):
            values["attachment_storage"] = environ["HRD_ATTACHMENT_STORAGE"]
        if environ.get("HRD_ATTACHMENT_DIRECTORY"):
            values["attachment_directory"] = environ["HRD_ATTACHMENT_DIRECTORY"]
        if environ.get("HRD_PUBLIC_HOST"):
            values["public_host"] = environ["HRD_PUBLIC_HOST"].strip().lower()
        if environ.get("HRD_TRUSTED_HOSTS"):
            values["trusted_hosts"] = tuple(
                host.strip().lower() for host in environ["HRD_TRUSTED_HOSTS"].split(",") if host
            )
        if environ.get("HRD_LOG_LEVEL"):
            values["log_level"] = environ["HRD_LOG_LEVEL"]
        # Production takes its secret from the environment only, never from a file left behind
        # by a development or demo instance.
        values["secret_key"] = environ.get("SECRET_KEY") or (
            "" if env == "production" else _instance_secret(instance_path)
        )
        values.update(overrides)
        settings = cls(env=env, config_dir=config_dir, **values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Refuse settings that would be unsafe; each reason fits on one line."""
        if self.is_production:
            if not self.secret_key or self.secret_key == DEVELOPMENT_SECRET_KEY:
                raise SettingsError(
                    "refusing to start in production: SECRET_KEY is missing or the development "
                    "default; set SECRET_KEY to a random value (python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))')"
                )
            if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
                raise SettingsError(
                    f"refusing to start in production: SECRET_KEY is shorter than "
                    f"{MIN_SECRET_KEY_LENGTH} characters"
                )
        if (
            self.is_production
            and self.workers > 1
            and self.ratelimit_storage_uri.startswith("memory")
        ):
            raise SettingsError(
                f"refusing to start in production: {self.workers} workers cannot share "
                "in-memory rate limits; set REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
            )
        if not HOST_NAME.fullmatch(self.public_host):
            raise SettingsError(
                f"HRD_PUBLIC_HOST must be a host name such as cases.example.eu, not "
                f"{self.public_host!r}"
            )
        if self.blind_index_bits % 8 or not 16 <= self.blind_index_bits <= 64:
            raise SettingsError("blind_index_bits must be a multiple of 8 between 16 and 64")
        if not self.webauthn_origin.startswith(("https://", "http://localhost")):
            raise SettingsError("webauthn_origin must be https:// (or http://localhost to test)")
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_client_secret):
            raise SettingsError("oidc_issuer is set: set HRD_OIDC_CLIENT_ID and _SECRET too")
        if not 1 <= self.erasure_retire_within_days <= 90:
            raise SettingsError("erasure_retire_within_days must be between 1 and 90")
        if self.mail_transport not in ("directory", "smtp"):
            raise SettingsError("mail_transport must be directory or smtp")
        if self.smtp_security not in ("starttls", "tls", "none"):
            raise SettingsError("smtp_security must be starttls, tls or none")
        if (
            self.is_production
            and self.mail_transport == "smtp"
            and self.smtp_security == "none"
            and self.smtp_host not in ("127.0.0.1", "localhost", "::1")
        ):
            raise SettingsError(
                "refusing to send e-mail unencrypted to a remote host in production: "
                "set HRD_SMTP_SECURITY to starttls or tls"
            )
        if self.attachment_storage not in ("database", "filesystem"):
            raise SettingsError("attachment_storage must be database or filesystem")
        if not 0 < self.attachment_max_file_bytes <= self.attachment_max_case_bytes:
            raise SettingsError(
                "attachment_max_file_bytes must be positive and at most attachment_max_case_bytes"
            )
        if self.suppression_k < 2:
            raise SettingsError("suppression_k must be at least 2")
        if not 1 <= self.suppression_p <= 100:
            raise SettingsError("suppression_p must be between 1 and 100")
        if not 0 <= self.release_lag_days <= 366:
            raise SettingsError("release_lag_days must be between 0 and 366")


# Mail and worker settings that the environment may override: HRD_<NAME> -> its type.
_MAIL_ENVIRONMENT: dict[str, Any] = {
    "public_base_url": str,
    "mail_transport": str,
    "mail_from": str,
    "smtp_host": str,
    "smtp_port": int,
    "smtp_security": str,
    "smtp_username": str,
    "smtp_password": str,
    "smtp_ca_file": str,
    "smtp_timeout_seconds": float,
    "notify_max_attempts": int,
    "notify_backoff_base_seconds": float,
    "notify_backoff_cap_seconds": float,
    "notify_lease_seconds": float,
    "notify_batch_size": int,
    "notify_poll_seconds": float,
}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgresql://...)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _file_values(config_dir: Path, env: str) -> dict[str, Any]:
    path = config_dir / "settings.toml"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"settings file {path} is missing") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from None
    values = {**document.get("default", {}), **document.get(env, {})}
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise SettingsError(f"settings file {path} has unknown keys: {', '.join(unknown)}")
    return values


def _instance_secret(instance_path: Path) -> str:
    """The secret written by ``hrd-cases init``, or the development default."""
    secret_file = instance_path / "secret_key"
    if secret_file.exists():
        return secret_file.read_text(encoding="utf-8").strip()
    return DEVELOPMENT_SECRET_KEY
