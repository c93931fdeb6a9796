"""Gapless references per type and year."""
from __future__ import annotations

import pytest

from shared.db import unit_of_work
from shared.models import ReferenceCounter
from shared.references import last_number, next_reference


def test_numbers_count_up_per_type_and_year(sessions):
    with unit_of_work(sessions) as session:
        taken = [next_reference(session, "complaint", 2027) for _ in range(3)]
        other_type = next_reference(session, "acquisition", 2027)
        next_year = next_reference(session, "complaint", 2028)
    assert taken == ["KL-2027-0001", "KL-2027-0002", "KL-2027-0003"]
    assert other_type == "ER-2027-0001"
    assert next_year == "KL-2028-0001"


def test_a_rolled_back_submission_gives_its_number_back(sessions):
    with unit_of_work(sessions) as session:
        next_reference(session, "complaint", 2027)
    with pytest.raises(RuntimeError):
        with unit_of_work(sessions) as session:
            next_reference(session, "complaint", 2027)
            raise RuntimeError("the case insert failed")
    with unit_of_work(sessions) as session:
        assert next_reference(session, "complaint", 2027) == "KL-2027-0002"
        assert last_number(session, "complaint", 2027) == 2


def test_four_digits_are_a_minimum_not_a_limit(sessions):
    with unit_of_work(sessions) as session:
        session.add(ReferenceCounter(prefix="FR", year=2027, last_number=9999))
    with unit_of_work(sessions) as session:
        assert next_reference(session, "sublet", 2027) == "FR-2027-10000"
