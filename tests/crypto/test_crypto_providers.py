"""Key providers: safe file creation, permission checks, atomic save, environment loading."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from hrd_cases.crypto import (
    EnvKeyProvider,
    FileKeyProvider,
    KeyProvider,
    Keyring,
    KeyringError,
    load_provider,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_makes_a_private_file_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    created = FileKeyProvider.create(path)
    assert _mode(path) == 0o600
    assert FileKeyProvider(path).load() == created
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]  # no temp files left


def test_create_is_private_even_with_a_permissive_or_odd_umask(tmp_path: Path) -> None:
    previous = os.umask(0o000)
    try:
        FileKeyProvider.create(tmp_path / "a.json")
        os.umask(0o277)
        FileKeyProvider.create(tmp_path / "b.json")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "a.json") == 0o600
    assert _mode(tmp_path / "b.json") == 0o600


def test_create_twice_refuses_and_leaves_first_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    first = FileKeyProvider.create(path)
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="already exists") as caught:
        FileKeyProvider.create(path)
    assert "\n" not in str(caught.value)
    assert path.read_bytes() == before
    assert FileKeyProvider(path).load() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]


def test_create_refuses_to_follow_an_existing_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    link = tmp_path / "keyring.json"
    link.symlink_to(target)  # dangling
    with pytest.raises(KeyringError, match="already exists"):
        FileKeyProvider.create(link)
    assert not target.exists()


def test_create_race_lost_after_check_still_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate another process creating the file between the existence check and the link.
    path = tmp_path / "keyring.json"
    real_link = os.link

    def racing_link(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        Path(dst).write_text("someone else's keyring")
        real_link(src, dst)

    monkeypatch.setattr(os, "link", racing_link)
    with pytest.raises(KeyringError, match="already exists"):
        FileKeyProvider.create(path)
    assert path.read_text() == "someone else's keyring"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]


def test_create_falls_back_when_hard_links_are_unsupported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    path = tmp_path / "keyring.json"
    created = FileKeyProvider.create(path)
    assert _mode(path) == 0o600
    assert FileKeyProvider(path).load() == created
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="already exists"):
        FileKeyProvider.create(path)
    assert path.read_bytes() == before


def test_create_in_missing_directory_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="does not exist") as caught:
        FileKeyProvider.create(tmp_path / "missing" / "keyring.json")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o601, 0o610])
def test_load_refuses_group_or_other_access(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "keyring.json"
    keyring = FileKeyProvider.create(path)
    path.chmod(mode)
    with pytest.raises(KeyringError) as caught:
        FileKeyProvider(path).load()
    message = str(caught.value)
    assert "\n" not in message
    assert f"chmod 600 {path}" in message
    assert f"mode {mode:04o}" in message
    assert base64.b64encode(keyring.kek(1)).decode() not in message


def test_load_accepts_owner_only_read(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    keyring = FileKeyProvider.create(path)
    path.chmod(0o400)
    assert FileKeyProvider(path).load() == keyring


def test_load_missing_file_points_to_init(tmp_path: Path) -> None:
    with pytest.raises(KeyringError) as caught:
        FileKeyProvider(tmp_path / "keyring.json").load()
    message = str(caught.value)
    assert "hrd-cases init" in message
    assert "\n" not in message


def test_load_refuses_directories_and_garbage(tmp_path: Path) -> None:
    directory = tmp_path / "dir"
    directory.mkdir(mode=0o700)
    with pytest.raises(KeyringError, match="not a regular file"):
        FileKeyProvider(directory).load()
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\xff\xfe not json")
    garbage.chmod(0o600)
    with pytest.raises(KeyringError) as caught:
        FileKeyProvider(garbage).load()
    assert str(garbage) in str(caught.value)


def test_save_replaces_atomically_and_stays_private(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    provider = FileKeyProvider(path)
    original = FileKeyProvider.create(path)
    rotated = original.with_new_primary()
    provider.save(rotated)
    assert _mode(path) == 0o600
    assert provider.load() == rotated
    assert provider.load().versions() == (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]


def test_save_failure_keeps_previous_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keyring.json"
    original = FileKeyProvider.create(path)
    before = path.read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(KeyringError, match="cannot replace"):
        FileKeyProvider(path).save(original.with_new_primary())
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]


def test_save_refuses_an_unrelated_keyring(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    FileKeyProvider.create(path)
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="unrelated"):
        FileKeyProvider(path).save(Keyring.generate())
    assert path.read_bytes() == before


def test_save_refuses_when_current_file_is_missing_or_exposed(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    with pytest.raises(KeyringError, match="hrd-cases init"):
        FileKeyProvider(path).save(Keyring.generate())
    assert not path.exists()
    keyring = FileKeyProvider.create(path)
    path.chmod(0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        FileKeyProvider(path).save(keyring.with_new_primary())


def test_save_through_symlink_replaces_the_real_file(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    link = tmp_path / "keyring.json"
    keyring = FileKeyProvider.create(real)
    link.symlink_to(real)
    FileKeyProvider(link).save(keyring.with_new_primary())
    assert link.is_symlink()
    assert FileKeyProvider(real).load().primary == 2


def test_file_provider_describe_has_no_secrets(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    FileKeyProvider.create(path)
    provider = FileKeyProvider(path)
    assert provider.describe() == f"file {path}"
    assert isinstance(provider, KeyProvider)


def test_env_provider_loads_plain_and_base64_json() -> None:
    keyring = Keyring.generate()
    text = keyring.to_json()
    encoded = base64.b64encode(text.encode()).decode()
    wrapped = "\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    urlsafe = base64.urlsafe_b64encode(text.encode()).decode()
    for value in (text, "  " + text, encoded, wrapped + "\n", urlsafe):
        assert EnvKeyProvider(environ={"HRD_KEYRING": value}).load() == keyring
    assert EnvKeyProvider("OTHER", {"OTHER": text}).load() == keyring


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "is not set"),
        ({"HRD_KEYRING": "   "}, "empty"),
        ({"HRD_KEYRING": "%%%not-base64%%%"}, "neither"),
        ({"HRD_KEYRING": base64.b64encode(b"\xff\xfe").decode()}, "neither"),
        ({"HRD_KEYRING": '{"format": "x"}'}, "missing"),
    ],
)
def test_env_provider_errors_are_one_line(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(KeyringError, match=expected) as caught:
        EnvKeyProvider(environ=environ).load()
    assert "\n" not in str(caught.value)
    assert "HRD_KEYRING" in str(caught.value)


def test_env_provider_is_read_only() -> None:
    keyring = Keyring.generate()
    provider = EnvKeyProvider(environ={"HRD_KEYRING": keyring.to_json()})
    with pytest.raises(KeyringError, match="read-only"):
        provider.save(keyring)
    assert provider.describe() == "environment variable HRD_KEYRING"
    assert isinstance(provider, KeyProvider)


def test_env_provider_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = Keyring.generate()
    monkeypatch.setenv("HRD_KEYRING", keyring.to_json())
    assert EnvKeyProvider().load() == keyring


def test_load_provider_prefers_environment(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    from_file = FileKeyProvider.create(path)
    from_env = Keyring.generate()
    chosen = load_provider(str(path), {"HRD_KEYRING": from_env.to_json()})
    assert isinstance(chosen, EnvKeyProvider)
    assert chosen.load() == from_env
    chosen = load_provider(str(path), {})
    assert isinstance(chosen, FileKeyProvider)
    assert chosen.load() == from_file
    assert isinstance(load_provider(path, {"HRD_KEYRING": ""}), EnvKeyProvider)
    with pytest.raises(KeyringError, match="no keyring configured"):
        load_provider(None, {})
