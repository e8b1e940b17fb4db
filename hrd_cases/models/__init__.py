"""ORM models, one module per aggregate. Importing this package registers every table
on ``Base.metadata`` (Alembic and the tests rely on that)."""

from hrd_cases.models.user import Delegation, Role, User, UserCountry

__all__ = ["Delegation", "Role", "User", "UserCountry"]
