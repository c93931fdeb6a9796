"""The directory: borettslag, the parties' contacts and their absences."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class Cooperative(Base):
    """A borettslag, identified by its organisasjonsnummer."""

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
    # Set when the contact's access is withdrawn: their tokens and e-mail links stop working.
    deactivated_at: Mapped[dt.datetime | None] = mapped_column()

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
