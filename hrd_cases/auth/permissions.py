"""Who may do what: role -> permissions, and the one object-scope check for cases.

Every HTML and API route that touches a case goes through :func:`case_for` (or filters with
:func:`case_scope`), so scope is decided here and nowhere else. A case outside the user's scope
is reported exactly like an absent one: its existence is not revealed.
"""

from __future__ import annotations

import enum

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from hrd_cases.domain.errors import Forbidden, NotFound
from hrd_cases.models import Case, CaseDefender, Role, User, UserCountry


class Permission(enum.StrEnum):
    CASE_READ = "case.read"  # includes decrypted content of cases in scope
    CASE_CREATE = "case.create"
    CASE_UPDATE = "case.update"
    # Reassign a case to another focal point of its delegation. Any focal point of the
    # delegation may: its focal points share the caseload and cover each other's absences.
    CASE_ASSIGN = "case.assign"
    REFERRAL_REQUEST = "referral.request"
    REFERRAL_DECIDE = "referral.decide"
    HEARING_MANAGE = "hearing.manage"
    STATEMENT_DRAFT = "statement.draft"
    STATEMENT_DECIDE = "statement.decide"
    CONSENT_RECORD = "consent.record"
    CASE_CLOSE = "case.close"
    DEFENDER_ERASE = "defender.erase"
    EXPORT_AGGREGATES = "export.aggregates"
    ADMIN_USERS = "admin.users"
    ADMIN_DELEGATIONS = "admin.delegations"
    ADMIN_TEMPLATES = "admin.templates"
    STRATEGY_READ = "strategy.read"
    AUDIT_READ = "audit.read"  # the audit log viewer and its export (no case content)
    AUDIT_VERIFY = "audit.verify"  # walk the whole hash chain on demand
    CASE_ACCESS_ANY = "case_access.any"  # who accessed any case, by reference, without content


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.FOCAL_POINT: frozenset(
        {
            Permission.CASE_READ,
            Permission.CASE_CREATE,
            Permission.CASE_UPDATE,
            Permission.CASE_ASSIGN,
            Permission.REFERRAL_REQUEST,
            Permission.HEARING_MANAGE,
            Permission.STATEMENT_DRAFT,
            Permission.CONSENT_RECORD,
            Permission.CASE_CLOSE,
            Permission.DEFENDER_ERASE,
            Permission.STRATEGY_READ,
        }
    ),
    Role.PROTECTION_OFFICER: frozenset(
        {
            Permission.CASE_READ,
            Permission.REFERRAL_DECIDE,
            Permission.STATEMENT_DECIDE,
            Permission.STRATEGY_READ,
        }
    ),
    # Counts only: never a name, never a narrative, no case route at all.
    Role.ANALYST: frozenset({Permission.EXPORT_AGGREGATES, Permission.STRATEGY_READ}),
    # Runs the system; cannot read case content.
    Role.ADMIN: frozenset(
        {
            Permission.ADMIN_USERS,
            Permission.ADMIN_DELEGATIONS,
            Permission.ADMIN_TEMPLATES,
            Permission.STRATEGY_READ,
            Permission.AUDIT_READ,
            Permission.AUDIT_VERIFY,
        }
    ),
    # Oversight and data-protection requests: read-only, and never case content.
    Role.AUDITOR: frozenset(
        {Permission.AUDIT_READ, Permission.AUDIT_VERIFY, Permission.CASE_ACCESS_ANY}
    ),
}


def has_permission(user: User, permission: Permission) -> bool:
    return user.is_active and permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require(user: User, permission: Permission) -> None:
    if not has_permission(user, permission):
        raise Forbidden(f"role {user.role.value} lacks {permission.value}")


def case_scope(user: User) -> ColumnElement[bool]:
    """SQL condition selecting the cases ``user`` may see (false for roles without cases)."""
    if not has_permission(user, Permission.CASE_READ):
        return false()
    if user.role is Role.FOCAL_POINT:
        if user.delegation_id is None:
            return false()
        return Case.delegation_id == user.delegation_id
    if user.role is Role.PROTECTION_OFFICER:
        covered = select(UserCountry.country).where(UserCountry.user_id == user.id)
        return Case.country.in_(covered.scalar_subquery())
    return false()


def scope_countries(user: User) -> list[str] | None:
    """The countries whose cases make up the user's whole scope (an officer's covered
    countries), or None when the scope is not a set of countries. Lets a query work country
    by country (one index range each); it still filters with :func:`case_scope`."""
    if user.role is Role.PROTECTION_OFFICER and has_permission(user, Permission.CASE_READ):
        return sorted({c.country for c in user.covered_countries})
    return None


def visible_defender_ids(user: User):
    """Subquery of defender ids on cases in scope (restricts name search before decryption)."""
    return select(CaseDefender.defender_id).join(Case).where(case_scope(user))


def case_for(
    session: Session,
    user: User,
    reference: str,
    permission: Permission = Permission.CASE_READ,
    *,
    lock: bool = False,
) -> Case:
    """The case ``reference`` if ``user`` may act on it with ``permission``.

    Role without the permission: Forbidden (403). Case absent or out of scope: NotFound (404),
    the same answer, so probing references reveals nothing. ``lock`` takes the case row lock
    (PostgreSQL) for the rest of the transaction and reloads it: every write step locks its
    case first, so a step cannot slip past a concurrent closure or consent revocation.
    """
    require(user, permission)
    statement = select(Case).where(Case.reference == reference, case_scope(user))
    if lock:
        statement = statement.with_for_update(of=Case).execution_options(populate_existing=True)
    case = session.scalar(statement)
    if case is None:
        raise NotFound("no such case")
    return case


__all__ = [
    "ROLE_PERMISSIONS",
    "Permission",
    "case_for",
    "case_scope",
    "has_permission",
    "require",
    "scope_countries",
    "visible_defender_ids",
]
