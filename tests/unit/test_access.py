"""Who may act on a case (shared/access.py): one policy for links, the API and the workspace."""
from __future__ import annotations

import datetime as dt

import pytest

from shared import access
from shared.models import Case, Contact

ASSIGNEE = "kari.johansen@kommune.example"


def contact(email: str = ASSIGNEE, party: str = "municipality", deactivated: bool = False) -> Contact:
    return Contact(email=email, name="N", party=party, role="case_officer",
                   deactivated_at=dt.datetime(2027, 1, 1, tzinfo=dt.UTC) if deactivated else None)


CASE = Case(id=1, status="routed", assignee=ASSIGNEE)


@pytest.mark.parametrize("who, copied, reason", [
    (contact(), False, None),  # the assignee
    (contact("per.hansen@bonord.example", "association"), True, None),  # a staff copy
    (contact("per.hansen@bonord.example", "association"), False, access.NOT_HOLDER),  # case moved
    (contact("ola.berg@kommune.example"), False, access.NOT_HOLDER),  # staff, but not theirs
    (contact(deactivated=True), False, access.REVOKED),
    (None, False, access.REVOKED),  # no longer in the directory
    (contact("styret@borettslag.example", "cooperative"), True, access.NOT_STAFF),  # a board copy
])
def test_who_may_act(who, copied, reason):
    assert access.refusal(who, CASE, copied=copied) == reason
    assert access.may_act(who, CASE, copied=copied) is (reason is None)


def test_a_board_never_acts_even_as_assignee():
    board = contact("styret@borettslag.example", "cooperative")
    assert not access.may_act(board, Case(id=2, status="routed", assignee=board.email))
