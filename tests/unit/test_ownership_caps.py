"""The acquisition check per housing type (SPEC §8), citing the statute: a borettslag's public owners
together 10 % of the homes, at least one, more when the bylaws allow it (burettslagslova § 4-2); a sameie
none unless the bylaws limit the municipality, and then never below 10 % / one section
(eierseksjonsloven § 23). Sublets in a sameie need no board approval."""
from __future__ import annotations

import pytest

from shared.agreement import ownership_cap
from shared.board_approval import BOARD_APPROVAL
from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.models import SAMEIE, Case, Cooperative, Deadline
from tests.support.api import auth


@pytest.mark.parametrize(("kind", "homes", "figure", "unit", "limit", "statute"), [
    ("borettslag", 40, None, None, 4, "burettslagslova § 4-2"),
    ("borettslag", 5, None, None, 1, "burettslagslova § 4-2"),  # always at least one
    ("borettslag", 40, 20, "percent", 8, "burettslagslova § 4-2"),  # the bylaws allow more
    ("borettslag", 40, 2, "units", 4, "burettslagslova § 4-2"),  # a lower figure does not lower the law's
    ("sameie", 24, None, None, None, "eierseksjonsloven § 23"),  # the two-section limit does not bind it
    ("sameie", 30, 3, "units", 3, "eierseksjonsloven § 23"),
    ("sameie", 30, 1, "units", 3, "eierseksjonsloven § 23"),  # a bylaw limit never below 10 %
    ("sameie", 8, 5, "percent", 1, "eierseksjonsloven § 23"),  # ... nor below one section
])
def test_the_cap_per_kind_and_bylaws(kind, homes, figure, unit, limit, statute):
    cap = ownership_cap(kind, homes, figure, unit)
    assert cap.limit == limit
    assert cap.statute == statute and statute in cap.rule


@pytest.fixture
def more(sessions, tokens):
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
    return auth(tokens["system"])


def acquire(client, headers, orgnr, share="1"):
    answer = client.post("/api/v1/acquisitions", headers=headers, json={
        "cooperative_orgnr": orgnr, "share_number": share, "address": "Gata 1", "planned_date": "2027-05-01",
        "note": ""})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def owned(sessions, orgnr, count):
    with unit_of_work(sessions) as session:
        company = session.query(Cooperative).filter_by(orgnr=orgnr).one()
        company.municipality_owned = count


def test_a_borettslag_with_a_bylaws_figure_warns_only_above_it_citing_burettslagslova(client, sessions, more):
    owned(sessions, "914000009", 7)  # Telegrafbukta: 40 homes, the bylaws allow 20 % = 8
    within = acquire(client, more, "914000009")
    assert (within["cap"], within["warning"]) == (8, None)
    over = acquire(client, more, "914000009", "2")
    assert "9 av 40" in over["warning"] and "burettslagslova § 4-2" in over["warning"]


def test_a_borettslag_without_a_bylaws_figure_warns_above_10_percent(client, sessions, more):
    owned(sessions, "963382685", 2)  # Nordkjosbotn: 20 homes, no figure: 2
    answer = acquire(client, more, "963382685")
    assert answer["cap"] == 2 and "burettslagslova § 4-2" in answer["warning"]


def test_a_sameie_without_a_bylaws_limit_has_no_cap(client, sessions, more):
    owned(sessions, "926345672", 20)  # Sjøgata: 24 sections, far beyond two
    answer = acquire(client, more, "926345672")
    assert (answer["cap"], answer["warning"]) == (None, None)
    assert "eierseksjonsloven § 23" in answer["cap_rule"]


def test_a_sameie_with_a_bylaws_limit_warns_citing_eierseksjonsloven(client, sessions, more):
    owned(sessions, "938691347", 3)  # Kvaløyvegen: 30 sections, the bylaws say 3
    answer = acquire(client, more, "938691347")
    assert answer["cap"] == 3
    assert "eierseksjonsloven § 23" in answer["warning"] and "burettslagslova" not in answer["warning"]


def test_a_sublet_in_a_sameie_needs_no_board_approval(client, sessions, more):
    def sublet(orgnr):
        answer = client.post("/api/v1/sublets", headers=more, json={
            "cooperative_orgnr": orgnr, "share_number": "3", "move_in_date": "2027-05-01",
            "tenant_household": "To voksne", "question": "Kan leietakeren flytte inn?"})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    in_sameie, in_borettslag = sublet("926345672"), sublet("914000009")
    assert in_sameie["board_approval"] is False and "samarbeidsutvalget" in in_sameie["note"]
    assert in_borettslag["board_approval"] is True and "§ 5-6" in in_borettslag["note"]
    with sessions() as session:
        case = session.query(Case).filter_by(reference=in_sameie["reference"]).one()
        assert case.cooperative.kind == SAMEIE
        assert session.query(Deadline).filter_by(case_id=case.id, kind=BOARD_APPROVAL).count() == 0
