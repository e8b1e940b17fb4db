"""The input policy on its own: every rule refuses what it should and keeps what it should."""

from __future__ import annotations

import re
import unicodedata

import pytest

from hrd_cases.domain import text_input
from hrd_cases.domain.text_input import (
    FIELD_RULES,
    FieldRule,
    TextKind,
    TextRejected,
    clean_record_fields,
    clean_text,
)

NAME = FIELD_RULES[("defenders", "name")]
LINE = FIELD_RULES[("hearings", "court")]
MULTI = FIELD_RULES[("cases", "narrative")]


@pytest.mark.parametrize("rule", [NAME, LINE, MULTI])
@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f"])
def test_controls_are_refused_everywhere(rule: FieldRule, char: str) -> None:
    with pytest.raises(TextRejected):
        clean_text(f"Amina{char}Diallo", rule)


@pytest.mark.parametrize("char", ["\n", "\t"])
def test_newline_and_tab_only_in_multiline_fields(char: str) -> None:
    assert clean_text(f"one{char}two", MULTI) == f"one{char}two"
    for rule in (NAME, LINE):
        with pytest.raises(TextRejected, match="single line"):
            clean_text(f"one{char}two", rule)


def test_browser_line_endings_become_lf() -> None:
    assert clean_text("one\r\ntwo\rthree", MULTI) == "one\ntwo\nthree"


@pytest.mark.parametrize("rule", [NAME, LINE, MULTI])
@pytest.mark.parametrize("bad", ["\ud800", "x\udfffy", "\ufffd"])
def test_undecodable_text_is_refused(rule: FieldRule, bad: str) -> None:
    with pytest.raises(TextRejected, match="valid Unicode"):
        clean_text(bad, rule)


@pytest.mark.parametrize(
    "char",
    ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"],
)
def test_bidi_controls_refused_in_single_line_fields_only(char: str) -> None:
    for rule in (NAME, LINE):
        with pytest.raises(TextRejected, match="bidirectional"):
            clean_text(f"abc{char}fed", rule)
    assert clean_text(f"abc{char}fed", MULTI) == f"abc{char}fed"


@pytest.mark.parametrize("name", ["\u200b", "\u200b\u200c\u200d", "\u00ad\u2060", "123", "-"])
def test_a_name_needs_a_letter(name: str) -> None:
    with pytest.raises(TextRejected, match="letter"):
        clean_text(name, NAME)
    # Other single-line fields may hold digits only (a date of birth, a postcode).
    if not any(unicodedata.category(c) == "Cf" for c in name):
        assert clean_text(name, LINE) == name


@pytest.mark.parametrize("name", ["李小龙", "Ngũgĩ wa Thiong'o", "محمد", "O'Neil-Gómez"])
def test_real_names_in_any_script_pass(name: str) -> None:
    assert clean_text(name, NAME) == unicodedata.normalize("NFC", name)


def test_nfc_makes_composed_and_decomposed_equal() -> None:
    composed, decomposed = "Jos\u00e9", "Jose\u0301"
    assert composed != decomposed
    assert clean_text(decomposed, NAME) == clean_text(composed, NAME) == composed


def test_lengths_count_characters_after_normalisation() -> None:
    rule = FieldRule(TextKind.LINE, 5)
    assert clean_text("é" * 5, rule) == "é" * 5  # 10 UTF-8 bytes, 5 characters
    assert clean_text("e\u0301" * 5, rule) == "é" * 5  # 10 code points before NFC
    with pytest.raises(TextRejected, match="At most 5 characters"):
        clean_text("é" * 6, rule)


def test_record_fields_name_the_refused_field_and_keep_none() -> None:
    assert clean_record_fields("defenders", {"name": "Jose\u0301", "location": None}) == {
        "name": "José",
        "location": None,
    }
    with pytest.raises(TextRejected) as refused:
        clean_record_fields("defenders", {"name": "Ana", "location": "Lomé\x00"})
    assert refused.value.field == "location"
    assert "\x00" not in str(refused.value) and "Lom" not in str(refused.value)


def test_patterns_agree_with_the_code() -> None:
    """The OpenAPI patterns refuse what the code refuses (for what a pattern can express)."""
    single = re.compile(text_input.SINGLE_LINE_PATTERN)
    multi = re.compile(text_input.MULTILINE_PATTERN)
    samples = ["plain", "a\x00b", "a\nb", "a\tb", "a\r\nb", "a\u202eb", "a\x85b", "a\ufffdb"]
    for sample in samples:
        assert bool(single.match(sample)) == (text_input.check_text(sample, LINE) is None), sample
        assert bool(multi.match(sample)) == (text_input.check_text(sample, MULTI) is None), sample
