"""The gettext catalogue workflow behind ``hrd-cases i18n`` (issue 21), on Babel's own
extraction, PO and MO code: what ``pybabel extract|update|init|compile`` do, with the output
fixed so that parallel branches merge catalogues without conflicts.

- no source locations (``--no-location``) and messages sorted by id (``--sort-output``): two
  branches that add different strings touch different lines;
- fixed header dates: a run that changes no message changes no byte;
- obsolete messages dropped rather than kept as ``#~`` blocks.

Compiled catalogues (``.mo``) are built beside each ``.po`` at install and at start-up, never
committed. English is the source language: it has no catalogue.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from hrd_cases.domain.languages import DEFAULT_LANGUAGE, LANGUAGE_CODES

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
DOMAIN = "messages"
PROJECT = "hrd_cases"
# A constant instead of "now": re-extracting the same messages writes the same bytes.
FIXED_DATE = datetime(2026, 11, 29, tzinfo=UTC)
# A translator's comment that says an identical translation is deliberate ("Date" in French).
SAME_AS_ENGLISH = "same as English"

# Which files hold messages, and how to read them (paths relative to the package).
METHOD_MAP: list[tuple[str, str]] = [
    ("translations/**", "ignore"),
    ("web/static/**", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**/templates/**.txt", "jinja2.ext:babel_extract"),
]
# The gettext functions of Flask-Babel and the standard library: name -> argument positions.
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)


def translated_languages() -> tuple[str, ...]:
    """Every interface language but the source language."""
    return tuple(code for code in LANGUAGE_CODES if code != DEFAULT_LANGUAGE.value)


def template_path(directory: Path = TRANSLATIONS_DIR) -> Path:
    return directory / f"{DOMAIN}.pot"


def catalogue_path(language: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def compiled_path(language: str, directory: Path = TRANSLATIONS_DIR) -> Path:
    return catalogue_path(language, directory).with_suffix(".mo")


# Extract -----------------------------------------------------------------------------------
def extract_messages(source_dir: Path = PACKAGE_DIR) -> Catalog:
    """Every message the code and templates pass through gettext, as a template catalogue."""
    template = _new_catalogue(locale=None)
    for _filename, _lineno, message, comments, context in extract_from_dir(
        str(source_dir),
        method_map=METHOD_MAP,
        options_map={},
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        template.add(message, None, auto_comments=comments, context=context)
    return template


def write_template(template: Catalog, directory: Path = TRANSLATIONS_DIR) -> Path:
    path = template_path(directory)
    _write_catalogue(template, path)
    return path


def read_catalogue(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


# Update and init ---------------------------------------------------------------------------
def update_catalogue(language: str, template: Catalog, directory: Path = TRANSLATIONS_DIR) -> Path:
    """Brings one language's catalogue in line with the template: new messages appear
    untranslated (or fuzzy, with a near match's translation as a hint), gone ones are
    dropped."""
    path = catalogue_path(language, directory)
    catalogue = read_catalogue(path, language)
    catalogue.update(template, no_fuzzy_matching=False, update_header_comment=False)
    _write_catalogue(catalogue, path)
    return path


def init_catalogue(language: str, template: Catalog, directory: Path = TRANSLATIONS_DIR) -> Path:
    """A new language's catalogue, every message untranslated, with its plural rule."""
    path = catalogue_path(language, directory)
    if path.exists():
        raise FileExistsError(f"{path} exists already: use update")
    catalogue = _new_catalogue(locale=language)
    catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_catalogue(catalogue, path)
    return path


def _new_catalogue(locale: str | None) -> Catalog:
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        project=PROJECT,
        version=None,
        msgid_bugs_address=None,
        creation_date=FIXED_DATE,
        revision_date=FIXED_DATE,
        language_team=None,
        fuzzy=False,
    )


def _write_catalogue(catalogue: Catalog, path: Path) -> None:
    catalogue.creation_date = FIXED_DATE
    catalogue.revision_date = FIXED_DATE
    catalogue.fuzzy = False  # the header's fuzzy flag: we never ship a "fuzzy" catalogue
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalogue,
        no_location=True,
        sort_output=True,
        ignore_obsolete=True,
        include_previous=False,
        width=100,
    )
    _replace_atomically(path, buffer.getvalue())


# Compile -----------------------------------------------------------------------------------
def compile_catalogues(
    directory: Path = TRANSLATIONS_DIR, *, only_stale: bool = False
) -> list[Path]:
    """Writes each language's ``.mo`` beside its ``.po`` (atomically, so a running process
    never reads half a file). ``only_stale`` skips those already newer than their source.
    Fuzzy entries are left out: a guess is never shown as a translation."""
    written: list[Path] = []
    for language in translated_languages():
        source = catalogue_path(language, directory)
        if not source.exists():
            continue
        target = compiled_path(language, directory)
        if only_stale and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        buffer = io.BytesIO()
        write_mo(buffer, read_catalogue(source, language), use_fuzzy=False)
        _replace_atomically(target, buffer.getvalue())
        written.append(target)
    return written


def _replace_atomically(path: Path, content: bytes) -> None:
    if path.exists() and path.read_bytes() == content:
        return  # unchanged: keep the mtime, so nothing looks stale
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Check -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One reason the catalogues cannot ship; ``where`` names the file or the language."""

    where: str
    message_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}: {self.message_id!r}"


def _key(message: Message) -> tuple[str, str | None]:
    ident = message.id[0] if isinstance(message.id, tuple | list) else message.id
    return str(ident), message.context


def _translations(message: Message) -> list[str]:
    if isinstance(message.string, tuple | list):
        return [str(s) for s in message.string]
    return [str(message.string or "")]


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def check_catalogues(
    template: Catalog, directory: Path = TRANSLATIONS_DIR, languages: Iterable[str] | None = None
) -> list[Problem]:
    """Everything that stops the catalogues from being complete for the code as it is:
    a stale template, a language missing a message, a fuzzy or empty translation, a wrong
    number of plural forms, placeholders that differ from the English, an identical
    "translation" nobody marked as deliberate, or a message the code no longer has."""
    problems: list[Problem] = []
    wanted = {_key(m): m for m in template if m.id}
    pot = template_path(directory)
    if not pot.exists():
        problems.append(Problem(pot.name, "", "missing: run hrd-cases i18n update"))
    else:
        committed = {_key(m) for m in read_catalogue(pot) if m.id}
        for key in sorted(set(wanted) - committed, key=str):
            problems.append(Problem(pot.name, key[0], "not extracted: run hrd-cases i18n update"))
        for key in sorted(committed - set(wanted), key=str):
            problems.append(Problem(pot.name, key[0], "no longer in the code: run update"))
    for language in languages if languages is not None else translated_languages():
        problems.extend(_check_language(language, wanted, directory))
    return problems


def _check_language(
    language: str, wanted: dict[tuple[str, str | None], Message], directory: Path
) -> Iterator[Problem]:
    path = catalogue_path(language, directory)
    if not path.exists():
        yield Problem(language, "", f"no catalogue: run hrd-cases i18n init {language}")
        return
    catalogue = read_catalogue(path, language)
    have = {_key(m): m for m in catalogue if m.id}
    for key, source in sorted(wanted.items(), key=lambda item: str(item[0])):
        entry = have.get(key)
        if entry is None:
            yield Problem(language, key[0], "missing: run hrd-cases i18n update")
            continue
        if entry.fuzzy:
            yield Problem(language, key[0], "fuzzy: check the translation, then remove the flag")
            continue
        forms = _translations(entry)
        if source.pluralizable and len(forms) != catalogue.num_plurals:
            yield Problem(
                language, key[0], f"needs {catalogue.num_plurals} plural forms, has {len(forms)}"
            )
            continue
        if any(not form.strip() for form in forms):
            yield Problem(language, key[0], "not translated")
            continue
        english = [str(i) for i in source.id] if source.pluralizable else [str(source.id)]
        deliberate = any(SAME_AS_ENGLISH in comment for comment in entry.user_comments)
        if forms[0] == english[0] and _LETTERS.search(forms[0]) and not deliberate:
            yield Problem(
                language,
                key[0],
                f"left in English (if deliberate, add the comment '# {SAME_AS_ENGLISH}')",
            )
    for key in sorted(set(have) - set(wanted), key=str):
        yield Problem(language, key[0], "no longer in the code: run hrd-cases i18n update")
    for message, errors in catalogue.check():
        for error in errors:
            yield Problem(language, _key(message)[0], f"placeholders: {error}")
