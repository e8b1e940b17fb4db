"""Every message of the export catalogue, found the way ``pybabel extract`` finds them: the
string literals passed to ``tr`` (second argument) or ``t`` (first argument) in
``hrd_cases/exports``, plus the message tables (labels, titles, phrases, method, definitions,
sentences, guidance) and the region names."""

from __future__ import annotations

import ast
from pathlib import Path

import hrd_cases.exports as exports_package
from hrd_cases.exports import definitions, texts
from hrd_cases.exports.annual import ANNUAL_TITLE
from hrd_cases.exports.regions import UNASSIGNED, regions_from
from hrd_cases.exports.report import TITLE
from hrd_cases.settings import CONFIG_DIR


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages() -> set[str]:
    found: set[str] = set()
    for path in Path(exports_package.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"tr": 1, "t": 0}.get(name or "")
            if position is not None and len(node.args) > position:
                text = _literal(node.args[position])
                if text is not None:
                    found.add(text)
    for table in definitions.TABLES:
        found.update((table.title, table.unit, table.definition))
        found.update(column.label for column in table.columns)
    found.update(m.label for m in definitions.HEADLINE_MEASURES)
    found.update(definitions.PHRASES.values())
    found.update(definitions.METHOD)
    for term, text in definitions.DEFINITIONS:
        found.update((term, text))
    for sentences in texts.TOTAL_SENTENCES.values():
        found.update(sentences)
    found.update(texts.SUPPRESSED_GUIDANCE)
    found.add(TITLE)
    found.add(ANNUAL_TITLE)
    found.add(UNASSIGNED)
    for name in ("eeas.yaml", "un_m49.yaml"):
        found.update(regions_from(str(CONFIG_DIR / "regions" / name)).regions)
    return found
