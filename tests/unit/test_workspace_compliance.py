"""/arbeid/samsvar/<year> (issue 13): the year's compliance for the staff, charts beside their
tables, deadlines per borettslag, open cases by age, and the same numbers as CSV."""
from __future__ import annotations

import csv
import io

import time_machine

from tests.support.workspace import sign_in_as
from tests.unit.test_compliance import NEW_YEARS_EVE, year_2027  # noqa: F401

KARI = "kari.johansen@kommune.example"


def page(client, sessions, settings, path: str):
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        sign_in_as(client, sessions, settings, KARI)
        return client.get(path)


def test_the_year_page_shows_each_chart_beside_its_table(client, sessions, settings, year_2027):  # noqa: F811
    response = page(client, sessions, settings, "/arbeid/samsvar/2027")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3 and html.count('role="img" aria-label="') == 3
    assert "Frister i 2027 per sakstype" in html
    assert "<strong>1 holdt</strong> og <strong>1 planlagt</strong>" in html
    assert 'href="/arbeid/saker/MO-2027-0001"' in html
    # Deadlines per borettslag: the complaint's borettslag, with its acknowledge met and resolve missed.
    assert "Prestvannet borettslag</th><td>997273354</td><td>1</td><td>1</td><td>0</td>" in html
    # The complaint is still open, 282 days after it came in.
    assert "<th scope=\"row\">Klage</th><td>0</td><td>0</td><td>0</td><td>1</td><td>1</td>" in html


def test_the_csv_holds_the_same_numbers(client, sessions, settings, year_2027):  # noqa: F811
    response = page(client, sessions, settings, "/arbeid/samsvar/2027.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="samsvar-2027.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    by_section = {(row["del"], row["hva"]): row for row in rows}
    assert by_section[("faste møter", "krav 2")]["overholdt"] == "1"
    resolve = by_section[("frister per sakstype", "Klage: løse saken")]
    assert (resolve["overholdt"], resolve["overskredet"], resolve["meldt til leder"]) == ("0", "1", "1")
    assert by_section[("frister per borettslag", "997273354")]["borettslag"] == "Prestvannet borettslag"
    requests = [row for row in rows if row["del"] == "møteinnkallinger"]
    assert [(r["hva"], r["innen fristen"]) for r in requests] == [
        ("MO-2027-0001", "ja"), ("MO-2027-0002", "nei"), ("MO-2027-0003", "ja")]


def test_the_page_redirects_to_this_year_and_refuses_other_years(client, sessions, settings):
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        sign_in_as(client, sessions, settings, KARI)
        assert client.get("/arbeid/samsvar").headers["Location"] == "/arbeid/samsvar/2027"
        assert client.get("/arbeid/samsvar/1999").status_code == 404
        empty = client.get("/arbeid/samsvar/2030").get_data(as_text=True)
    assert "Ingen frister forfaller i 2030." in empty and "Ingen parter har bedt om møte i 2030." in empty


def test_a_committee_member_from_a_board_may_not_see_it(client, sessions, settings):
    sign_in_as(client, sessions, settings, "styret.fjellheisen@borettslag.example")
    assert client.get("/arbeid/samsvar/2027").status_code == 403


def test_a_chart_labels_every_bar_with_its_number_and_escapes_its_text():
    from services.intake.charts import Bar, stacked_bars

    svg = str(stacked_bars(("Overholdt", "Overskredet"), [Bar("<script>x</script>", (3, 1)), Bar("Tom", (0, 0))],
                           'Sammendrag "med" anførsel'))
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    assert 'aria-label="Sammendrag &quot;med&quot; anførsel"' in svg
    assert ">4</text>" in svg and ">0</text>" in svg  # totals beside the bars, also for an empty one
    assert svg.count("<rect") == 2 + 2  # two legend swatches, two segments (nothing drawn for zeros)


def test_the_years_report_as_a_pdf_has_every_figure(client, sessions, settings, year_2027):  # noqa: F811
    from tests.unit.test_meeting_documents import pdf_text

    response = page(client, sessions, settings, "/arbeid/samsvar/2027.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="samsvar-2027.pdf"'
    text = pdf_text(response.get_data())
    assert "Samsvar med samhandlingsavtalen 2027" in text
    assert "Tromsø kommune Boligkontoret · BoNord" in text and "Side 1 av" in text
    assert "2 faste møter i året: 1 holdt og 1 planlagt" in text
    for reference in ("MO-2027-0001", "MO-2027-0002", "MO-2027-0003"):
        assert reference in text
    assert "Prestvannet borettslag 997273354 1 1 0" in text
    assert "Klage løse saken 0 1 0 1" in text
