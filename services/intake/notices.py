"""Use cases of the staff side: acquisition notices, sublet questions, meeting requests."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.access import SYSTEM, Principal, chosen_agreement
from shared.agreement import OPEN_STATUSES, OwnershipCap, meeting_deadline, ownership_cap
from shared.board_approval import open_board_limit
from shared.calendar import local_today
from shared.case_details import (
    AcquisitionDetails,
    MeetingRequestDetails,
    SubletDetails,
    as_json,
    with_details,
)
from shared.i18n import N_
from shared.messages import MeetingRequested, new_event_id, record_event
from shared.models import SAMEIE, Case, Cooperative

from .cases import find_cooperative, open_case


def percent_of(owned: int, homes: int) -> float:
    return round(100 * owned / homes, 1) if homes else 0.0


OVER_THE_CAP = N_("Ervervet vil gi offentlige eiere %(after)s av %(homes)s boliger, over grensen på %(cap)s: %(rule)s.")


@dataclass(frozen=True)
class OwnershipFigures:
    """The municipality's homes in a housing company before and after one more purchase, and the cap
    (shared.agreement.ownership_cap: per kind, with the bylaws' figure, citing its statute)."""

    cooperative: Cooperative
    owned_before: int
    owned_after: int
    limit: OwnershipCap

    @property
    def cap(self) -> int | None:
        return self.limit.limit

    @property
    def percent_before(self) -> float:
        return percent_of(self.owned_before, self.cooperative.homes)

    @property
    def percent_after(self) -> float:
        return percent_of(self.owned_after, self.cooperative.homes)

    @property
    def warning(self) -> str | None:
        if self.cap is None or self.owned_after <= self.cap:
            return None
        return OVER_THE_CAP % self.warning_args(self.limit.rule)

    def warning_args(self, rule: str) -> dict[str, int | str | None]:
        """OVER_THE_CAP's placeholders, with the rule in the reader's language."""
        return {"after": self.owned_after, "homes": self.cooperative.homes, "cap": self.cap, "rule": rule}


@dataclass(frozen=True)
class AcquisitionResult(OwnershipFigures):
    reference: str
    status: str


def _open_acquisitions(session: Session, cooperative_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(Case).where(
            Case.type == "acquisition",
            Case.cooperative_id == cooperative_id,
            Case.status.in_(OPEN_STATUSES),
        )
    ).scalar_one()


def ownership_figures(session: Session, cooperative: Cooperative) -> OwnershipFigures:
    """What a notice for this borettslag would show now (the workspace shows it before sending)."""
    # Planned purchases not yet closed count too: two notices must not each pass the check.
    before = cooperative.municipality_owned + _open_acquisitions(session, cooperative.id)
    return OwnershipFigures(cooperative, before, before + 1, cap_of(cooperative))


def cap_of(cooperative: Cooperative) -> OwnershipCap:
    return ownership_cap(cooperative.kind, cooperative.homes, cooperative.bylaws_public_cap,
                         cooperative.bylaws_public_cap_unit)


def notify_acquisition(
    session: Session, notice: dict[str, Any], principal: Principal, *, now: dt.datetime, tz_name: str
) -> AcquisitionResult:
    cooperative = find_cooperative(session, notice["cooperative_orgnr"])
    asked_on = notice.get("board_asked_on") or local_today(tz_name, now)
    figures = ownership_figures(session, cooperative)
    case = open_case(
        session, "acquisition", actor=principal.actor, now=now, tz_name=tz_name,
        cooperative_id=cooperative.id, share_number=notice["share_number"], address=notice["address"],
        description=notice.get("note", ""), created_by=principal.actor,
        details=as_json(AcquisitionDetails(notice["planned_date"], asked_on)),
    )
    open_board_limit(session, case, asked_on, now=now, tz_name=tz_name)
    result = AcquisitionResult(cooperative, figures.owned_before, figures.owned_after, figures.limit,
                               case.reference, case.status)
    with_details(case, AcquisitionDetails.of(case).replace(
        owned_before=result.owned_before, owned_after=result.owned_after, cap=result.cap,
        warning=result.warning))
    return result


# What a sublet's answer and receipt say (SPEC §8): message ids, bokmål in the API, the page's language
# on the workspace's receipt. Burettslagslova § 5-6 is a borettslag's rule; a sameie has no such approval.
SUBLET_BOARD_APPROVES = N_("Styret i borettslaget må godkjenne brukeren (burettslagslova § 5-6).")
SUBLET_INFORMS_COMMITTEE = N_("Et eierseksjonssameie har ingen godkjenning av brukeren fra styret; varselet "
                              "informerer samarbeidsutvalget, og det løper ingen frist for styrets svar.")


def sublet_approval(cooperative: Cooperative) -> tuple[bool, str]:
    """Whether a sublet needs the board's approval, and what the answer says (SPEC §8)."""
    if cooperative.kind == SAMEIE:
        return False, SUBLET_INFORMS_COMMITTEE
    return True, SUBLET_BOARD_APPROVES


def ask_about_sublet(
    session: Session, question: dict[str, Any], principal: Principal, *, now: dt.datetime, tz_name: str
) -> Case:
    cooperative = find_cooperative(session, question["cooperative_orgnr"])
    case = open_case(
        session, "sublet", actor=principal.actor, now=now, tz_name=tz_name,
        cooperative_id=cooperative.id, share_number=question["share_number"],
        description=question["question"], created_by=principal.actor,
        details=as_json(SubletDetails(question["move_in_date"], question["tenant_household"])),
    )
    case.cooperative = cooperative  # the answer says whether its board approves (sublet_approval)
    return case


class NotOwnParty(Exception):
    """A contact asked for a meeting on behalf of the other party."""


def request_meeting(
    session: Session, request: dict[str, Any], principal: Principal, *, now: dt.datetime, tz_name: str
) -> Case:
    """Ask for a committee meeting on behalf of the caller's own party (a system: either party), in the
    committee of the agreement they name or their only one (shared.access.chosen_agreement: its
    AgreementNotVisible and AgreementAmbiguous pass through)."""
    if principal.party != SYSTEM and request["party"] != principal.party:
        raise NotOwnParty(request["party"])
    agreement_id = chosen_agreement(session, principal, request.get("agreement"))
    deadline = meeting_deadline(now, tz_name)
    case = open_case(
        session, "meeting_request", actor=principal.actor, now=now, tz_name=tz_name,
        description=request["reason"], created_by=principal.actor, agreement_id=agreement_id,
        details=as_json(MeetingRequestDetails(request["party"], tuple(request["topics"]), deadline)),
    )
    record_event(session, MeetingRequested(event_id=new_event_id(), case_id=case.id))
    return case
