"""The keyring (KEKs + blind-index root key) and where it is stored.

Why a keyring: each record has its own data key (DEK), wrapped under a key-encryption key (KEK).
KEKs are versioned so they can be rotated: add a new primary, rewrap every DEK, then drop the old
version. The ``index_key`` is the root secret for blind indexes and is deliberately NOT rotated
with the KEKs, because search tokens stored in the database must stay stable.

Storage is abstracted by the :class:`KeyProvider` protocol (``load``, ``save``, ``describe``).
Two providers ship here: :class:`FileKeyProvider` (a 0600 JSON file, the default) and
:class:`EnvKeyProvider` (the same JSON in an environment variable, read-only).

How a KMS or Vault provider would implement the protocol:

* AWS/GCP KMS: keep the keyring JSON encrypted by a KMS key (e.g. a file or secret holding the
  KMS ciphertext). ``load()`` calls KMS Decrypt and passes the JSON to ``Keyring.from_json``;
  ``save()`` calls KMS Encrypt on ``keyring.to_json()`` and writes atomically; ``describe()``
  returns e.g. ``"aws-kms arn:aws:kms:...:key/... + file /etc/hrd/keyring.kms"``.
* HashiCorp Vault KV v2: ``load()`` reads the JSON from a secret path; ``save()`` writes a new
  secret version using check-and-set (``cas``) so two concurrent rotations cannot overwrite each
  other; ``describe()`` returns e.g. ``"vault kv secret/hrd-cases/keyring"``.
* A provider that cannot persist changes raises ``KeyringError("... is read-only")`` from
  ``save()``. ``describe()`` must never include tokens, passwords or key bytes.

(A design where KEKs never leave the KMS would need a different interface: this one hands raw
KEK bytes to the process, which is what makes 20,000+ rewraps per second possible.)

Python cannot reliably wipe ``bytes`` from memory; keys live as long as the ``Keyring`` object.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Protocol, runtime_checkable

from hrd_cases.crypto.errors import KeyringError, UnknownKeyVersion

KEYRING_FORMAT: Final = "hrd-cases-keyring/1"
KEY_SIZE: Final = 32
MAX_KEY_VERSION: Final = 2**32 - 1  # versions are stored as uint32 in blob headers
DEFAULT_ENV_VARIABLE: Final = "HRD_KEYRING"
_MAX_KEYRING_BYTES: Final = 1 << 20
_REQUIRED_FIELDS: Final = frozenset({"format", "primary", "keks", "index_key"})
_VERSION_TEXT = re.compile(r"[1-9][0-9]{0,9}")
_SAFE_FIELD_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def _require_version(version: object, what: str) -> int:
    """A key version is a positive integer that fits the uint32 header field."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise KeyringError(f"{what} must be an integer, not {type(version).__name__}")
    if not 1 <= version <= MAX_KEY_VERSION:
        raise KeyringError(f"{what} must be between 1 and {MAX_KEY_VERSION} (got {version})")
    return version


def _require_key(key: object, what: str) -> bytes:
    """Keys are exactly 32 bytes; the message states the length, never the bytes."""
    if not isinstance(key, bytes | bytearray):
        raise KeyringError(f"{what} must be bytes, not {type(key).__name__}")
    if len(key) != KEY_SIZE:
        raise KeyringError(f"{what} must be {KEY_SIZE} bytes (got {len(key)})")
    return bytes(key)


@dataclass(frozen=True, eq=False, repr=False)
class Keyring:
    """Immutable set of versioned KEKs, the primary version, and the blind-index root key.

    A retired KEK version is simply absent from ``keks``. Versions are never reused by
    :meth:`with_new_primary` as long as the highest version is kept (it is always the primary
    when versions are only added through this API).
    """

    keks: Mapping[int, bytes]
    primary: int
    index_key: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.keks, Mapping):
            raise KeyringError("keks must be a mapping of version to key")
        if not self.keks:
            raise KeyringError("keyring has no KEKs")
        unsorted: dict[int, bytes] = {}
        for version, key in self.keks.items():
            _require_version(version, "KEK version")
            unsorted[version] = _require_key(key, f"KEK version {version}")
        checked = dict(sorted(unsorted.items()))
        primary = _require_version(self.primary, "primary KEK version")
        if primary not in checked:
            raise KeyringError(
                f"primary KEK version {primary} is not in the keyring "
                f"(versions {_format_versions(checked)})"
            )
        index_key = _require_key(self.index_key, "index key")
        seen: dict[bytes, str] = {index_key: "the index key"}
        for version, key in checked.items():
            if key in seen:
                raise KeyringError(f"KEK version {version} reuses the key bytes of {seen[key]}")
            seen[key] = f"KEK version {version}"
        object.__setattr__(self, "keks", MappingProxyType(checked))
        object.__setattr__(self, "index_key", index_key)

    @classmethod
    def generate(cls) -> Keyring:
        """A fresh keyring: KEK version 1 as primary and a new index key."""
        return cls(
            keks={1: secrets.token_bytes(KEY_SIZE)},
            primary=1,
            index_key=secrets.token_bytes(KEY_SIZE),
        )

    def kek(self, version: int) -> bytes:
        """The KEK for ``version``; UnknownKeyVersion if it was never added or was retired."""
        try:
            return self.keks[version]
        except (KeyError, TypeError):
            raise UnknownKeyVersion(
                f"KEK version {version} is not in the keyring "
                f"(versions {_format_versions(self.keks)})"
            ) from None

    @property
    def primary_kek(self) -> bytes:
        """The KEK new data keys are wrapped under."""
        return self.keks[self.primary]

    def versions(self) -> tuple[int, ...]:
        """All available KEK versions, ascending."""
        return tuple(self.keks)

    def with_new_primary(self) -> Keyring:
        """Add a fresh KEK as version max+1 and make it primary (step 1 of rotation)."""
        new_version = max(self.keks) + 1
        if new_version > MAX_KEY_VERSION:
            raise KeyringError("no KEK versions left (uint32 exhausted)")
        keks = dict(self.keks)
        keks[new_version] = secrets.token_bytes(KEY_SIZE)
        return Keyring(keks=keks, primary=new_version, index_key=self.index_key)

    def without_version(self, version: int) -> Keyring:
        """Retire a KEK version (last step of rotation, after every DEK was rewrapped).

        Refuses the primary: that would leave nothing to wrap new keys under.
        """
        if version == self.primary:
            raise KeyringError(
                f"refusing to drop KEK version {version}: it is the primary; "
                "add a new primary first"
            )
        if version not in self.keks:
            raise KeyringError(
                f"KEK version {version} is not in the keyring "
                f"(versions {_format_versions(self.keks)})"
            )
        keks = {v: k for v, k in self.keks.items() if v != version}
        return Keyring(keks=keks, primary=self.primary, index_key=self.index_key)

    def to_json(self) -> str:
        """Serialise to the ``hrd-cases-keyring/1`` JSON document."""
        document = {
            "format": KEYRING_FORMAT,
            "primary": self.primary,
            "keks": {str(v): _b64(k) for v, k in self.keks.items()},
            "index_key": _b64(self.index_key),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "keyring") -> Keyring:
        """Strictly parse a keyring document; errors are one line and never echo key bytes."""
        try:
            return _parse_keyring(text)
        except KeyringError as exc:
            raise KeyringError(f"{source}: {exc}") from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Keyring):
            return NotImplemented
        return (
            self.primary == other.primary
            and self.versions() == other.versions()
            and all(hmac.compare_digest(self.keks[v], other.keks[v]) for v in self.keks)
            and hmac.compare_digest(self.index_key, other.index_key)
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-looking secrets: not a dict key

    def __repr__(self) -> str:
        return f"Keyring(primary={self.primary}, versions={list(self.keks)}, keys=<redacted>)"


def _format_versions(keks: Mapping[int, bytes]) -> str:
    return ", ".join(str(v) for v in sorted(keks)) or "none"


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _describe_field(name: str) -> str:
    """Name an unexpected JSON field only if it looks like a field name, not pasted data."""
    return repr(name) if _SAFE_FIELD_NAME.fullmatch(name) else "(unprintable name)"


class _DuplicateFieldError(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise _DuplicateFieldError(name)
        result[name] = value
    return result


def _reject_constant(name: str) -> None:
    raise ValueError(name)


def _decode_key(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyringError(f"{what} must be a base64 string")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{what} is not valid base64") from None
    return _require_key(raw, what)


def _parse_keyring(text: object) -> Keyring:
    if not isinstance(text, str):
        raise KeyringError("keyring document must be text")
    try:
        document = json.loads(
            text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        raise KeyringError(
            f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except _DuplicateFieldError as exc:
        raise KeyringError(f"duplicate field {_describe_field(exc.name)}") from None
    except (ValueError, RecursionError):
        raise KeyringError("not valid JSON (unsupported constant or nesting)") from None
    if not isinstance(document, dict):
        raise KeyringError("keyring must be a JSON object")
    missing = sorted(_REQUIRED_FIELDS - document.keys())
    if missing:
        raise KeyringError(f"missing field(s) {', '.join(repr(m) for m in missing)}")
    unexpected = sorted(document.keys() - _REQUIRED_FIELDS)
    if unexpected:
        raise KeyringError(f"unexpected field {_describe_field(unexpected[0])}")
    if document["format"] != KEYRING_FORMAT:
        raise KeyringError(f"unsupported format (expected {KEYRING_FORMAT!r})")
    primary = _require_version(document["primary"], "primary")
    raw_keks = document["keks"]
    if not isinstance(raw_keks, dict) or not raw_keks:
        raise KeyringError("keks must be a non-empty JSON object")
    keks: dict[int, bytes] = {}
    for version_text, value in raw_keks.items():
        if not _VERSION_TEXT.fullmatch(version_text):
            raise KeyringError(
                f"KEK version {_describe_field(version_text)} is not a positive decimal integer"
            )
        version = _require_version(int(version_text), "KEK version")
        keks[version] = _decode_key(value, f"KEK version {version}")
    index_key = _decode_key(document["index_key"], "index_key")
    return Keyring(keks=keks, primary=primary, index_key=index_key)


@runtime_checkable
class KeyProvider(Protocol):
    """Where the keyring lives. See the module docstring for KMS/Vault implementations."""

    def load(self) -> Keyring:
        """Return the current keyring or raise KeyringError with a one-line reason."""
        ...

    def save(self, keyring: Keyring) -> None:
        """Persist ``keyring`` atomically, or raise KeyringError("... is read-only")."""
        ...

    def describe(self) -> str:
        """Human-readable location for messages and logs; never contains secrets."""
        ...


def _write_private_temp(directory: Path, stem: str, data: bytes) -> Path:
    """Write ``data`` to a new 0600 file in ``directory`` and fsync it; return its path."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    temp_path = directory / f".{stem}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(temp_path, flags, 0o600)
    except FileNotFoundError:
        raise KeyringError(f"directory {directory} does not exist") from None
    except OSError as exc:
        raise KeyringError(f"cannot create a file in {directory}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o600)  # the umask could have removed our own read bit
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        _unlink_quietly(temp_path)
        raise KeyringError(f"cannot write {temp_path}: {exc.strerror or exc}") from None
    os.close(fd)
    return temp_path


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_directory(directory: Path) -> None:
    """Make the rename/link itself durable; best effort where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_LINK_UNSUPPORTED: Final = frozenset(
    {errno.EPERM, errno.EACCES, errno.EXDEV, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP}
)


class FileKeyProvider:
    """Keyring stored as JSON in a file that only its owner may read (mode 0600)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._path = Path(path)

    @property
    def path(self) -> Path:
        return self._path

    def describe(self) -> str:
        return f"file {self._path}"

    @classmethod
    def create(cls, path: str | os.PathLike[str], keyring: Keyring | None = None) -> Keyring:
        """Create a NEW keyring file (mode 0600); refuse if anything exists at ``path``.

        Why so careful: a lost keyring means every record is lost, so this never overwrites.
        The content is written and fsynced to a temporary file first, then hard-linked into
        place (``link`` fails atomically if the name exists), so a crash never leaves a
        half-written keyring. Filesystems without hard links fall back to
        ``O_CREAT | O_EXCL`` on the final path.
        """
        keyring = keyring if keyring is not None else Keyring.generate()
        target = Path(path)
        refusal = (
            f"keyring file {target} already exists; refusing to overwrite it "
            "(a lost keyring means lost records)"
        )
        if os.path.lexists(target):
            raise KeyringError(refusal)
        data = keyring.to_json().encode("utf-8")
        temp_path = _write_private_temp(target.parent, target.name, data)
        try:
            os.link(temp_path, target)
        except FileExistsError:
            raise KeyringError(refusal) from None
        except OSError as exc:
            if exc.errno not in _LINK_UNSUPPORTED:
                raise KeyringError(
                    f"cannot create keyring file {target}: {exc.strerror or exc}"
                ) from None
            _create_exclusive(target, data, refusal)
        finally:
            _unlink_quietly(temp_path)
        _fsync_directory(target.parent)
        return keyring

    def load(self) -> Keyring:
        """Read and parse the keyring; refuse files that group or others could read."""
        path = self._path
        flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise KeyringError(f"keyring file {path} does not exist; run: hrd-cases init") from None
        except PermissionError:
            raise KeyringError(
                f"keyring file {path} is not readable by this user (permission denied)"
            ) from None
        except OSError as exc:
            raise KeyringError(f"cannot open keyring file {path}: {exc.strerror or exc}") from None
        try:
            info = os.fstat(fd)  # stat the opened file itself: no check-then-use race
            if not stat.S_ISREG(info.st_mode):
                raise KeyringError(f"keyring file {path} is not a regular file")
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                raise KeyringError(
                    f"keyring file {path} is readable by group or others (mode {mode:04o}); "
                    f"run: chmod 600 {path}"
                )
            raw = _read_at_most(fd, _MAX_KEYRING_BYTES + 1)
        except OSError as exc:
            raise KeyringError(f"cannot read keyring file {path}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        if len(raw) > _MAX_KEYRING_BYTES:
            raise KeyringError(f"keyring file {path} is larger than 1 MiB; not a keyring")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise KeyringError(f"keyring file {path}: not UTF-8 text") from None
        return Keyring.from_json(text, source=f"keyring file {path}")

    def save(self, keyring: Keyring) -> None:
        """Atomically replace the keyring file (temp file, fsync, ``os.replace``).

        The existing file must load (so bad permissions or corruption are fixed first) and must
        have the same index key: replacing it with an unrelated keyring would orphan every
        record. The old content stays intact until the final rename. Symlinks are resolved so
        the real file is replaced, not the link. Run rotations from one process at a time.
        """
        if not isinstance(keyring, Keyring):
            raise TypeError("save() needs a Keyring")
        current = self.load()
        if not hmac.compare_digest(current.index_key, keyring.index_key):
            raise KeyringError(
                f"refusing to replace keyring file {self._path} with an unrelated keyring "
                "(different index key)"
            )
        target = Path(os.path.realpath(self._path))
        temp_path = _write_private_temp(target.parent, target.name, keyring.to_json().encode())
        try:
            os.replace(temp_path, target)
        except OSError as exc:
            _unlink_quietly(temp_path)
            raise KeyringError(
                f"cannot replace keyring file {target}: {exc.strerror or exc}"
            ) from None
        _fsync_directory(target.parent)


def _create_exclusive(target: Path, data: bytes, refusal: str) -> None:
    """Fallback for filesystems without hard links: O_EXCL create, write, fsync."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, 0o600)
    except FileExistsError:
        raise KeyringError(refusal) from None
    except OSError as exc:
        raise KeyringError(f"cannot create keyring file {target}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        os.close(fd)
        _unlink_quietly(target)  # we created it a moment ago; never leave a partial keyring
        raise KeyringError(f"cannot write keyring file {target}: {exc.strerror or exc}") from None
    os.close(fd)


class EnvKeyProvider:
    """Keyring JSON (or base64 of it) in an environment variable; read-only.

    Useful for containers and secret managers that inject environment variables. Note that the
    environment is visible to the same user via /proc and is inherited by child processes.
    """

    def __init__(
        self, variable: str = DEFAULT_ENV_VARIABLE, environ: Mapping[str, str] | None = None
    ) -> None:
        self._variable = variable
        self._environ = environ

    def describe(self) -> str:
        return f"environment variable {self._variable}"

    def load(self) -> Keyring:
        environ = os.environ if self._environ is None else self._environ
        value = environ.get(self._variable)
        if value is None:
            raise KeyringError(f"environment variable {self._variable} is not set")
        text = value.strip()
        if not text:
            raise KeyringError(f"environment variable {self._variable} is set but empty")
        if not text.startswith("{"):
            compact = "".join(text.split()).translate(str.maketrans("-_", "+/"))
            try:
                text = base64.b64decode(compact, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                raise KeyringError(
                    f"environment variable {self._variable} is neither keyring JSON "
                    "nor base64-encoded keyring JSON"
                ) from None
        return Keyring.from_json(text, source=f"keyring in {self.describe()}")

    def save(self, keyring: Keyring) -> None:
        raise KeyringError(
            f"{self.describe()} is read-only; rotate keys with a file keyring and update "
            "the variable"
        )


def load_provider(
    file_path: str | os.PathLike[str] | None,
    env: Mapping[str, str],
    variable: str = DEFAULT_ENV_VARIABLE,
) -> KeyProvider:
    """Pick the keyring provider: the environment variable wins if set, else the file.

    A variable that is set but empty still wins (and fails to load) rather than silently
    falling back to a different keyring.
    """
    if variable in env:
        return EnvKeyProvider(variable, env)
    if file_path:
        return FileKeyProvider(file_path)
    raise KeyringError(f"no keyring configured: set {variable} or configure a keyring file path")
