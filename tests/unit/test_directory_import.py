"""The directory's CSV import (issue 13): the dry-run plan, each reason a row is rejected, the write
that does exactly what the plan showed, and the export that imports back with no changes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from services.intake import directory, directory_import
from services.intake.directory_import import CONTACTS, COOPERATIVES, Stale
from shared.db import unit_of_work
from shared.directory_csv import CONTACT_COLUMNS, COOPERATIVE_COLUMNS, FileError
from shared.models import Contact, Cooperative

COOP_HEADER = ",".join(COOPERATIVE_COLUMNS)
CONTACT_HEADER = ",".join(CONTACT_COLUMNS)
PER = "per.hansen@bonord.example"
ANNE = "anne.nilsen@bonord.example"


def plan(sessions, kind: str, text: str) -> directory_import.Plan:
    with sessions() as session:
        return directory_import.plan(session, kind, text)


def by_line(result: directory_import.Plan) -> dict[int, directory_import.PlannedRow]:
    return {row.line: row for row in result.rows}


def snapshot(sessions) -> list[tuple]:
    with sessions() as session:
        coops = [tuple(getattr(c, n) for n in COOPERATIVE_COLUMNS) for c in session.scalars(select(Cooperative))]
        contacts = [tuple(getattr(c, n) for n in CONTACT_COLUMNS) for c in session.scalars(select(Contact))]
    return sorted(coops, key=str) + sorted(contacts, key=str)


def contacts_file(*lines: str) -> str:
    return "\n".join([CONTACT_HEADER, *lines]) + "\n"


def test_a_borettslag_file_sorts_rows_into_new_changed_unchanged_and_rejected(sessions):
    result = plan(sessions, COOPERATIVES, "\n".join([
        COOP_HEADER,
        "942474601,Fjellheisen borettslag,Fjellheisenveien 3,9012,Tromsø,12,0,anne.nilsen@bonord.example",
        "997273354,Prestvannet borettslag,Prestvannetveien 19,9006,Tromsø,150,7,per.hansen@bonord.example",
        "974760673,Nytt borettslag,Nyveien 1,9008,Tromsø,40,1,per.hansen@bonord.example",
        "942474602,Feil kontrollsiffer,Veien 2,9008,Tromsø,10,0,",
        "923609016,For mange eid,Veien 3,9008,Tromsø,10,11,",
        "914778271,Ukjent saksbehandler,Veien 4,9008,Tromsø,10,1,ukjent@bonord.example",
        "914778271,Samme nummer,Veien 5,9008,Tromsø,10,1,",
    ]))
    rows = by_line(result)
    assert [rows[n].status for n in range(2, 9)] == [
        "unchanged", "changed", "new", "rejected", "rejected", "rejected", "rejected"]
    assert [(c.label, c.old, c.new) for c in rows[3].changes] == [("Kommunens boliger", "6", "7")]
    assert "942474602" in rows[5].reasons[0] and "kontrollsiffer" in rows[5].reasons[0]
    assert rows[6].reasons == ["Kommunens boliger (11) er flere enn boligene i borettslaget (10)."]
    assert rows[7].reasons == ["Organisasjonsnummer 914778271 står også på linje 8.",
                               "Saksbehandleren ukjent@bonord.example finnes ikke i katalogen. "
                               "Importer kontaktpersonene først."]
    assert rows[8].reasons == ["Organisasjonsnummer 914778271 står også på linje 7."]
    assert (result.count("new"), result.count("changed"), result.count("unchanged"), result.count("rejected")) == (
        1, 1, 1, 4)


def test_contact_rows_with_an_unknown_party_or_role_or_deputy_or_leader_are_rejected(sessions):
    rows = by_line(plan(sessions, CONTACTS, contacts_file(
        "ny.en@kommune.example,Ny En,kommune,main_contact,Tromsø kommune,,,no",
        "ny.to@kommune.example,Ny To,municipality,sjef,Tromsø kommune,,,no",
        "ny.tre@kommune.example,Ny Tre,municipality,case_officer,Tromsø kommune,borte@kommune.example,,no",
        "ny.fire@kommune.example,Ny Fire,municipality,case_officer,Tromsø kommune,,borte@kommune.example,no",
        "ny.fem@kommune.example,Ny Fem,municipality,case_officer,Tromsø kommune,ny.seks@kommune.example,,no",
        "ny.seks@kommune.example,Ny Seks,municipality,case_officer,Tromsø kommune,,,kanskje",
        "ny.sju@kommune.example,Ny Sju,municipality,case_officer,Tromsø kommune,ny.atte@kommune.example,,no",
        "ny.atte@kommune.example,Ny Åtte,municipality,case_officer,Tromsø kommune,,,yes",
    )))
    assert rows[2].reasons == ["Ukjent part «kommune». Kjente parter: municipality, association, cooperative."]
    assert rows[3].reasons[0].startswith("Ukjent rolle «sjef» for kommunen.")
    assert rows[4].reasons == ["Stedfortrederen borte@kommune.example finnes verken i katalogen eller i filen."]
    assert rows[5].reasons == ["Lederen borte@kommune.example finnes verken i katalogen eller i filen."]
    # Its deputy is in the file, but that row is rejected, so it would point at nobody.
    assert rows[7].reasons == ["Medlem av samarbeidsutvalget må være «yes» eller «no», ikke «kanskje»."]
    assert rows[6].reasons == ["Stedfortrederen ny.seks@kommune.example er avvist på linje 7."]
    assert rows[8].status == rows[9].status == "new"  # a deputy that is new in the same file


def test_duplicate_addresses_in_the_file_reject_every_copy(sessions):
    rows = by_line(plan(sessions, CONTACTS, contacts_file(
        "ny@kommune.example,Ny,municipality,case_officer,Tromsø kommune,,,no",
        "NY@kommune.example,Ny igjen,municipality,case_officer,Tromsø kommune,,,no",
    )))
    assert rows[2].reasons == ["E-post ny@kommune.example står også på linje 3."]
    assert rows[3].reasons == ["E-post ny@kommune.example står også på linje 2."]


def test_deputy_loops_of_three_and_a_contact_as_their_own_deputy_are_rejected(sessions):
    rows = by_line(plan(sessions, CONTACTS, contacts_file(
        "a@kommune.example,A,municipality,case_officer,K,b@kommune.example,,no",
        "b@kommune.example,B,municipality,case_officer,K,c@kommune.example,,no",
        "c@kommune.example,C,municipality,case_officer,K,a@kommune.example,,no",
        "d@kommune.example,D,municipality,case_officer,K,d@kommune.example,,no",
        "e@kommune.example,E,municipality,case_officer,K,a@kommune.example,,no",
    )))
    assert rows[2].reasons == ["Stedfortrederne går i ring: A → B → C → A. Velg en stedfortreder utenfor ringen."]
    assert rows[3].status == rows[4].status == "rejected"
    assert rows[5].reasons == ["En kontaktperson kan ikke være sin egen stedfortreder."]
    # E's deputy A is rejected in the file and not in the directory.
    assert rows[6].reasons == ["Stedfortrederen a@kommune.example er avvist på linje 2."]


def test_a_loop_closed_through_the_directory_is_found(sessions):
    # Ola (in the directory) has no deputy; the file makes Kari → Ola → Ingrid → Kari.
    rows = by_line(plan(sessions, CONTACTS, contacts_file(
        "ola.berg@kommune.example,Ola Berg,municipality,deputy_contact,Tromsø kommune Boligkontoret,"
        "leder.boligkontoret@kommune.example,leder.boligkontoret@kommune.example,no",
        "leder.boligkontoret@kommune.example,Ingrid Solberg,municipality,leader,Tromsø kommune Boligkontoret,"
        "kari.johansen@kommune.example,,yes",
    )))
    assert rows[2].status == rows[3].status == "rejected"
    assert "Kari Johansen → Ola Berg → Ingrid Solberg → Kari Johansen" in rows[3].reasons[0] or \
        "Ingrid Solberg → Kari Johansen → Ola Berg → Ingrid Solberg" in rows[3].reasons[0]


def test_two_contacts_standing_in_for_each_other_are_accepted_with_a_note(sessions):
    rows = by_line(plan(sessions, CONTACTS, contacts_file(
        "a@kommune.example,A,municipality,case_officer,K,b@kommune.example,,no",
        "b@kommune.example,B,municipality,case_officer,K,a@kommune.example,,no",
    )))
    assert rows[2].status == rows[3].status == "new"
    assert rows[2].notes == ["A → B → A: de er stedfortredere for hverandre; er begge borte, går nye saker "
                             "til kommunens kontaktperson."]


@pytest.mark.parametrize("kind, header, missing", [
    (COOPERATIVES, "orgnr,name,address,postcode,city,homes,association_contact", "kolonnen «municipality_owned»"),
    (CONTACTS, "email,name,role,organisation,deputy,leader", "kolonnene «party», «committee_member»"),
])
def test_a_file_missing_a_column_says_which(sessions, kind, header, missing):
    with pytest.raises(FileError, match=missing):
        plan(sessions, kind, header + "\n")


def test_an_excel_file_with_a_bom_and_semicolons_is_read(sessions):
    data = ("\ufeff" + ";".join(COOPERATIVE_COLUMNS) + "\r\n"
            "974760673;Nytt borettslag, avd. 2;Nyveien 1;9008;Tromsø;40;1;\r\n\r\n").encode("utf-8")
    from shared.directory_csv import decode
    result = plan(sessions, COOPERATIVES, decode(data))
    assert [(row.status, row.name) for row in result.rows] == [("new", "Nytt borettslag, avd. 2")]
    with pytest.raises(FileError, match="UTF-8"):
        decode("orgnr;name\n1;Bøler".encode("latin-1"))


def test_a_formula_in_a_cell_is_refused(sessions):
    rows = plan(sessions, CONTACTS, contacts_file("x@kommune.example,=HYPERLINK(1),municipality,leader,K,,,no")).rows
    assert rows[0].status == "rejected" and "formel" in rows[0].reasons[0]


def test_the_dry_run_writes_nothing_and_the_import_writes_exactly_the_preview(sessions):
    text = "\n".join([
        COOP_HEADER,
        "997273354,Prestvannet borettslag,Prestvannetveien 21,9006,Tromsø,150,6,per.hansen@bonord.example",
        "974760673,Nytt borettslag,Nyveien 1,9008,Tromsø,40,1,",
        "942474602,Feil kontrollsiffer,Veien 2,9008,Tromsø,10,0,",
    ])
    before = snapshot(sessions)
    previewed = plan(sessions, COOPERATIVES, text)
    assert snapshot(sessions) == before
    with unit_of_work(sessions) as session:
        assert directory_import.write(session, COOPERATIVES, text, previewed.digest) == 2
    with sessions() as session:
        coops = {c.orgnr: c for c in session.scalars(select(Cooperative))}
    assert coops["997273354"].address == "Prestvannetveien 21"
    assert coops["974760673"].name == "Nytt borettslag" and "942474602" not in coops
    assert len(coops) == len([row for row in before if len(row) == len(COOPERATIVE_COLUMNS)
                              and str(row[0]).isdigit()]) + 1
    assert plan(sessions, COOPERATIVES, text).count("unchanged") == 2


def test_an_import_refuses_when_the_directory_changed_since_the_preview(sessions):
    text = COOP_HEADER + "\n997273354,Prestvannet borettslag,Prestvannetveien 21,9006,Tromsø,150,6,\n"
    previewed = plan(sessions, COOPERATIVES, text)
    with unit_of_work(sessions) as session:
        session.scalars(select(Cooperative).where(Cooperative.orgnr == "997273354")).one().homes = 151
    before = snapshot(sessions)
    with pytest.raises(Stale) as stale, unit_of_work(sessions) as session:
        directory_import.write(session, COOPERATIVES, text, previewed.digest)
    assert [(c.field, c.old, c.new) for c in stale.value.plan.rows[0].changes if c.field == "homes"] == [
        ("homes", "151", "150")]
    assert snapshot(sessions) == before


@pytest.mark.parametrize("kind", [COOPERATIVES, CONTACTS])
def test_the_export_imports_back_with_no_changes(sessions, kind):
    with sessions() as session:
        exported = directory.export(session, kind)
    assert exported.startswith("\ufeff") and exported.splitlines()[0].count(";") >= 7
    result = plan(sessions, kind, exported)
    assert result.rows and {row.status for row in result.rows} == {"unchanged"}


def test_a_row_with_more_cells_than_the_header_is_rejected_not_shifted(sessions):
    rows = plan(sessions, COOPERATIVES, COOP_HEADER + "\n974760673,Nytt,Nyveien 1, 9008,9008,Tromsø,40,1,\n").rows
    assert rows[0].reasons == ["Linjen har 9 felt, men første linje har 8. Står det skilletegn i en verdi, "
                               "må verdien stå i anførselstegn."]


def test_the_lists_page_through_the_directory(sessions):
    with unit_of_work(sessions) as session:
        for n in range(10):
            session.add(Cooperative(orgnr=f"80000{n:04d}", name=f"Zeta {n}", homes=10))
    with sessions() as session:
        first, last = directory.cooperatives(session, "", 1), directory.cooperatives(session, "", 9)
        found = directory.cooperatives(session, "zeta 1", 1)
    assert (first.total, first.pages, len(first.items), last.page, len(last.items)) == (30, 2, 25, 2, 5)
    assert [c.name for c in found.items] == ["Zeta 1"]
    assert first.numbers == [1, 2]
