"""`python -m bench.profile_intake`: where one complaint's time goes inside the intake process.

The real app (`services.intake.create_app()`) against the bench PostgreSQL database and Redis
db, driven in-process through Werkzeug's test client (no gunicorn, no socket), so a profile
shows the intake's own Python. Each run prints per request: the SQL statements and Redis
commands it sent (counted with an engine event and a wrapped redis connection), its wall time
split by phase, and cProfile's top functions by cumulative and by own time.

The same driver times the bench's one-insert baseline app, so the printed ratio is measured
side by side; it only explains `bench.intake`'s ratio, which stays the figure that counts.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from bench import baseline_app
from bench.common import (
    COMPLAINT,
    DATABASE_URL,
    LOG_DIR,
    base_env,
    drop_database,
    flush_bench_redis,
    fresh_database,
    table,
)


class Counts:
    def __init__(self) -> None:
        self.sql: Counter[str] = Counter()
        self.redis: Counter[str] = Counter()

    def reset(self) -> None:
        self.sql.clear()
        self.redis.clear()


@contextmanager
def counted(counts: Counts, engine) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Count SQL statements (by their first words) and Redis round trips while inside."""
    from redis.connection import AbstractConnection

    def on_execute(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        counts.sql[" ".join(statement.split()[:3])[:60]] += 1

    original = AbstractConnection.send_packed_command

    def send(self, command, check_health=True):  # type: ignore[no-untyped-def]
        first = command[0] if isinstance(command, list) else command
        name = bytes(first).split(b"\r\n")[2].decode(errors="replace") if first else "?"
        counts.redis[name.upper()] += 1
        return original(self, command, check_health)

    event.listen(engine, "before_cursor_execute", on_execute)
    AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    try:
        yield
    finally:
        AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", on_execute)


def post_many(client, n: int, idempotency: bool) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for i in range(n):
        headers = {"Idempotency-Key": f"profile-{os.getpid()}-{time.time_ns()}-{i}"} if idempotency else {}
        response = client.post("/api/v1/complaints", json=COMPLAINT, headers=headers)
        assert response.status_code == 201, response.get_data(as_text=True)
    return time.perf_counter() - start


# What a complaint costs, by part: (label, file name ending, function name), inclusive CPU time.
# The parts nest (the unit of work inside the view, the view inside the limiter), so shares add
# up to more than 100 %; the table says what each part costs, not a partition.
COMPONENTS = [
    ("Flask wsgi_app (the whole request in the server)", "flask/app.py", "wsgi_app"),
    ("the view and its decorators (limiter, idempotency, smorest)", "flask/app.py", "dispatch_request"),
    ("submit_complaint (use case, incl. its SQL)", "intake/complaints.py", "submit_complaint"),
    ("COMMIT incl. ORM flush of history + outbox", "sqlalchemy/orm/session.py", "commit"),
    ("ORM flushes (case; history + outbox INSERTs)", "sqlalchemy/orm/session.py", "flush"),
    ("cooperative lookup (remembered per process since issue 11)", "intake/cases.py", "id_of"),
    ("pool checkout incl. pre-ping (SELECT 1)", "sqlalchemy/pool/base.py", "_checkout"),
    ("next_reference (counter upsert)", "shared/references.py", "next_reference"),
    ("webargs/marshmallow load of the body", "webargs/core.py", "parse"),
    ("Flask-Limiter hit (before the view)", "flask_limiter/_extension.py", "_check_request_limit"),
    ("Flask-Limiter headers (after the view)", "flask_limiter/_extension.py", "__inject_headers"),
    ("redis-py commands (all)", "redis/client.py", "_execute_command"),
    ("redis-py Lua script (limiter hit)", "redis/commands/core.py", "__call__"),
    ("log line 'case submitted'", "logging/__init__.py", "info"),
    ("after_commit listener per case", "sqlalchemy/event/api.py", "listen"),
    ("json_only (content type, JSON depth)", "intake/api.py", "json_only"),
    ("tracking_url (url_for)", "intake/api.py", "tracking_url"),
    ("idempotency wrapper (no key sent)", "intake/idempotency.py", "wrapper"),
    ("CSRF check (API exempt)", "flask_wtf/csrf.py", "csrf_protect"),
    ("metrics (count + histogram)", "intake/metrics.py", "_count"),
    ("security headers", "intake/security.py", "security_headers"),
]


def components(stats: pstats.Stats, n: int) -> str:
    whole = None
    rows = []
    for label, suffix, function in COMPONENTS:
        cum = sum(v[3] for k, v in stats.stats.items()  # type: ignore[attr-defined]
                  if k[0].endswith(suffix) and k[2] == function)
        whole = whole or cum
        rows.append([label, f"{cum / n * 1000:.2f}", f"{cum / whole * 100:.0f} %"])
    return table(["part", "CPU ms/request (profiled)", "share of wsgi_app"], rows)


def profile(run: Callable[[], float], n: int, top: int) -> tuple[float, str]:
    # CPU time of this process, not wall time: waits for PostgreSQL/Redis and other processes
    # on a busy machine do not count.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    elapsed = run()
    profiler.disable()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(LOG_DIR / "intake.prof")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write(components(stats, n) + "\n\n")
    stats.strip_dirs()
    stats.sort_stats("cumulative").print_stats(top * 3)
    stats.sort_stats("tottime").print_stats(top)
    return elapsed, out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_intake")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--idempotency", action="store_true", help="send an Idempotency-Key")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    os.environ.update(base_env())
    fresh_database()
    flush_bench_redis()
    try:
        from services.intake import create_app

        app = create_app()
        client = app.test_client()
        baseline_app.create_schema(DATABASE_URL)
        baseline = baseline_app.create_app().test_client()
        post_many(client, 20, args.idempotency)  # warm: pools, caches, imports
        post_many(baseline, 20, False)
        counts = Counts()
        with counted(counts, app.extensions["engine"]):
            counts.reset()
            post_many(client, 1, args.idempotency)
            print("per complaint: SQL statements", sum(counts.sql.values()), dict(counts.sql))
            print("per complaint: Redis commands", sum(counts.redis.values()), dict(counts.redis))
        n = args.requests
        plain = post_many(client, n, args.idempotency)
        base = post_many(baseline, n, False)
        print(f"intake {plain / n * 1000:.2f} ms/request, baseline {base / n * 1000:.2f} ms/request,"
              f" ratio {base / plain:.2f}× (in-process, one thread)")
        elapsed, text = profile(lambda: post_many(client, n, args.idempotency), n, args.top)
        print(f"profiled: {elapsed / n * 1000:.2f} ms/request\n{text}")
    finally:
        if not args.keep_db:
            drop_database()


if __name__ == "__main__":
    main()
