"""The committee's rules for meetings: minimum notice and the parties (the models are in shared.models)."""
from __future__ import annotations

import datetime as dt

from .workdays import add_working_days

# The minimum notice of a committee meeting, in Norwegian working days (SPEC §5): the scheduler books
# no earlier, and a move to a time closer than this needs both parties' agreement.
MINIMUM_NOTICE_DAYS = 5
# The agreement's two parties; a borettslag board (cooperative) sits on the committee but is neither.
OTHER_PARTY = {"municipality": "association", "association": "municipality"}
PARTY_NAMES = {"municipality": "kommunen", "association": "boligbyggelaget"}


def earliest_with_notice(announced_on: dt.date) -> dt.date:
    """The first day a meeting announced (booked or moved) on this local date may be held."""
    return add_working_days(announced_on, MINIMUM_NOTICE_DAYS)


def notice_kept(held_on: dt.date, announced_on: dt.date) -> bool:
    return held_on >= earliest_with_notice(announced_on)
