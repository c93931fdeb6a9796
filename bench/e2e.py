"""`python -m bench.e2e`: complaints at a steady rate through the whole system to real SMTP.

Intake under gunicorn, relay+beat (`services.scheduler`), notifier (`--concurrency 4`, as compose), PostgreSQL,
and a cheap SMTP sink: postfix's smtp-sink where it is installed (C, its own process, a file per
e-mail read afterwards), else bench.sink's CountingSink in this process, which notes only subject,
recipients and time (`python -m bench.sink` measures all three, and what make run's full sink
would cost instead: 10–13× smtp-sink's CPU per e-mail). Latency
is from the start of the POST to the SMTP server accepting the case's first e-mail (matched by
the reference in the subject). It runs once on real Redis and once on the embedded
Redis-protocol server (`make run`'s default) and prints both, then the peak memory of each
service after the real-Redis run.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from sqlalchemy import Engine, text

from bench.common import (
    COMPLAINT,
    DATABASE_URL,
    LOG_DIR,
    REDIS_URL,
    Child,
    base_env,
    children,
    drop_database,
    flush_bench_redis,
    free_port,
    fresh_database,
    percentile,
    record,
    start_gunicorn,
    table,
    wait_http,
    wait_until,
)
from bench.cpu import backends, cpu, group, of_process
from bench.load import PacedPoster, Posted
from bench.memory import peak_rss
from bench.sink import CountingSink, PostfixSink
from dev.redis_server import EmbeddedRedis
from shared.db import make_engine

P50_TARGET_MS, P99_TARGET_MS = 100, 500
NOTIFIER_CONCURRENCY = 4  # as compose and make run


@dataclass
class Outcome:
    broker: str
    rate: float
    seconds: float
    posted: list[Posted]
    send_time: float
    sink: str = ""
    cased: int = 0
    mailed: dict[str, Counter] = field(default_factory=dict)  # reference → recipient counts
    first_mail: dict[str, float] = field(default_factory=dict)  # reference → epoch seconds
    memory: list[list[object]] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # part → CPU seconds over the load and drain

    @property
    def references(self) -> list[str]:
        return [p.reference for p in self.posted if p.status == 201 and p.reference]

    def latencies_ms(self) -> list[float]:
        sent = {p.reference: p.sent_at for p in self.posted if p.reference}
        return [(self.first_mail[r] - sent[r]) * 1000
                for r in self.references if r in self.first_mail]

    def write_latencies(self, path: Path) -> None:
        """Each complaint's second since the first POST and its latency, to see a run over time."""
        sent = sorted((p.sent_at, p.reference) for p in self.posted if p.reference)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as out:
            out.write("seconds,latency_ms\n")
            for at, reference in sent:
                if reference in self.first_mail:
                    out.write(f"{at - sent[0][0]:.3f},{(self.first_mail[reference] - at) * 1000:.0f}\n")

    def counts(self) -> dict[str, int]:
        per_case = Counter(len(self.mailed.get(r, {})) for r in self.references if r in self.mailed)
        recipients = per_case.most_common(1)[0][0] if per_case else 0
        distinct = sum(len(self.mailed.get(r, {})) for r in self.references)
        return {
            "posted": len(self.references),
            "failed": len(self.posted) - len(self.references),
            "cased": self.cased,
            "mailed": distinct,
            "lost": sum(max(0, recipients - len(self.mailed.get(r, {}))) for r in self.references),
            "doubled": sum(n - 1 for r in self.references for n in self.mailed.get(r, {}).values()),
            "recipients": recipients,
        }


Sink = CountingSink | PostfixSink


def make_sink(name: str) -> Sink:
    """postfix's smtp-sink where installed (its own process, ~0.4 ms of CPU per e-mail), else
    bench.sink's counting aiosmtpd in this process (~2 ms): `python -m bench.sink` measures both."""
    return PostfixSink() if name == "smtp-sink" and PostfixSink.available() else CountingSink()


def scan_mail(sink: Sink) -> tuple[dict[str, Counter], dict[str, float]]:
    mailed: dict[str, Counter] = {}
    first: dict[str, float] = {}
    for message in sink.messages():
        words = [w.strip("()") for w in message.subject.split() if "-20" in w]
        if not words:
            continue
        reference, at = words[0], message.created.timestamp()
        first[reference] = min(first.get(reference, at), at)
        for recipient in message.rcpt_tos:
            mailed.setdefault(reference, Counter())[recipient.lower()] += 1
    return mailed, first


def count_cases(references: list[str]) -> int:
    engine = make_engine(DATABASE_URL)
    try:
        with engine.connect() as connection:
            found = connection.execute(text('SELECT reference FROM "case"')).scalars()
            return len(set(found) & set(references))
    finally:
        engine.dispose()


def start_system(started: list[Child], env: dict[str, str]) -> str:
    port = free_port()
    env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    python = sys.executable
    intake = start_gunicorn("e2e-intake", "services.intake:create_app()", env, port)
    started.append(intake)
    started.append(Child("e2e-scheduler", [python, "-m", "services.scheduler"], env))
    notifier = [python, "-m", "services.notifier", "--concurrency", str(NOTIFIER_CONCURRENCY)]
    started.append(Child("e2e-notifier", notifier, env))
    wait_http(f"http://127.0.0.1:{port}/readyz", intake)
    return f"http://127.0.0.1:{port}"


WARM_UP_COMPLAINTS = 3 * NOTIFIER_CONCURRENCY  # so that every pool process has had a task or two


def warm_up(base_url: str, sink: Sink, started: list[Child]) -> None:
    """A few complaints all the way to SMTP, enough for every pool process of the notifier and
    every intake worker to have served one: each process has connected, compiled its statements
    and met the handbook version before we time, as in a system that has been running."""
    poster = PacedPoster(f"{base_url}/api/v1/complaints", COMPLAINT, rate=WARM_UP_COMPLAINTS,
                         seconds=1, threads=2)
    poster.run()
    references = {posted.reference for posted in poster.results if posted.reference}

    def arrived() -> bool:
        for child in started:
            child.check()
        mailed, _ = scan_mail(sink)
        return references <= mailed.keys()

    wait_until(arrived, 90, "the warm-up complaints' e-mails")
    time.sleep(1)  # their copies too
    sink.clear()


def drain(sink: Sink, expected_cases: int, started: list[Child], patience: float) -> None:
    """Wait until every case has mail and no more arrives, or `patience` s pass without any."""
    last, last_change = -1, time.monotonic()
    while time.monotonic() - last_change < patience:
        for child in started:
            child.check()
        now = len(sink.messages())
        if now != last:
            last, last_change = now, time.monotonic()
        mailed, _ = scan_mail(sink)
        if len(mailed) >= expected_cases and time.monotonic() - last_change > 3:
            return
        time.sleep(0.5)


def cpu_by_part(started: list[Child], engine: Engine, redis_url: str, sink: Sink) -> dict[str, float]:
    """CPU seconds so far of each service's process group, of this process (the paced poster, and
    the SMTP sink unless it is smtp-sink; the embedded Redis too when it is the broker), of
    smtp-sink, of the PostgreSQL backends of the bench database and of the real Redis server."""
    parts = {child.name.removeprefix("e2e-"): sum(group(child.pid).values()) for child in started}
    if isinstance(sink, PostfixSink):
        parts["bench process: load"] = cpu(Path("/proc/self/stat")) or 0.0
        parts[f"SMTP sink ({sink.name})"] = of_process(sink.pid)
    else:
        parts["bench process: load, SMTP sink"] = cpu(Path("/proc/self/stat")) or 0.0
    parts["PostgreSQL backends"] = sum(backends(engine).values())
    if redis_url == REDIS_URL:
        with Redis.from_url(redis_url) as redis:
            pid = redis.info("server")["process_id"]
        parts["Redis server (all its clients)"] = of_process(pid)
    return parts


def run(broker: str, redis_url: str, rate: float, seconds: float, patience: float,
        sink_name: str) -> Outcome:
    fresh_database()
    sink = make_sink(sink_name)
    sink.start()
    env = base_env(REDIS_URL=redis_url, SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.smtp_port),
                   RELAY_POLL_INTERVAL="0.05")
    try:
        with children() as started:
            base_url = start_system(started, env)
            warm_up(base_url, sink, started)
            engine = make_engine(DATABASE_URL)
            before = cpu_by_part(started, engine, redis_url, sink)
            poster = PacedPoster(f"{base_url}/api/v1/complaints", COMPLAINT, rate, seconds)
            send_time = poster.run()
            outcome = Outcome(broker, rate, seconds, poster.results, send_time, sink=sink.name)
            drain(sink, len(outcome.references), started, patience)
            after = cpu_by_part(started, engine, redis_url, sink)
            engine.dispose()
            outcome.cpu = {part: after[part] - before.get(part, 0.0) for part in after}
            outcome.mailed, outcome.first_mail = scan_mail(sink)
            outcome.cased = count_cases(outcome.references)
            outcome.write_latencies(LOG_DIR / f"e2e-{'redis' if redis_url == REDIS_URL else 'embedded'}.csv")
            outcome.memory = [
                [child.name.removeprefix("e2e-"), pid, role, f"{hwm:.0f}", f"{rss:.0f}"]
                for child in started for pid, role, hwm, rss in peak_rss(child.pid)
            ]
    finally:
        sink.stop()
    return outcome


def report(outcomes: list[Outcome]) -> str:
    rows, verdicts = [], []
    for o in outcomes:
        lat, c = o.latencies_ms(), o.counts()
        p50, p99 = percentile(lat, 50), percentile(lat, 99)
        rows.append([o.broker, o.sink, f"{o.rate:g}/s × {o.seconds:g} s",
                     f"{len(o.posted) / o.send_time:.1f}",
                     f"{percentile([p.latency * 1000 for p in o.posted], 50):.0f}",
                     f"{p50:.0f}", f"{p99:.0f}", f"{max(lat, default=float('nan')):.0f}",
                     c["posted"], c["failed"], c["cased"], c["mailed"], c["recipients"],
                     c["lost"], c["doubled"]])
        ok = p50 <= P50_TARGET_MS and p99 <= P99_TARGET_MS and c["lost"] == 0 and c["failed"] == 0
        verdicts.append(f"{o.broker}: p50 {p50:.0f} ms, p99 {p99:.0f} ms, lost {c['lost']} → "
                        f"{'reached' if ok else 'MISSED'}")
    headers = ["broker", "SMTP sink", "load", "sent/s", "POST p50 ms", "mail p50 ms", "mail p99 ms",
               "mail max ms", "posted", "failed", "cased", "mailed", "rcpt/case", "lost", "doubled"]
    text_ = (table(headers, rows) + "\n\n"
             + "Latency: POST start → first e-mail of the case accepted by SMTP. mailed = distinct "
               "(case, recipient); lost = missing (case, recipient) against rcpt/case; doubled = "
               "extra copies of a (case, recipient).\n\n"
             + f"Targets (p50 ≤ {P50_TARGET_MS} ms, p99 ≤ {P99_TARGET_MS} ms, 0 lost):\n"
             + "\n".join(f"- {v}" for v in verdicts))
    cpu_rows = [[o.broker, part, f"{seconds:.1f}", f"{seconds / max(len(o.references), 1) * 1000:.2f}",
                 f"{seconds / (sum(o.cpu.values()) or 1.0) * 100:.0f} %"]
                for o in outcomes for part, seconds in o.cpu.items()]
    cpu_rows += [[o.broker, "all", f"{sum(o.cpu.values()):.1f}",
                  f"{sum(o.cpu.values()) / max(len(o.references), 1) * 1000:.2f}", "100 %"] for o in outcomes]
    text_ += ("\n\nWhere the CPU goes, from the first POST until the mail stopped (/proc: each service's "
              "process group, this process, the database's backends, the Redis server):\n\n"
              + table(["broker", "part", "CPU s", "CPU ms per complaint", "share"], cpu_rows))
    if len(outcomes) == 2:
        a, b = (percentile(o.latencies_ms(), 50) for o in outcomes)
        text_ += f"\n\nratio mail p50 {outcomes[1].broker}/{outcomes[0].broker}: **{b / a:.2f}×**"
    return text_


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e")
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--embedded-seconds", type=float, default=None,
                        help="duration of the embedded-Redis run (default: --seconds)")
    parser.add_argument("--patience", type=float, default=30,
                        help="stop waiting for mail after this long without a new e-mail")
    parser.add_argument("--only", choices=["redis", "embedded"], default=None)
    parser.add_argument("--sink", choices=["smtp-sink", "counting"], default="smtp-sink",
                        help="postfix's smtp-sink (where installed, else counting) or bench.sink's "
                             "counting aiosmtpd in this process")
    parser.add_argument("--label", default="",
                        help="suffix for the RESULTS.md section names, e.g. ' (below saturation)'")
    args = parser.parse_args()
    outcomes = []
    try:
        if args.only in (None, "redis"):
            flush_bench_redis()
            outcomes.append(run("real Redis", REDIS_URL, args.rate, args.seconds, args.patience, args.sink))
            flush_bench_redis()
        if args.only in (None, "embedded"):
            embedded = EmbeddedRedis("127.0.0.1", 0)
            embedded.start()
            try:
                outcomes.append(run("embedded (fakeredis)", embedded.url, args.rate,
                                    args.embedded_seconds or args.seconds, args.patience, args.sink))
            finally:
                embedded.stop()
    finally:
        drop_database()
    record(f"End to end: POST → SMTP{args.label}", report(outcomes))
    memory_rows = [[o.broker, *row] for o in outcomes for row in o.memory]
    record(f"Peak memory after the end-to-end run{args.label}", (
        "VmHWM (peak RSS) and VmRSS in MiB of every process in each service's process group, "
        "read from /proc after the load: gunicorn master and workers, the notifier's Celery main "
        "process and pool children, the scheduler and its embedded beat process. The embedded "
        "Redis runs inside the bench process.\n\n"
        + table(["broker", "service", "pid", "process", "peak RSS MiB", "RSS now MiB"], memory_rows)
    ))


if __name__ == "__main__":
    main()
