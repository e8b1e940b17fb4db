"""The API tests' world (tests.support.api) as a fixture of this package."""

from tests.support.api import world

__all__ = ["world"]
