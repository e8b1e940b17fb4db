"""The real OpenID provider for the OIDC tests: `oidc-provider` (npm) under Node on loopback.

`tests/oidc/node_modules` is installed on first use (and by .ci/run), never committed. The
provider's configuration lives in tests/oidc/provider.mjs; this module gives it the values of
one run (port, client, signing keys, clock) and drives its login and consent pages the way a
browser would, with `requests`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from joserfc.jwk import RSAKey

OIDC_DIR = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "hrd-cases"
CLIENT_SECRET = "test-client-secret-" + "y" * 24
APP_BASE = "http://localhost"  # what the Flask test client calls itself
POST_LOGOUT_URI = f"{APP_BASE}/login"
_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', re.S)
_INPUT = re.compile(r'<input[^>]*name="([^"]+)"(?:[^>]*value="([^"]*)")?', re.S)


def ensure_installed() -> None:
    if (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: the OIDC tests need Node 20 and npm")
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            npm,
            "ci" if (OIDC_DIR / "package-lock.json").exists() else "install",
            "--no-audit",
            "--no-fund",
        ],
        cwd=OIDC_DIR,
        check=True,
        timeout=300,
    )


def signing_key(kid: str) -> dict[str, Any]:
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    return dict(key.as_dict(private=True))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class TestProvider:
    """One provider process; ``restart`` keeps the issuer (same port) with new settings."""

    __test__ = False

    def __init__(
        self,
        *,
        keys: list[dict[str, Any]],
        clock_shift: int = 0,
        id_token_ttl: int | None = None,
        app_base: str = APP_BASE,
    ) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.keys, self.clock_shift, self.id_token_ttl = keys, clock_shift, id_token_ttl
        self.app_base = app_base
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        ensure_installed()
        node = shutil.which("node")
        assert node is not None, "node is missing"
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "redirectUri": f"{self.app_base}/login/organisation/callback",
            "postLogoutRedirectUri": f"{self.app_base}/login",
            "signingKeys": self.keys,
            "clockShiftSeconds": self.clock_shift,
            "idTokenTtl": self.id_token_ttl,
        }
        env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"}
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [node, str(OIDC_DIR / "provider.mjs")],
            cwd=OIDC_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2)
                if answer.status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("oidc-provider exited at start")
            time.sleep(0.2)
        raise RuntimeError("oidc-provider did not start within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def restart(self, *, keys: list[dict[str, Any]]) -> None:
        self.stop()
        self.keys = keys
        self.start()


class ProviderBrowser:
    """The user's browser at the provider: keeps its cookies, fills its forms."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.saw_login_form = False

    def follow_to_app(self, url: str, login: str) -> str:
        """Follow the provider's redirects and pages until it sends the browser back to the
        app; returns that address (path and query) for the app's test client."""
        for _ in range(20):
            if url.startswith(APP_BASE + "/"):
                return url[len(APP_BASE) :]
            answer = self.http.get(url, allow_redirects=False, timeout=10)
            url = self._next(answer, login)
        raise AssertionError("the provider never sent the browser back")

    def _next(self, answer: requests.Response, login: str) -> str:
        if answer.is_redirect:
            return urljoin(answer.url, answer.headers["Location"])
        assert answer.status_code == 200, (answer.status_code, answer.text[:500])
        match = _FORM.search(answer.text)
        assert match, answer.text[:500]
        action, body = unescape(match.group(1)), match.group(2)
        fields = {name: unescape(value or "") for name, value in _INPUT.findall(body)}
        if "login" in fields:
            self.saw_login_form = True
            fields.update(login=login, password="any password")
        if "logout" in fields or "xsrf" in fields:
            fields["logout"] = "yes"
        posted = self.http.post(
            urljoin(answer.url, action), data=fields, allow_redirects=False, timeout=10
        )
        if posted.is_redirect:
            return urljoin(posted.url, posted.headers["Location"])
        return self._next(posted, login)
