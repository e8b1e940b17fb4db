"""Case references ``CC-YYYY-NNNN``: per country and year, without gaps or duplicates."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hrd_cases.models.case import CaseReferenceCounter


def next_case_reference(session: Session, country: str, year: int) -> str:
    """Reserve the next number in the caller's transaction (an upsert: race-free on both
    backends, the row lock or SQLite write lock serialises concurrent intakes)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, CaseReferenceCounter.__table__)
    statement = (
        insert(table)
        .values(country=country, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=[table.c.country, table.c.year],
            set_={"last_number": table.c.last_number + 1},
        )
        .returning(table.c.last_number)
    )
    number: int = session.execute(statement).scalar_one()
    return f"{country}-{year}-{number:04d}"
