"""`python -m bench.growth`: what growth costs the staff's reads and routing.

The throw-away database gets 2,000 borettslag (each with a board contact) beside the demo data,
then is filled in steps to 1,000, 10,000 and 100,000 cases with a realistic spread: types
(mostly complaints), statuses (most cases closed, recent ones open), borettslag (a few send
many), case officers, five years of dates, history rows, deadlines (met, missed, open) and
three notifications per routed case. Rows are written with PostgreSQL's COPY, so a step takes
seconds. After each step it times, in this process through the real app (Flask's test client,
a staff token, no network), `GET /api/v1/cases` with each filter and deep paging,
`GET /api/v1/compliance?year=`, and routing one new complaint (the notifier's `route_case`
in its own transaction), and prints p50/p95 per step. Target: p95 ≤ 100 ms at 100,000 cases.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, select, text

from bench.common import (
    COMPLAINT,
    DATABASE_URL,
    base_env,
    drop_database,
    fresh_database,
    percentile,
    record,
    table,
)
from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.models import Contact, Cooperative, utcnow
from shared.settings import Settings

TARGET_P95_MS = 100
COOPERATIVES = 2000
YEARS = 5  # cases spread over the five years before now
TYPES = [("complaint", "KL", 85.0), ("acquisition", "ER", 7.0), ("sublet", "FR", 7.5),
         ("meeting_request", "MO", 0.5)]
CATEGORIES = ["noise", "house_rules", "damage", "maintenance", "pests", "payment", "other"]
OFFICERS = ["anne.nilsen@bonord.example", "per.hansen@bonord.example"] + [
    f"saksbehandler{n}@bonord.example" for n in range(1, 19)]
HISTORY_STEPS = {"received": 1, "routed": 2, "acknowledged": 3, "resolved": 4, "rejected": 4}


def orgnr(n: int) -> str | None:
    """A valid organisasjonsnummer (mod 11) from a running number, or None when n has none."""
    digits = [int(d) for d in f"9{n:07d}"]
    remainder = sum(w * d for w, d in zip([3, 2, 7, 6, 5, 4, 3, 2], digits, strict=True)) % 11
    check = 0 if remainder == 0 else 11 - remainder
    return None if check == 10 else "".join(map(str, digits)) + str(check)


def add_directory(sessions) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """2,000 borettslag with a board contact each, and the case officers; their (id, orgnr)."""
    with unit_of_work(sessions) as session:
        for officer in OFFICERS[2:]:
            session.add(Contact(email=officer, name=officer.split("@")[0].title(), party="association",
                                role="case_officer", organisation="BoNord"))
        n = 0
        added = 0
        while added < COOPERATIVES:
            n += 1
            number = orgnr(n)
            if number is None:
                continue
            name = f"Vekst {n} borettslag"
            session.add(Cooperative(orgnr=number, name=name, address=f"Vekstveien {n}", postcode="9000",
                                    city="Tromsø", homes=random.Random(n).randint(8, 300),
                                    municipality_owned=0, association_contact=OFFICERS[n % len(OFFICERS)]))
            session.add(Contact(email=f"styret.vekst{n}@borettslag.example", name=f"Styret i {name}",
                                party="cooperative", role="board", organisation=name))
            added += 1
    with sessions() as session:
        return [tuple(row) for row in session.execute(select(Cooperative.id, Cooperative.orgnr))]  # type: ignore[misc]


@dataclass
class Filler:
    """Writes cases [start, stop) and their rows with COPY; keeps the reference counters."""

    engine: Engine
    cooperatives: list[tuple[int, str]]
    now: dt.datetime
    rng: random.Random
    numbers: dict[tuple[str, int], int]

    def fill(self, count: int) -> None:
        """Add `count` cases after those already there (the probes add a few of their own)."""
        with self.engine.connect() as connection:
            start = connection.execute(text('SELECT coalesce(max(id), 0) FROM "case"')).scalar_one()
            for prefix, year, number in connection.execute(
                    text("SELECT prefix, year, last_number FROM reference_counter")):
                self.numbers[(prefix, year)] = max(number, self.numbers.get((prefix, year), 0))
        stop = start + count
        span = dt.timedelta(days=365 * YEARS)
        weights = [1 / (i + 1) ** 0.8 for i in range(len(self.cooperatives))]  # a few send many
        chosen = self.rng.choices(self.cooperatives, weights, k=count)
        kinds = self.rng.choices(TYPES, [t[2] for t in TYPES], k=count)
        cases, history, deadlines, notes = [], [], [], []
        for i, case_id in enumerate(range(start + 1, stop + 1)):
            created = self.now - span * self.rng.random()
            case_type, prefix, _ = kinds[i]
            age_days = (self.now - created).days
            status = self._status(age_days)
            key = (prefix, created.year)
            self.numbers[key] = self.numbers.get(key, 0) + 1
            reference = f"{prefix}-{created.year}-{self.numbers[key]:04d}"
            cooperative_id, _ = chosen[i] if case_type != "meeting_request" else (None, None)
            officer = OFFICERS[self.rng.randrange(len(OFFICERS))]
            assignee = None if status == "received" else officer
            overdue = status in {"routed", "acknowledged"} and age_days > 30
            details = ({"party": "municipality", "topics": ["Samarbeid"], "meeting": None,
                        "deadline": (created + dt.timedelta(days=21)).date().isoformat()}
                       if case_type == "meeting_request" else {})
            cases.append((case_id, reference, case_type, status, cooperative_id,
                          self.rng.choice(CATEGORIES) if case_type == "complaint" else None,
                          "Det bråker hver natt fra leilighet 3B.", assignee, overdue,
                          json.dumps(details), secrets.token_urlsafe(32), created, created,
                          "Kari Styreleder", "kari@example.org", "board", False))
            steps = ["received", "routed", "acknowledged", status][:HISTORY_STEPS[status]]
            for n, step in enumerate(steps):
                history.append((case_id, created + dt.timedelta(days=n), "bench", step, step, "", True))
            if status != "received":
                deadlines.extend(self._deadlines(case_id, case_type, status, created))
                for kind, who in (("case_notification", officer), ("copy", "kari.johansen@kommune.example"),
                                  ("receipt", "kari@example.org")):
                    notes.append((f"bench-{case_id}", case_id, who, "", kind, f"{case_type}_notification", "sent",
                                  f"<bench-{case_id}-{kind}@samhandling.example>", 1, "", created, created))
        self._copy("case", ["id", "reference", "type", "status", "cooperative_id", "category",
                            "description", "assignee", "overdue", "details", "tracking_token",
                            "created_at", "updated_at", "submitter_name", "submitter_email",
                            "submitter_role", "unrouted"], cases)
        self._copy("case_history", ["case_id", "at", "actor", "action", "to_status", "comment",
                                    "public"], history)
        self._copy("deadline", ["case_id", "kind", "working_days", "due_at", "remind_at", "met_at",
                                "closed_at", "created_at"], deadlines)
        self._copy("notification", ["event_id", "case_id", "recipient", "recipient_name", "kind", "template", "status",
                                    "message_id", "attempts", "last_error", "sent_at", "created_at"], notes)
        with self.engine.begin() as connection:
            connection.execute(text("SELECT setval('case_id_seq', :n)"), {"n": stop})
            for (prefix, year), number in self.numbers.items():
                connection.execute(text(
                    "INSERT INTO reference_counter (prefix, year, last_number) VALUES (:p, :y, :n) "
                    "ON CONFLICT (prefix, year) DO UPDATE SET last_number = :n"),
                    {"p": prefix, "y": year, "n": number})
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))  # as autovacuum leaves a settled table

    def _status(self, age_days: int) -> str:
        if age_days < 30:  # recent cases are still open, older ones mostly closed
            return self.rng.choices(["received", "routed", "acknowledged", "resolved"], [5, 25, 40, 30])[0]
        return self.rng.choices(["routed", "acknowledged", "resolved", "rejected"], [1, 3, 86, 10])[0]

    def _deadlines(self, case_id: int, case_type: str, status: str,
                   created: dt.datetime) -> Iterator[tuple[object, ...]]:
        closed = created + dt.timedelta(days=self.rng.randint(3, 40)) if status in {"resolved", "rejected"} else None
        kinds = {"complaint": [("acknowledge", 2, 3), ("resolve", 20, 28)], "sublet": [("resolve", 20, 28)],
                 "acquisition": [("board_approval", 20, 20)]}.get(case_type, [])
        for kind, days, calendar_days in kinds:
            due = created + dt.timedelta(days=calendar_days)
            met = None
            if status != "routed" and (kind == "acknowledge" or closed):
                met = created + dt.timedelta(days=self.rng.randint(1, calendar_days + 5))
            yield (case_id, kind, days, due, created + (due - created) * 0.75, met,
                   closed or (met if kind == "acknowledge" else None), created)

    def _copy(self, table_name: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            quoted = ", ".join(columns)
            with cursor.copy(f'COPY "{table_name}" ({quoted}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()


def timed(call: Callable[[], object], samples: int) -> tuple[float, float]:
    call()  # warm: caches, prepared statements
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return percentile(times, 50), percentile(times, 95)


def probes(app, token: str, sessions, cooperatives, settings) -> dict[str, Callable[[], object]]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    year = utcnow().year - 2
    rng = random.Random(7)

    def get(path: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:200])
            return response
        return call

    def route_one() -> None:
        from services.intake.complaints import submit_complaint
        from services.notifier.routing import route_case
        from shared.models import Case

        _, number = cooperatives[rng.randrange(len(cooperatives))]
        with unit_of_work(sessions) as session:
            submitted = submit_complaint(session, {**COMPLAINT, "cooperative_orgnr": number},
                                         tz_name=settings.tz_name, now=utcnow())
            case_id = session.execute(select(Case.id).where(Case.reference == submitted.reference)).scalar_one()
        start = time.perf_counter()
        with unit_of_work(sessions) as session:
            route_case(session, case_id, f"bench-route-{case_id}", now=utcnow(),
                       mail_domain="samhandling.example", tz_name=settings.tz_name)
        route_one.took = (time.perf_counter() - start) * 1000  # type: ignore[attr-defined]

    return {
        "cases, no filter (page 1)": get("/api/v1/cases"),
        "cases ?type=complaint": get("/api/v1/cases?type=complaint"),
        "cases ?type=meeting_request (rare)": get("/api/v1/cases?type=meeting_request"),
        "cases ?status=received (rare)": get("/api/v1/cases?status=received"),
        "cases ?status=resolved (common)": get("/api/v1/cases?status=resolved"),
        "cases ?assignee=anne.nilsen@…": get("/api/v1/cases?assignee=anne.nilsen@bonord.example"),
        "cases ?overdue=true": get("/api/v1/cases?overdue=true"),
        "cases ?type=complaint&status=acknowledged&overdue=false":
            get("/api/v1/cases?type=complaint&status=acknowledged&overdue=false"),
        "cases ?page=200&per_page=50 (deep page)": get("/api/v1/cases?page=200&per_page=50"),
        f"compliance ?year={year}": get(f"/api/v1/compliance?year={year}"),
        "routing one new complaint": route_one,
    }


def measure(app, token, sessions, cooperatives, settings, samples: int) -> dict[str, tuple[float, float]]:  # type: ignore[no-untyped-def]
    results = {}
    for label, call in probes(app, token, sessions, cooperatives, settings).items():
        if label.startswith("routing"):
            took = []
            for _ in range(samples + 1):
                call()
                took.append(call.took)  # type: ignore[attr-defined]
            results[label] = (percentile(took[1:], 50), percentile(took[1:], 95))
        else:
            results[label] = timed(call, samples)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.growth")
    parser.add_argument("--sizes", default="1000,10000,100000", help="cases after each step")
    parser.add_argument("--samples", type=int, default=40, help="timed requests per probe and step")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    fresh_database()
    settings = Settings.from_env(base_env())
    engine = make_engine(DATABASE_URL)
    sessions = make_sessionmaker(engine)
    try:
        from services.intake import create_app
        from services.intake.tokens import create_token

        cooperatives = add_directory(sessions)
        with unit_of_work(sessions) as session:
            token, _ = create_token(session, now=utcnow(), contact_email="kari.johansen@kommune.example")
        app = create_app(settings)
        filler = Filler(engine, cooperatives, utcnow(), random.Random(2027), {})
        results: dict[int, dict[str, tuple[float, float]]] = {}
        filled = 0
        for size in sizes:
            began = time.perf_counter()
            filler.fill(size - filled)
            filled = size
            print(f"{size} cases filled in {time.perf_counter() - began:.1f} s", flush=True)
            results[size] = measure(app, token, sessions, cooperatives, settings, args.samples)
            for label, (p50, p95) in results[size].items():
                print(f"  {label:58s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)
        app.extensions["engine"].dispose()
    finally:
        engine.dispose()
        if not args.keep_db:
            drop_database()
    report(results, sizes, args.samples)


def report(results: dict[int, dict[str, tuple[float, float]]], sizes: list[int], samples: int) -> None:
    labels = list(results[sizes[0]])
    rows = []
    for label in labels:
        cells = [f"{results[s][label][0]:.1f} / {results[s][label][1]:.1f}" for s in sizes]
        grew = results[sizes[-1]][label][1] / max(results[sizes[0]][label][1], 0.01)
        rows.append([label, *cells, f"{grew:.1f}×"])
    largest = sizes[-1]
    worst = max(labels, key=lambda label: results[largest][label][1])
    worst_p95 = results[largest][worst][1]
    verdict = "reached" if worst_p95 <= TARGET_P95_MS else "MISSED"
    record("Growth: reads and routing from 1,000 to 100,000 cases", (
        f"`python -m bench.growth` (`make bench-growth`): {COOPERATIVES:,} borettslag, cases filled by COPY "
        f"in steps, {samples} timed requests per probe and step, in-process through the real app "
        "(Flask test client, staff token, PostgreSQL; no HTTP server, no network).\n\n"
        + table(["probe (p50 / p95 ms)", *[f"{s:,} cases" for s in sizes], f"p95 {sizes[-1]:,}/{sizes[0]:,}"], rows)
        + f"\n\nslowest p95 at {largest:,} cases: {worst} {worst_p95:.1f} ms "
        f"(target ≤ {TARGET_P95_MS} ms: {verdict})"
    ))


if __name__ == "__main__":
    main()
