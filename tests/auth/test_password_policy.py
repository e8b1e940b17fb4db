"""New-password rules: each rule fires alone with its own message; good passphrases pass."""

from __future__ import annotations

import time
from importlib import resources

import pytest

from hrd_cases.auth import password_policy
from hrd_cases.auth.password_policy import (
    COMMONLY_USED_MESSAGE,
    CONTAINS_EMAIL_MESSAGE,
    CONTAINS_NAME_MESSAGE,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    SINGLE_REPEATED_CHARACTER_MESSAGE,
    TOO_LONG_MESSAGE,
    TOO_SHORT_MESSAGE,
    common_passwords,
    password_problems,
)

PASSPHRASE = "violet harbour tangent oxygen"


def raw_list_lines() -> list[str]:
    text = (
        resources.files("hrd_cases.auth")
        .joinpath("common_passwords.txt")
        .read_text(encoding="utf-8")
    )
    return text.splitlines()


def test_limits() -> None:
    assert MIN_PASSWORD_LENGTH == 12
    assert MAX_PASSWORD_LENGTH == 128


def test_all_messages_are_distinct() -> None:
    messages = [
        TOO_SHORT_MESSAGE,
        TOO_LONG_MESSAGE,
        COMMONLY_USED_MESSAGE,
        CONTAINS_EMAIL_MESSAGE,
        CONTAINS_NAME_MESSAGE,
        SINGLE_REPEATED_CHARACTER_MESSAGE,
    ]
    assert len(set(messages)) == len(messages)


def test_long_random_passphrase_passes_even_with_identity_given() -> None:
    assert (
        password_problems(PASSPHRASE, email="maria.lopez@example.org", display_name="Maria Lopez")
        == []
    )
    assert password_problems("Tq9#vLm2@xWz7!pR") == []


@pytest.mark.parametrize("length", [MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH])
def test_boundary_lengths_are_accepted(length: int) -> None:
    password = (PASSPHRASE.replace(" ", "-") * 10)[:length]
    assert password_problems(password) == []


@pytest.mark.parametrize("password", ["", "a", "Tq9#vLm2@xW"])
def test_too_short(password: str) -> None:
    assert TOO_SHORT_MESSAGE in password_problems(password)
    if len(set(password)) > 1:
        assert password_problems(password) == [TOO_SHORT_MESSAGE]


def test_too_long_is_reported_alone() -> None:
    assert password_problems("a" + PASSPHRASE * 10)[:1] == [TOO_LONG_MESSAGE]
    assert password_problems("x" * (MAX_PASSWORD_LENGTH + 1), email="x@example.org") == [
        TOO_LONG_MESSAGE
    ]


def test_huge_password_is_refused_quickly_before_any_other_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def must_not_be_reached() -> frozenset[str]:
        raise AssertionError("the block-list was consulted for an over-long password")

    monkeypatch.setattr(password_policy, "common_passwords", must_not_be_reached)
    started = time.perf_counter()
    problems = password_problems("Ab1!" * 2_500, email="maria@example.org", display_name="Maria")
    elapsed = time.perf_counter() - started
    assert problems == [TOO_LONG_MESSAGE]
    assert elapsed < 0.05


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "PASSWORD1234",
        "PaSsWoRd1234",
        "123456789012",
        "QwertyUiop123",
        "iloveyou1234",
        "PasswordPassword",
        "changemechangeme",
        "Welcome12345",
        "Administrator",
        "Summer2024!!",
        "1qaz2wsx3edc",
    ],
)
def test_common_passwords_are_refused_in_any_case(password: str) -> None:
    assert password_problems(password) == [COMMONLY_USED_MESSAGE]


def test_every_list_entry_is_refused_upper_cased() -> None:
    for entry in sorted(common_passwords()):
        assert COMMONLY_USED_MESSAGE in password_problems(entry.upper()), entry


def test_shipped_list_is_large_long_and_lower_case() -> None:
    lines = raw_list_lines()
    assert len(lines) >= 300
    assert len(set(lines)) == len(lines)
    for line in lines:
        assert len(line) >= MIN_PASSWORD_LENGTH, line
        assert line == line.lower() == line.strip(), line
    assert common_passwords() == frozenset(lines)


def test_list_is_loaded_once() -> None:
    assert common_passwords() is common_passwords()


@pytest.mark.parametrize(
    ("password", "email"),
    [
        ("mariadelcarmen", "mariadelcarmen@example.org"),  # equal to the local part
        ("MariaDelCarmen", "mariadelcarmen@example.org"),
        ("ocean-MARIADELCARMEN-ridge", "mariadelcarmen@example.org"),
        ("my-name-is-lopez-really", "maria.lopez@example.org"),  # a piece of the local part
        ("riverstone-alias-orchard", "riverstone+hrd@example.org"),
    ],
)
def test_password_containing_email_local_part_is_refused(password: str, email: str) -> None:
    assert password_problems(password, email=email) == [CONTAINS_EMAIL_MESSAGE]


def test_short_email_local_parts_are_not_held_against_the_user() -> None:
    assert password_problems("ana-river-mountain-sky", email="ana@example.org") == []
    assert password_problems("ana-river-mountain-sky", email="a.na@example.org") == []


@pytest.mark.parametrize(
    ("password", "display_name"),
    [
        ("Maria Lopez!", "Maria Lopez"),  # the name itself
        ("marialopez-garden!", "Maria Lopez"),
        ("lopez-family-garden", "Maria Lopez"),
        ("best-aunt-MARIA-ever", "Maria Lopez"),
        ("  Mbeki!  ocean  table  ", "Thabo Mbeki"),
    ],
)
def test_password_containing_display_name_is_refused(password: str, display_name: str) -> None:
    assert password_problems(password, display_name=display_name) == [CONTAINS_NAME_MESSAGE]


def test_short_name_parts_are_not_held_against_the_user() -> None:
    assert password_problems("the-li-river-mountain", display_name="Li Wu") == []


@pytest.mark.parametrize(
    "password", ["zzzzzzzzzzzzzz", "              ", "!" * MAX_PASSWORD_LENGTH]
)
def test_single_repeated_character_is_refused(password: str) -> None:
    assert password_problems(password) == [SINGLE_REPEATED_CHARACTER_MESSAGE]


def test_several_problems_are_all_reported() -> None:
    problems = password_problems("maria", email="maria@example.org", display_name="Maria")
    assert problems == [TOO_SHORT_MESSAGE, CONTAINS_EMAIL_MESSAGE, CONTAINS_NAME_MESSAGE]
