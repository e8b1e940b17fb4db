"""Every API operation is declared once, with its schemas: the decorator registers the Flask
route and records what the OpenAPI document says about it, so the two cannot drift apart."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from marshmallow import Schema

_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+):)?(?P<name>[a-z_]+)>")
# Integer identifiers are row ids (a PostgreSQL integer): the route matches exactly the range
# the document declares, so any other number is a 404 before the view runs (and never reaches
# the database, where a larger one would overflow SQLite's integer).
ROW_ID_MIN = 1
ROW_ID_MAX = 2**31 - 1
_ROW_ID_CONVERTER = f"<int(min={ROW_ID_MIN}, max={ROW_ID_MAX}):"


@dataclass(frozen=True, slots=True)
class Operation:
    rule: str  # Flask rule under the blueprint, e.g. "/cases/<reference>"
    method: str
    endpoint: str
    summary: str
    tag: str
    roles: tuple[str, ...]  # roles allowed (documentation; permissions decide)
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    refusals: tuple[int, ...] = ()  # extra documented failures, e.g. 409
    content_types: tuple[str, ...] = ("application/json",)
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def openapi_path(self) -> str:
        return _CONVERTER.sub(lambda m: "{" + m.group("name") + "}", self.rule)

    def path_parameters(self) -> list[tuple[str, str | None]]:
        return [(m.group("name"), m.group("converter")) for m in _CONVERTER.finditer(self.rule)]


OPERATIONS: list[Operation] = []


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    tag: str,
    roles: tuple[str, ...],
    **options: Any,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``view`` on ``bp`` for ``method rule`` and document it."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = view.__name__
        bp.add_url_rule(
            rule.replace("<int:", _ROW_ID_CONVERTER),
            endpoint=endpoint,
            view_func=view,
            methods=[method],
        )
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method,
                endpoint=f"{bp.name}.{endpoint}",
                summary=summary,
                tag=tag,
                roles=roles,
                description=inspect.cleandoc(view.__doc__ or ""),
                **options,
            )
        )
        return view

    return decorate
