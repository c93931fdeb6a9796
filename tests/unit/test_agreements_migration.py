"""Migration 0014 carries a one-agreement installation over without loss (SPEC §8): a database filled
through the use cases of the code at 0013 (tests/data/fill_at_0013.py wrote filled_at_0013.sql) keeps
every case, history row and notification as it was, and all of it belongs to agreement 1, named from
the directory."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from shared.cli import alembic_config

FILLED = Path(__file__).parents[1] / "data" / "filled_at_0013.sql"
KEPT = ("case", "case_history", "notification", "deadline", "meeting", "agenda_item", "handbook_version",
        "cooperative", "contact", "api_token", "outbox")


def rows(path: Path, table: str) -> list[dict[str, object]]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid')]


def test_a_database_filled_at_0013_keeps_every_row_and_all_of_it_is_agreement_1(base_settings, tmp_path):
    path = tmp_path / "filled.db"
    config = alembic_config(base_settings.with_overrides(database_url=f"sqlite:///{path}"))
    command.upgrade(config, "0013")
    with sqlite3.connect(path) as connection:
        connection.executescript(FILLED.read_text(encoding="utf-8"))
    before = {table: rows(path, table) for table in KEPT}
    assert len(before["case"]) == 6 and len(before["notification"]) > 10 and len(before["case_history"]) > 12

    command.upgrade(config, "head")

    after = {table: rows(path, table) for table in KEPT}
    # Every row and every value that was there is still there; later migrations only add columns
    # (agreement_id and the housing type here, a case's language and anonymised_at in 0014/0015).
    kept = {table: [{column: row[column] for column in (found[0] if found else {})} for row in after[table]]
            for table, found in before.items()}
    assert kept == before
    assert {row["language"] for row in after["case"]} == {"nb"}
    assert {row["anonymised_at"] for row in after["case"]} == {None}
    for table in ("case", "meeting", "handbook_version", "cooperative"):
        assert {row["agreement_id"] for row in after[table]} == {1}, table
    assert {row["kind"] for row in after["cooperative"]} == {"borettslag"}
    assert {row["agreement_id"] for row in after["api_token"]} == {None}  # every agreement of its contact
    assert rows(path, "agreement") == [{
        "id": 1, "name": "Tromsø kommune Boligkontoret og BoNord",
        "municipality": "Tromsø kommune Boligkontoret", "association": "BoNord"}]
    links = rows(path, "contact_agreement")
    assert sorted(link["contact_id"] for link in links) == sorted(c["id"] for c in after["contact"])
    assert {link["agreement_id"] for link in links} == {1}
