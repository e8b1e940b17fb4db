"""Which roles are shown case output at all (CTFd's schema "views"), decided here and nowhere
else. Roles outside the set get no such resource (403 before any lookup): analysts and admins
never see a case, a name or a narrative. Focal points and protection officers read cases in their
scope with the same fields the HTML case page shows them, so every field of the schema.
"""

from __future__ import annotations

from marshmallow import Schema

from hrd_cases.api.schemas.cases import (
    CaseDetailSchema,
    CaseListItemSchema,
    CaseSummarySchema,
    DefenderMatchSchema,
)
from hrd_cases.domain.errors import Forbidden
from hrd_cases.models import Role, User

CASE_READERS: frozenset[Role] = frozenset({Role.FOCAL_POINT, Role.PROTECTION_OFFICER})


def _schema_for(schema: type[Schema], user: User, many: bool) -> Schema:
    if user.role not in CASE_READERS:
        raise Forbidden(f"role {user.role.value} has no view of {schema.__name__}")
    return schema(many=many)


def case_summary_schema(user: User) -> Schema:
    return _schema_for(CaseSummarySchema, user, many=True)


def case_list_schema(user: User) -> Schema:
    return _schema_for(CaseListItemSchema, user, many=True)


def case_detail_schema(user: User) -> Schema:
    return _schema_for(CaseDetailSchema, user, many=False)


def defender_match_schema(user: User) -> Schema:
    return _schema_for(DefenderMatchSchema, user, many=True)


def case_readers_only(user: User) -> None:
    """Output that is case content without a schema of its own here (history, notes)."""
    if user.role not in CASE_READERS:
        raise Forbidden(f"role {user.role.value} has no view of case content")
