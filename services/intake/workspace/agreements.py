"""The agreement a workspace page shows (SPEC §8): `avtale` in the query or the posted form, one of the
signed-in user's agreements (any other, or one that does not exist, answers 404); without it, their
first. A user in several agreements gets the others to choose from (`choices`); for one in a single
agreement `choices` is empty and the pages show no select.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, request
from sqlalchemy.orm import Session

from shared.access import AgreementAmbiguous, AgreementNotVisible, agreements_of, chosen_agreement
from shared.models import Agreement

from .sessions import current_user

FIELD = "avtale"


@dataclass(frozen=True)
class PageAgreement:
    id: int
    name: str
    municipality: str
    association: str
    choices: tuple[tuple[int, str], ...]  # (id, name) of the user's agreements when several, else ()

    @property
    def param(self) -> int | None:
        """What links and forms carry (`avtale=`): the id for a user who can choose, else nothing."""
        return self.id if self.choices else None


def _wanted() -> int | None:
    value = request.values.get(FIELD, "")
    if not value:
        return None
    if not (value.isdigit() and len(value) < 10):
        abort(404)
    return int(value)


def page_agreement(session: Session, wanted: int | None = None, *, ask: bool = True) -> PageAgreement:
    """The agreement asked for (`wanted`, else `avtale` from the request when `ask`), else the user's
    first; 404 unless it is one of theirs."""
    user = current_user()
    assert user is not None
    requested = wanted if wanted is not None or not ask else _wanted()
    try:
        number = chosen_agreement(session, user.principal, requested)
    except AgreementAmbiguous as several:
        number = several.choices[0]
    except AgreementNotVisible:
        abort(404)
    agreement = session.get(Agreement, number)
    if agreement is None:
        abort(404)
    choices = agreements_of(session, user.principal)
    return PageAgreement(agreement.id, agreement.name, agreement.municipality, agreement.association,
                         tuple(choices) if len(choices) > 1 else ())


def visible(session: Session) -> frozenset[int] | None:
    """The user's agreements (None: all, which a signed-in contact never has)."""
    user = current_user()
    assert user is not None
    return user.agreements(session)
