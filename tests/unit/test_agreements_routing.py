"""Routing across agreements (SPEC §8): a case is handled under its company's agreement, by that
agreement's contacts and its own handbook version. The routing table of the demo agreements:

| agreement                     | company (orgnr)                      | primary (municipality) | copy (association) |
|-------------------------------|--------------------------------------|------------------------|--------------------|
| 1 Tromsø kommune og BoNord    | Prestvannet borettslag (997273354)   | Kari Johansen          | Per Hansen         |
| 2 Tromsø kommune og Ishavsbo  | Telegrafbukta borettslag (914000009) | Siri Eriksen           | Jonas Lie          |
| 2 Tromsø kommune og Ishavsbo  | Sjøgata sameie (926345672)           | Siri Eriksen           | Sara Nordby        |
| 3 Balsfjord kommune og BoNord | Nordkjosbotn borettslag (963382685)  | Marit Moe              | Anne Nilsen        |
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.handbook_versions import newest_version
from shared.models import Case, HandbookVersion, Notification
from tests.unit.test_routing import route, submit
from tests.unit.test_web_form import post as form_post

ROUTING_TABLE = [
    ("997273354", 1, "kari.johansen@kommune.example", "per.hansen@bonord.example"),
    ("914000009", 2, "siri.eriksen@kommune.example", "jonas.lie@ishavsbo.example"),
    ("926345672", 2, "siri.eriksen@kommune.example", "sara.nordby@ishavsbo.example"),
    ("963382685", 3, "marit.moe@balsfjord.example", "anne.nilsen@bonord.example"),
]


@pytest.fixture
def agreements(sessions):
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
    return sessions


@pytest.mark.parametrize(("orgnr", "agreement", "primary", "copy"), ROUTING_TABLE)
def test_a_complaint_goes_to_the_contacts_of_its_companys_agreement(agreements, complaint, orgnr, agreement,
                                                                    primary, copy):
    case_id = submit(agreements, complaint, orgnr=orgnr)
    route(agreements, case_id)

    with agreements() as session:
        case = session.get_one(Case, case_id)
        sent = [(n.recipient, n.kind) for n in session.scalars(select(Notification).order_by(Notification.id))]
        version = session.get_one(HandbookVersion, case.handbook_version)
    assert (case.agreement_id, case.assignee, case.unrouted) == (agreement, primary, False)
    assert sent == [(primary, "case_notification"), (copy, "case_notification"), ("kari@example.org", "receipt")]
    assert version.agreement_id == agreement


def test_the_second_association_s_complaint_reaches_neither_bonord_nor_the_first_agreements_contact(
        agreements, complaint):
    route(agreements, submit(agreements, complaint, orgnr="914000009"))

    with agreements() as session:
        recipients = set(session.scalars(select(Notification.recipient)))
    assert not {r for r in recipients if r.endswith("@bonord.example")}
    assert "kari.johansen@kommune.example" not in recipients


def test_each_agreement_has_its_own_handbook_version_history(agreements, complaint):
    route(agreements, submit(agreements, complaint, orgnr="997273354"), "e-1")
    route(agreements, submit(agreements, complaint, orgnr="914000009"), "e-2")

    with agreements() as session:
        first, second = newest_version(session, 1), newest_version(session, 2)
        assert first is not None and second is not None
        assert (first.agreement_id, second.agreement_id) == (1, 2) and first.id != second.id
        assert newest_version(session, 3) is None  # no case of agreement 3 yet: nothing read for it


@pytest.mark.parametrize(("orgnr", "parties"), [
    ("997273354", "mellom Tromsø kommune Boligkontoret og BoNord."),
    ("926345672", "mellom Tromsø kommune Boligkontoret og Ishavsbo."),
    ("963382685", "mellom Balsfjord kommune og BoNord."),
])
def test_the_one_form_lists_every_company_and_the_receipt_names_the_agreements_parties(
        agreements, client, orgnr, parties):
    html = client.get("/klage").get_data(as_text=True)
    for name in ("Prestvannet borettslag", "Telegrafbukta borettslag", "Sjøgata sameie", "Nordkjosbotn borettslag"):
        assert f">{name}</option>" in html

    response = form_post(client, cooperative_orgnr=orgnr)

    assert response.status_code == 303
    receipt = client.get("/klage/kvittering").get_data(as_text=True)
    assert f"Saken hører til samarbeidsavtalen {parties}" in receipt
