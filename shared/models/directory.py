"""The directory: borettslag, the parties' contacts and their absences."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base

# The agreement a one-agreement installation has (migration 0014 makes it from the data already
# there); rows written without naming an agreement belong to it.
DEFAULT_AGREEMENT = 1
BORETTSLAG, SAMEIE = "borettslag", "sameie"  # a housing company's kind (SPEC §8)
PERCENT, UNITS = "percent", "units"  # how a bylaws' cap on public owners is written


class Agreement(Base):
    """A samhandlingsavtale: one municipality and one association, with its own contacts, committee,
    handbook, meetings and compliance (SPEC §8)."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(200))
    association: Mapped[str] = mapped_column(String(200))


# Which agreements a contact works in: one or several, all of their own organisation's.
contact_agreement = Table(
    "contact_agreement", Base.metadata,
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("agreement_id", ForeignKey("agreement.id"), primary_key=True, index=True),
)


class Cooperative(Base):
    """A housing company (a borettslag or an eierseksjonssameie), identified by its organisasjonsnummer.

    Its association (forretningsfører) and municipality pick its agreement. `homes` counts its homes
    (a sameie's residential sections); `bylaws_public_cap` is what its bylaws say about public owners,
    in percent or in homes (None: the bylaws say nothing), see shared/agreement.public_ownership_cap.
    """

    __tablename__ = "cooperative"

    id: Mapped[int] = mapped_column(primary_key=True)
    orgnr: Mapped[str] = mapped_column(String(9), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(4), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    homes: Mapped[int] = mapped_column(Integer)
    municipality_owned: Mapped[int] = mapped_column(Integer, default=0)
    association_contact: Mapped[str | None] = mapped_column(String(254))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id"), index=True, default=DEFAULT_AGREEMENT,
                                              server_default=str(DEFAULT_AGREEMENT))
    kind: Mapped[str] = mapped_column(String(20), default=BORETTSLAG, server_default=BORETTSLAG)
    sections: Mapped[int | None] = mapped_column(Integer)  # a sameie's sections, all kinds
    bylaws_public_cap: Mapped[int | None] = mapped_column(Integer)
    bylaws_public_cap_unit: Mapped[str | None] = mapped_column(String(10))  # percent | units


class Contact(Base):
    """A kontaktperson of one of the parties."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(40))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    deputy: Mapped[str | None] = mapped_column(String(254))
    leader: Mapped[str | None] = mapped_column(String(254))
    committee_member: Mapped[bool] = mapped_column(Boolean, default=False)
    # The language of their pages and e-mails (shared.i18n.STAFF_LANGUAGES): nb or nn.
    language: Mapped[str] = mapped_column(String(5), default="nb", server_default="nb")
    # Set when the contact's access is withdrawn: their tokens and e-mail links stop working.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column()

    agreements: Mapped[list[Agreement]] = relationship(secondary=contact_agreement, order_by=Agreement.id)

    @property
    def active(self) -> bool:
        return self.deactivated_at is None


class Absence(Base):
    """A contact is away from starts_on to ends_on (both included, local dates)."""

    __tablename__ = "absence"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_email: Mapped[str] = mapped_column(ForeignKey("contact.email"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
