"""The indexes the staff's case list and the compliance report rely on, built by the migrations
exactly as the models declare them (bench/growth.py measures what they buy)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from shared.models import Base

CASE_LIST = {
    "ix_case_newest": ["created_at", "id"],
    "ix_case_type_newest": ["type", "created_at", "id"],
    "ix_case_status_newest": ["status", "created_at", "id"],
    "ix_case_assignee_newest": ["assignee", "created_at", "id"],
    "ix_case_overdue_newest": ["created_at", "id"],
}


def test_each_case_list_filter_has_an_index_in_newest_first_order(engine, sessions):
    built = {index["name"]: index["column_names"] for index in inspect(engine).get_indexes("case")}

    assert {name: built.get(name) for name in CASE_LIST} == CASE_LIST


def test_compliance_finds_a_years_deadlines_by_due_date(engine, sessions):
    built = {index["name"]: index["column_names"] for index in inspect(engine).get_indexes("deadline")}

    assert built.get("ix_deadline_due") == ["due_at"]


def test_the_migrated_indexes_are_the_models_indexes(engine, sessions):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    index_changes = [d for d in differences if isinstance(d, tuple) and d[0] in {"add_index", "remove_index"}]
    assert index_changes == []
