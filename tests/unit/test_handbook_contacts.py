"""A handbook that names a person (contact:<e-mail>) must name one in the directory (issue 10, point 14).

The parser has no database, so the save path checks the names: an address the directory does not
know is refused with the address and its line, and nothing is stored.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from shared.db import unit_of_work
from shared.handbook import DEFAULT_PATH, HandbookError
from shared.handbook_versions import save_handbook
from shared.models import HandbookVersion
from tests.support.api import auth

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")


def with_noise_copies(*selectors: str) -> str:
    return SHIPPED.replace(
        "    categories: {}\n",
        f"    categories:\n      noise:\n        copies: [{', '.join(selectors)}]\n", 1)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def versions(sessions) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(HandbookVersion)).scalar_one()


def test_an_unknown_contact_is_refused_at_save_with_its_address_and_line(sessions):
    text = with_noise_copies("association.case_officer", "contact:Ukjent.Person@Kommune.example")
    with pytest.raises(HandbookError) as refused, unit_of_work(sessions) as session:
        save_handbook(session, text, "kari.johansen@kommune.example", NOW)
    [problem] = refused.value.problems
    assert problem.line == line_of(text, "contact:Ukjent.Person")
    assert "ukjent.person@kommune.example" in problem.reason and "directory" in problem.reason
    assert "case_types.complaint.categories.noise.copies.1" in problem.reason
    assert versions(sessions) == 0


def test_a_known_contact_saves(sessions):
    text = with_noise_copies("association.case_officer", "contact:ola.berg@kommune.example")
    with unit_of_work(sessions) as session:
        version, handbook = save_handbook(session, text, "kari.johansen@kommune.example", NOW)
    assert version == 2
    assert handbook.rule_for("complaint", "noise").copies == (
        "association.case_officer", "contact:ola.berg@kommune.example")


def test_the_api_names_the_unknown_address(client, tokens):
    text = SHIPPED.replace("primary: municipality.main_contact\n", "primary: contact:borte@kommune.example\n", 1)
    response = client.put("/api/v1/handbook", json={"yaml": text}, headers=auth(tokens["system"]))
    assert response.status_code == 422
    [message] = response.get_json()["error"]["fields"]["yaml"]
    assert message.startswith(f"line {line_of(text, 'contact:borte@')}: ")
    assert "borte@kommune.example" in message
    assert client.get("/api/v1/handbook", headers=auth(tokens["system"])).get_json()["version"] == 1


def test_the_shipped_handbook_still_saves(client, tokens):
    response = client.put("/api/v1/handbook", json={"yaml": SHIPPED}, headers=auth(tokens["system"]))
    assert response.status_code == 200 and response.get_json()["version"] == 1
