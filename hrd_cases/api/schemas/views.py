"""Which output fields each role is shown (CTFd's schema "views"): one table, read by the
views, so that a role's field set is decided here and nowhere else.

Roles absent from a table get no such resource at all (403 before any lookup). Focal points
and protection officers read cases in their scope with the same fields the HTML case page
shows them; analysts and admins never see a case, a name or a narrative.
"""

from __future__ import annotations

from marshmallow import Schema

from hrd_cases.api.schemas.cases import CaseDetailSchema, CaseSummarySchema, DefenderMatchSchema
from hrd_cases.domain.errors import Forbidden
from hrd_cases.models import Role, User

ALL = None  # every field of the schema

CASE_SUMMARY: dict[Role, tuple[str, ...] | None] = {
    Role.FOCAL_POINT: ALL,
    Role.PROTECTION_OFFICER: ALL,
}
CASE_DETAIL: dict[Role, tuple[str, ...] | None] = {
    Role.FOCAL_POINT: ALL,
    Role.PROTECTION_OFFICER: ALL,
}
DEFENDER_MATCH: dict[Role, tuple[str, ...] | None] = {
    Role.FOCAL_POINT: ALL,
    Role.PROTECTION_OFFICER: ALL,
}


def _schema_for(
    table: dict[Role, tuple[str, ...] | None], schema: type[Schema], user: User, many: bool
) -> Schema:
    if user.role not in table:
        raise Forbidden(f"role {user.role.value} has no view of {schema.__name__}")
    return schema(only=table[user.role], many=many)


def case_summary_schema(user: User) -> Schema:
    return _schema_for(CASE_SUMMARY, CaseSummarySchema, user, many=True)


def case_detail_schema(user: User) -> Schema:
    return _schema_for(CASE_DETAIL, CaseDetailSchema, user, many=False)


def defender_match_schema(user: User) -> Schema:
    return _schema_for(DEFENDER_MATCH, DefenderMatchSchema, user, many=True)
