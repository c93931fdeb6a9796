"""Parallel submissions get distinct, gapless references."""
from __future__ import annotations

import pytest

from shared.calendar import local_today

pytestmark = pytest.mark.integration


def test_fifty_parallel_complaints_get_fifty_gapless_references(stack, complaint):
    bodies = stack.post_many(complaint, 50, threads=16)

    references = sorted(body["reference"] for body in bodies)
    year = local_today("Europe/Oslo").year
    assert references == [f"KL-{year}-{n:04d}" for n in range(1, 51)]
    assert len({body["tracking_url"] for body in bodies}) == 50
