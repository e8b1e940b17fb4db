"""Finds English left outside gettext in the templates (issue 21, acceptance 1).

Each template is lexed by Jinja itself: its literal text (what is neither an expression, a
tag nor a comment, and not inside ``{% trans %}``) is put back together with a placeholder
for every ``{{ ... }}``, then read as HTML. A text node, or a user-facing attribute (``alt``,
``title``, ``placeholder``, ``aria-label``, ...), that still holds a word is English nobody
will translate. String literals inside expressions that read as prose (two words or more,
starting with a capital) are reported too unless gettext wraps them.

What may stay as it is: ALLOWED_WORDS, the product's name and codes that are the same in
every language (documented in docs/translating.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import i18n

from hrd_cases.i18n.catalogues import PACKAGE_DIR

TEMPLATE_DIRS = (
    PACKAGE_DIR / "web" / "templates",
    PACKAGE_DIR / "api" / "templates",
    PACKAGE_DIR / "notify" / "templates",
)
# Words that are the same in every interface language: the product's name, standard codes
# and format names. Keep this list short: everything else goes through gettext.
ALLOWED_WORDS: frozenset[str] = frozenset(
    {
        "hrd_cases",
        "API",
        "JSON",
        "CSV",
        "XLSX",
        "HTML",
        "DOCX",
        "PDF",
        "ICS",
        "UTC",
        "EUR",
        "TOTP",
        "OIDC",
        "WebAuthn",
        "OpenAPI",
        "ID",
        "ISO",
    }
)
# Templates not wrapped yet: issue 21 works through this list, which may only shrink
# (tests/i18n/test_catalogues.py fails when a listed template holds no English any more).
# A new template never goes here.
NOT_YET_WRAPPED: frozenset[str] = frozenset(
    {
        "api/templates/api_docs/page.html",
        "web/templates/_macros.html",
        "web/templates/account/_token_table.html",
        "web/templates/account/token_created.html",
        "web/templates/account/tokens.html",
        "web/templates/admin/_status.html",
        "web/templates/admin/account.html",
        "web/templates/admin/accounts.html",
        "web/templates/admin/confirm.html",
        "web/templates/admin/invite.html",
        "web/templates/admin/link_issued.html",
        "web/templates/admin/template.html",
        "web/templates/admin/templates.html",
        "web/templates/admin/tokens.html",
        "web/templates/audit/case_access.html",
        "web/templates/audit/viewer.html",
        "web/templates/auth/_key_ceremony.html",
        "web/templates/auth/account_security.html",
        "web/templates/auth/change_password.html",
        "web/templates/auth/enrol.html",
        "web/templates/auth/forgot.html",
        "web/templates/auth/link_refused.html",
        "web/templates/auth/login.html",
        "web/templates/auth/oidc_failed.html",
        "web/templates/auth/recovery_codes.html",
        "web/templates/auth/second_factor.html",
        "web/templates/auth/security_key.html",
        "web/templates/auth/set_password.html",
        "web/templates/calendar.html",
        "web/templates/calendar_privacy.html",
        "web/templates/cases/detail.html",
        "web/templates/cases/list.html",
        "web/templates/cases/new.html",
        "web/templates/errors/error.html",
        "web/templates/exports.html",
        "web/templates/home.html",
        "web/templates/home/admin.html",
        "web/templates/home/analyst.html",
        "web/templates/home/auditor.html",
        "web/templates/notifications.html",
    }
)


GETTEXT_CALLS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
USER_FACING_ATTRIBUTES = frozenset(
    {"alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
)
# Elements whose content is not prose for a reader.
NOT_PROSE = frozenset({"script", "style", "code", "pre", "kbd", "samp"})
PLACEHOLDER = "\x00"
_WORD = re.compile(r"[^\W\d_][\w'\u2019.-]*", re.UNICODE)
_PROSE_LITERAL = re.compile(r"^[A-Z][a-z]+[,;:]?\s+\S+")


@dataclass(frozen=True)
class Untranslated:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text.replace(PLACEHOLDER, '{{ }}')!r}"


# An attribute written by a macro or a conditional outside its tag (aria-invalid="true").
_ATTRIBUTE_FRAGMENT = re.compile(r"""([\w:-]+)=("[^"]*"?|'[^']*'?)""")


def english_words(text: str) -> list[str]:
    """The words of ``text`` that are not allowed as they are. A chunk glued to an output
    (``{{ f.id }}-hint``) is an identifier being built, not prose."""
    chunks = [c for c in text.split() if PLACEHOLDER not in c]
    return [w for w in _WORD.findall(" ".join(chunks)) if w not in ALLOWED_WORDS]


def _prose_of_text_node(text: str) -> tuple[list[str], list[str]]:
    """(English words, user-facing attribute values) of a text node, once attribute
    fragments composed outside their tag are taken out."""
    values = [
        value.strip("\"'")
        for attribute, value in _ATTRIBUTE_FRAGMENT.findall(text)
        if attribute in USER_FACING_ATTRIBUTES
    ]
    return english_words(_ATTRIBUTE_FRAGMENT.sub(" ", text)), values


def scan_templates(directories: tuple[Path, ...] = TEMPLATE_DIRS) -> list[Untranslated]:
    found: list[Untranslated] = []
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if path.suffix in {".html", ".txt"} and path.is_file():
                name = str(path.relative_to(PACKAGE_DIR))
                found.extend(scan_source(path.read_text(encoding="utf-8"), name))
    return found


def scan_source(source: str, name: str) -> list[Untranslated]:
    pieces: list[tuple[int, str]] = []
    found: list[Untranslated] = []
    for line, text in _literal_text(source, name, found):
        pieces.append((line, text))
    if name.endswith(".txt"):
        for line, text in pieces:
            if english_words(text):
                found.append(Untranslated(name, line, text.strip()))
    else:
        parser = _TextNodes(name, pieces)
        found.extend(parser.run())
    return sorted(found, key=lambda u: u.line)


def _literal_text(source: str, name: str, found: list[Untranslated]) -> Iterator[tuple[int, str]]:
    """(line, text) for each piece of literal template text, a placeholder for each output.
    Prose-like string literals in expressions that no gettext call wraps go to ``found``."""
    environment = Environment(extensions=[i18n], autoescape=True)
    tokens = list(environment.lex(source, name=name))
    in_trans = False
    tag_starts = False  # the previous token opened a {% ... %} tag
    for index, (line, kind, value) in enumerate(tokens):
        if tag_starts and kind == "name":
            if value == "trans":
                in_trans = True
            elif value == "endtrans":
                in_trans = False
        tag_starts = kind == "block_begin" or (tag_starts and kind == "whitespace")
        if in_trans:
            continue
        if kind == "data":
            yield line, value
        elif kind == "variable_begin":
            yield line, PLACEHOLDER
        elif (
            kind == "string"
            and _PROSE_LITERAL.match(value[1:-1])
            and not _wrapped_by_gettext(tokens, index)
        ):
            found.append(Untranslated(name, line, value))


def _wrapped_by_gettext(tokens: list[tuple[int, str, str]], index: int) -> bool:
    """Whether the string at ``index`` is the first argument of ``_(...)`` and friends."""
    before = [t for t in tokens[max(0, index - 3) : index] if t[1] != "whitespace"]
    return (
        len(before) >= 2
        and before[-1][1] == "operator"
        and before[-1][2] == "("
        and before[-2][1] == "name"
        and before[-2][2] in GETTEXT_CALLS
    )


class _TextNodes(HTMLParser):
    def __init__(self, name: str, pieces: list[tuple[int, str]]) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.found: list[Untranslated] = []
        self.open: list[str] = []
        # Newlines are added where tags and comments were taken out, so that the parser's
        # line numbers are the template's.
        text: list[str] = []
        lines = 1
        for line, piece in pieces:
            if line > lines:
                text.append("\n" * (line - lines))
                lines = line
            text.append(piece)
            lines += piece.count("\n")
        self.source = "".join(text)

    @property
    def line(self) -> int:
        return self.getpos()[0]

    def run(self) -> list[Untranslated]:
        self.feed(self.source)
        self.close()
        return self.found

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for attribute, value in attrs:
            if attribute in USER_FACING_ATTRIBUTES and value and english_words(value):
                self.found.append(Untranslated(self.name, self.line, f"{attribute}={value!r}"))
            if (
                tag == "input"
                and attribute == "value"
                and dict(attrs).get("type") in ("submit", "button", "reset")
                and value
                and english_words(value)
            ):
                self.found.append(Untranslated(self.name, self.line, f"value={value!r}"))
        if tag not in ("br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if NOT_PROSE & set(self.open):
            return
        words, attribute_values = _prose_of_text_node(data)
        if words or any(english_words(value) for value in attribute_values):
            self.found.append(Untranslated(self.name, self.line, " ".join(data.split())))
