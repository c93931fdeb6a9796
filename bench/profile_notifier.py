"""`python -m bench.profile_notifier`: where one case_submitted task's time goes in the notifier.

The notifier's `consume` (what the Celery task runs, without Celery) in this process against the
bench PostgreSQL database, sending over SMTP to bench.sink's counting sink in a child process, so
this process's CPU is the notifier's own. Prints the SQL statements of one task, the CPU ms per
task unprofiled, and cProfile's top functions (CPU time) by cumulative and by own time.
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import importlib
import io
import os
import pstats
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from bench.common import LOG_DIR, base_env, drop_database, free_port, fresh_database, wait_until
from bench.notifier import create_cases
from services.notifier.handlers import HANDLERS
from services.notifier.mail import SmtpMailer, template_environment
from services.notifier.runner import consume
from shared.messages import Event
from shared.runtime import Resources
from shared.settings import Settings

SINK = ("import sys; from bench.sink import CountingSink; sink = CountingSink(port=int(sys.argv[1])); "
        "sink.start(); print('ready', flush=True); sys.stdin.read(); sink.stop()")
EVENT_TYPES = {message_type.task_name: message_type for message_type in HANDLERS}


# The parts of a case_submitted task, as module attributes to time: (module, attribute).
PARTS = [
    ("services.notifier.runner", "is_processed"),
    ("services.notifier.handlers", "route_case"),
    ("services.notifier.routing", "current_handbook"),
    ("services.notifier.routing", "plan_routing"),
    ("services.notifier.routing", "queue_notifications"),
    ("shared.lifecycle", "apply_written"),
    ("services.notifier.handlers", "open_deadlines"),
    ("services.notifier.delivery", "_claim"),
    ("services.notifier.composers", "compose_case_mail"),
    ("services.notifier.case_mail", "compose"),
    ("services.notifier.mail", "_transmit"),
    ("services.notifier.delivery", "_record"),
    ("services.notifier.runner", "mark_processed_unless"),
    ("sqlalchemy.orm.session", "Session.commit"),
    ("jinja2.environment", "Template.render"),
    ("services.notifier.case_mail", "case_action_links"),
    ("services.notifier.mail", "_text_part"),
    ("services.notifier.mail", "_set_boundaries"),
    ("services.notifier.mail", "wire"),
    ("smtplib", "SMTP.sendmail"),
    ("sqlalchemy.engine.base", "Connection.execute"),
    ("sqlalchemy.orm.session", "Session.execute"),
    ("psycopg.cursor", "Cursor.execute"),
]


def timed_parts() -> dict[str, float]:
    """Wrap each of PARTS to add up the CPU time spent inside it."""
    spent: dict[str, float] = {}
    for module_name, attribute in PARTS:
        owner: object = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step)
        original = getattr(owner, name)
        label = f"{module_name.rpartition('.')[2]}.{attribute}"
        spent[label] = 0.0

        def wrapper(*args, _original=original, _label=label, **kwargs):  # type: ignore[no-untyped-def]
            start = time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - start

        setattr(owner, name, wrapper)
    return spent


@contextmanager
def collections_timed() -> Iterator[dict[int, list[float]]]:
    """The garbage collector's collections per generation while inside: how many, and their CPU
    seconds."""
    spent: dict[int, list[float]] = {generation: [0, 0.0] for generation in range(3)}
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            spent[info["generation"]][0] += 1
            spent[info["generation"]][1] += time.process_time() - started[0]

    gc.callbacks.append(callback)
    try:
        yield spent
    finally:
        gc.callbacks.remove(callback)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_notifier")
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--parts", action="store_true",
                        help="CPU ms per task of each part (PARTS), timed without a profiler")
    parser.add_argument("--no-cprofile", action="store_true",
                        help="only the unprofiled tasks (to sample them with py-spy, which costs them little)")
    args = parser.parse_args()
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    env = base_env(SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))
    os.environ.update(env)
    try:
        assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        fresh_database()
        settings = Settings.from_env(env)
        events: list[Event] = [EVENT_TYPES[name].from_payload(payload)
                               for name, payload, _ in create_cases(settings, 2 * args.tasks + 3)]
        resources, mailer, templates = Resources(settings), SmtpMailer(settings), template_environment()
        for _ in range(2):  # warm: the handbook stored then found stored, pools, templates
            consume(resources, events.pop(0), mailer, templates)
        seen: Counter[str] = Counter()

        def count(_connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            seen[" ".join(statement.split()[:4])[:70]] += 1

        event.listen(Engine, "before_cursor_execute", count)
        consume(resources, events.pop(0), mailer, templates)
        event.remove(Engine, "before_cursor_execute", count)
        print(f"SQL statements per task: {sum(seen.values())}")
        for statement, n in seen.most_common():
            print(f"  {n} × {statement}")
        plain, profiled = events[:args.tasks], events[args.tasks:]
        with collections_timed() as collections:
            cpu = time.process_time()
            for message in plain:
                consume(resources, message, mailer, templates)
            print(f"CPU per task, unprofiled: {(time.process_time() - cpu) / len(plain) * 1000:.2f} ms")
        print("of which the garbage collector's, by generation: " + ", ".join(
            f"{generation}: {count / len(plain):.1f} collections, {seconds / len(plain) * 1000:.2f} ms"
            for generation, (count, seconds) in collections.items()))
        if args.parts:
            spent = timed_parts()
            for message in profiled:
                consume(resources, message, mailer, templates)
            print("CPU ms per task by part (inclusive; parts nest):")
            for name, seconds in spent.items():
                print(f"  {seconds / len(profiled) * 1000:6.2f}  {name}")
            return
        if args.no_cprofile:
            return
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for message in profiled:
            consume(resources, message, mailer, templates)
        profiler.disable()
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(LOG_DIR / "notifier.prof")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(args.top * 2)
        stats.sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
        print(f"profile in {LOG_DIR / 'notifier.prof'}; {len(profiled)} tasks profiled")
    finally:
        sink.communicate("", timeout=30)
        wait_until(lambda: sink.poll() is not None, 10, "the sink")
        drop_database()


if __name__ == "__main__":
    main()
