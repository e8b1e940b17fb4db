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
GETTEXT_CALLS = frozenset({"_", "gettext", "ngettext", "pgettext", "npgettext"})
USER_FACING_ATTRIBUTES = frozenset(
    {"alt", "title", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
)
# Elements whose content is not prose for a reader.
NOT_PROSE = frozenset({"script", "style", "code", "pre", "kbd", "samp"})
PLACEHOLDER = "\x00"
_WORD = re.compile(r"[^\W\d_][\w'\u2019.-]*", re.UNICODE)
_IDENTIFIER = re.compile(r"[a-z0-9]+([_-][a-z0-9]+)+")  # a CSS class or a code
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
            and (_PROSE_LITERAL.match(value[1:-1]) or _shown_as_is(tokens, index))
            and not _wrapped_by_gettext(tokens, index)
        ):
            found.append(Untranslated(name, line, value))


def _shown_as_is(tokens: list[tuple[int, str, str]], index: int) -> bool:
    """A word chosen by a condition and printed: ``"yes" if x else "no"``, ``x or "none"``."""
    text = tokens[index][2][1:-1]
    if not _WORD.search(text) or _IDENTIFIER.fullmatch(text):
        return False
    around = [t for t in tokens[max(0, index - 2) : index + 3] if t[1] != "whitespace"]
    position = around.index(tokens[index])
    before = around[position - 1] if position else None
    after = around[position + 1] if position + 1 < len(around) else None
    if after is not None and (
        (after[1] == "name" and after[2] in ("in", "not")) or after[2] in ("==", "!=")
    ):
        return False  # compared, not shown
    return (after is not None and after[1] == "name" and after[2] == "if") or (
        before is not None and before[1] == "name" and before[2] in ("else", "or")
    )


def _wrapped_by_gettext(tokens: list[tuple[int, str, str]], index: int) -> bool:
    """Whether the string at ``index`` is one of the leading string arguments of ``_(...)``,
    ``ngettext(...)`` and friends (the singular, the plural, a context)."""
    position = index - 1
    while position >= 0 and (
        tokens[position][1] in ("whitespace", "string")
        or (tokens[position][1] == "operator" and tokens[position][2] == ",")
    ):
        position -= 1
    return (
        position >= 1
        and tokens[position][1] == "operator"
        and tokens[position][2] == "("
        and tokens[position - 1][1] == "name"
        and tokens[position - 1][2] in GETTEXT_CALLS
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
