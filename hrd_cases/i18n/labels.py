"""What people read for the stored codes: roles and vocabulary values, translated.

The codes themselves (API values, database values, export keys) stay English; only these
labels change with the interface language. Lazy strings: each is translated when shown.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from hrd_cases.models import Role

ROLE_LABELS: dict[str, LazyString] = {
    Role.FOCAL_POINT.value: _l("focal point"),
    Role.PROTECTION_OFFICER.value: _l("protection officer"),
    Role.ANALYST.value: _l("analyst"),
    Role.ADMIN.value: _l("admin"),
    Role.AUDITOR.value: _l("auditor"),
}


def role_label(role: Role | str) -> str:
    code = role.value if isinstance(role, Role) else role
    label = ROLE_LABELS.get(code)
    return str(label) if label is not None else code
