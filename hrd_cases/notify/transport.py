"""Where e-mails go: an SMTP server (STARTTLS or implicit TLS, with authentication) or, in
development, ``instance/outbox/*.eml`` files.

Both hand a message over in two halves and call ``commit_point`` between them, when nothing
irrevocable has happened yet: an SMTP server discards a message whose DATA never ended with
the final dot, and a file is invisible until renamed. The worker marks the row "handing over"
there, so a crash afterwards never leads to a second copy (the idempotency rule).
"""

from __future__ import annotations

import contextlib
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from pathlib import Path
from typing import Protocol

from hrd_cases.settings import Settings

CommitPoint = Callable[[], bool]  # returns False when the message must not be completed


class HandOverAborted(Exception):
    """The worker lost its claim on the message before the final step: nothing was sent."""


class Transport(Protocol):
    description: str

    def open(self) -> None: ...

    def send(self, email: EmailMessage, commit_point: CommitPoint) -> None: ...

    def close(self) -> None: ...


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.description = (
            f"SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
        )
        self._connection: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file)

    def open(self) -> None:
        self._open()

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout_seconds,
                context=self._tls_context(),
            )
        else:
            connection = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            if s.smtp_security == "starttls":
                connection.starttls(context=self._tls_context())
        if s.smtp_username:
            connection.login(s.smtp_username, s.smtp_password or "")
        connection.ehlo_or_helo_if_needed()  # MAIL below is sent by hand: greet first
        # The message goes in two writes (body, then the final dot): without this, Nagle's
        # algorithm holds the dot for the server's delayed ACK, about 40 ms per message.
        if connection.sock is not None:
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._connection = connection
        return connection

    def send(self, email: EmailMessage, commit_point: CommitPoint) -> None:
        connection = self._connection or self._open()
        sender = parseaddr(str(email["From"]))[1]
        recipient = parseaddr(str(email["To"]))[1]
        code, reply = connection.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = connection.rcpt(recipient)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = connection.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = email.as_bytes(policy=SMTP_POLICY)
        body = re.sub(rb"(?m)^\.", b"..", body)  # RFC 5321 4.5.2 dot-stuffing
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        connection.send(body)
        if not commit_point():
            self.close()  # the server drops a DATA that never ended
            raise HandOverAborted
        connection.send(b".\r\n")
        code, reply = connection.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            with contextlib.suppress(OSError):
                self._connection.close()
        self._connection = None


class DirectoryTransport:
    """Development: every e-mail becomes a file a developer can open in a mail client."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.description = f"files in {directory}"

    def open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, email: EmailMessage, commit_point: CommitPoint) -> None:
        self.open()
        name = re.sub(r"[^A-Za-z0-9]", "", str(email["Message-ID"]))[:40]
        final = self.directory / f"{name}.eml"
        partial = self.directory / f".{name}.partial"
        partial.write_bytes(email.as_bytes(policy=SMTP_POLICY))
        if not commit_point():
            partial.unlink(missing_ok=True)
            raise HandOverAborted
        os.replace(partial, final)

    def close(self) -> None:
        return None


def transport_for(settings: Settings) -> Transport:
    if settings.mail_transport == "smtp":
        return SmtpTransport(settings)
    return DirectoryTransport(settings.instance_path / "outbox")
