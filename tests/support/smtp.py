"""A real SMTP server for tests: aiosmtpd on loopback, STARTTLS required, AUTH required."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME = "mailer"
PASSWORD = "smtp-test-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Received:
    recipients: list[str]
    message: Message
    raw: bytes

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    def text(self) -> str:
        parts = [p.get_payload(decode=True) for p in self.message.walk() if not p.is_multipart()]
        return self.raw.decode("utf-8", "replace") + "".join(
            (p or b"").decode("utf-8", "replace") for p in parts
        )


@dataclass
class Recorder:
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # Like an MTA that queued the message and is slow to say so: recorded first, then the
    # reply waits (a client killed meanwhile never learns that the server has it).
    reply_delay_seconds: float = 0.0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if not session.authenticated or not session.ssl:
            return "530 authentication over TLS required"
        raw = envelope.original_content or envelope.content
        with self.lock:
            self.messages.append(
                Received(
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(raw, policy=email.policy.default),
                    raw,
                )
            )
        if self.reply_delay_seconds:
            await asyncio.sleep(self.reply_delay_seconds)
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m.message_id for m in self.messages]


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login == USERNAME.encode() and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok)


class SmtpServer:
    """Start, stop and start again on the same port (the 'server down' fault)."""

    def __init__(self, directory: Path) -> None:
        self.cert, key = self_signed(directory)
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert, key)
        self.port = free_port()
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.recorder,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.context,
            require_starttls=True,
            auth_required=True,
            auth_require_tls=True,
            authenticator=_authenticator,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings_overrides(self) -> dict[str, object]:
        return {
            "mail_transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": "starttls",
            "smtp_username": USERNAME,
            "smtp_password": PASSWORD,
            "smtp_ca_file": str(self.cert),
            "smtp_timeout_seconds": 10.0,
            "public_base_url": "https://hrd.example.org",
        }

    def environment(self) -> dict[str, str]:
        return {f"HRD_{k.upper()}": str(v) for k, v in self.settings_overrides().items()}
