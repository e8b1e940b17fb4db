"""The auth primitives stay pure: no web framework, database or logging imports."""

from __future__ import annotations

import ast
from importlib import resources

import pytest

PURE_MODULES = ["totp.py", "recovery.py", "password_policy.py", "qrcode_svg.py"]
FORBIDDEN_TOP_LEVEL = {"flask", "flask_login", "flask_wtf", "sqlalchemy", "alembic", "logging"}


@pytest.mark.parametrize("module_file", PURE_MODULES)
def test_module_imports_nothing_impure(module_file: str) -> None:
    source = resources.files("hrd_cases.auth").joinpath(module_file).read_text(encoding="utf-8")
    imported: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN_TOP_LEVEL
    assert "hrd_cases" not in imported  # not even the app's own modules
