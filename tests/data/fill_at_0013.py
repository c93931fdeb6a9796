"""Fill a database through the use cases of the code at migration 0013 (one agreement, borettslag only),
and write its rows as SQL INSERT statements: tests/data/filled_at_0013.sql, which the migration test
(tests/unit/test_agreements_migration.py) loads into a database at 0013 and upgrades to head.

Run from a checkout of the code at 0013 (it was, with main at a25630f):
    env -u DATABASE_URL -u REDIS_URL .venv/bin/python tests/data/fill_at_0013.py OUT.sql
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from services.intake import create_app
from services.intake.tokens import create_token
from services.notifier.routing import route_case
from services.scheduler.annual import book_annual_meetings
from services.scheduler.meeting_requests import answer_meeting_request
from shared.cli import migrate
from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.demo import SHIPPED, load_demo
from shared.models import Case
from shared.settings import Settings

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
SUBMITTER = {"name": "Kari Styreleder", "email": "kari@example.org", "role": "board"}


def main(out: Path) -> None:
    path = Path(tempfile.mkdtemp()) / "filled.db"
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{path}", "APP_ENV": "development"})
    settings = settings.with_overrides(rate_limit_submissions="100000 per minute", rate_limit_storage="memory://")
    migrate(settings)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as session:
        load_demo(session, SHIPPED)
        kari, _ = create_token(session, now=NOW, contact_email="kari.johansen@kommune.example")
        per, _ = create_token(session, now=NOW, contact_email="per.hansen@bonord.example")
        create_token(session, now=NOW, system="fagsystem", party="system")
    client = create_app(settings).test_client()

    def post(url: str, body: dict, token: str | None = None) -> str:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = client.post(url, json=body, headers=headers)
        assert answer.status_code == 201, answer.get_json()
        return str(answer.get_json()["reference"])

    references = [
        post("/api/v1/complaints", {"cooperative_orgnr": orgnr, "category": category, "submitter": SUBMITTER,
                                    "description": "Det bråker hver natt fra leilighet 3B, også etter 23."})
        for orgnr, category in [("997273354", "noise"), ("942474601", "pests"), ("942581521", "damage")]
    ]
    references.append(post("/api/v1/acquisitions", {
        "cooperative_orgnr": "997273354", "share_number": "41", "address": "Prestvannetveien 19",
        "planned_date": "2027-05-01", "note": "Planlagt kjøp."}, kari))
    references.append(post("/api/v1/sublets", {
        "cooperative_orgnr": "961998492", "share_number": "7", "move_in_date": "2027-04-01",
        "tenant_household": "To voksne", "question": "Kan styret godkjenne?"}, kari))
    references.append(post("/api/v1/meeting-requests", {
        "party": "association", "reason": "Mange klager i vinter.", "topics": ["Klager", "Vedlikehold"]}, per))
    with unit_of_work(sessions) as session:
        ids = {r: session.execute(select(Case.id).where(Case.reference == r)).scalar_one() for r in references}
        for number, case_id in enumerate(ids.values()):
            route_case(session, case_id, f"e-{number}", now=NOW, mail_domain="samhandling.example")
        book_annual_meetings(session, 2027, NOW, "Europe/Oslo")
        answer_meeting_request(session, ids[references[-1]], now=NOW, tz_name="Europe/Oslo")
    for reference, action in [(references[0], "acknowledge"), (references[0], "resolve"),
                              (references[1], "acknowledge")]:
        answer = client.post(f"/api/v1/cases/{reference}/transitions",
                             json={"action": action, "comment": "Tatt opp med beboeren."},
                             headers={"Authorization": f"Bearer {kari}"})
        assert answer.status_code == 200, answer.get_json()
    engine.dispose()
    connection = sqlite3.connect(path)
    lines = [line for line in connection.iterdump()
             if line.startswith("INSERT INTO") and "alembic_version" not in line]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} rows, cases: {', '.join(references)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
