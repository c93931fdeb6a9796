"""`python -m bench.intake`: POST /api/v1/complaints under gunicorn vs a one-insert Flask app.

Both run under the same gunicorn options against the same PostgreSQL database and get the same
load from wrk (warm-up, then --seconds of measurement): req/s, p50, p99 and the ratio.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess

from bench import baseline_app
from bench.common import (
    COMPLAINT,
    DATABASE_URL,
    GUNICORN_OPTS,
    LOG_DIR,
    base_env,
    children,
    drop_database,
    flush_bench_redis,
    free_port,
    fresh_database,
    record,
    start_gunicorn,
    table,
    wait_http,
)

TARGET = 0.35  # issue 11: a complaint does far more than one INSERT (see RESULTS.md)
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def lua_script() -> str:
    path = LOG_DIR / "post.lua"
    body = json.dumps(COMPLAINT)  # ASCII in a Lua long string: LuaJIT has no \u escape
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = [[{body}]]\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
    )
    return str(path)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def wrk(url: str, seconds: int, connections: int, threads: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", lua_script(), url],
        check=True, capture_output=True, text=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def measure(name: str, app: str, args: argparse.Namespace) -> dict[str, float]:
    port = free_port()
    with children() as started:
        server = start_gunicorn(f"intake-bench-{name}", app, base_env(), port)
        started.append(server)
        wait_http(f"http://127.0.0.1:{port}/readyz", server)
        url = f"http://127.0.0.1:{port}/api/v1/complaints"
        wrk(url, args.warmup, args.connections, args.threads)
        result = wrk(url, args.seconds, args.connections, args.threads)
        server.check()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.intake")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    fresh_database()
    flush_bench_redis()
    try:
        baseline_app.create_schema(DATABASE_URL)
        baseline = measure("baseline", "bench.baseline_app:create_app()", args)
        intake = measure("intake", "services.intake:create_app()", args)
    finally:
        if not args.keep_db:
            drop_database()
    rows = [[name, f"{r['rps']:.0f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}", r["requests"],
             r["non2xx"], r["socket_errors"] or "-"]
            for name, r in (("baseline (Flask + 1 INSERT)", baseline),
                            ("intake POST /api/v1/complaints", intake))]
    for name, r in (("baseline", baseline), ("intake", intake)):
        if r["non2xx"] or r["socket_errors"]:
            print(f"WARNING: {name} answered errors; its figures do not count", flush=True)
    ratio = intake["rps"] / baseline["rps"]
    verdict = "reached" if ratio >= TARGET else "MISSED"
    record("Intake throughput", (
        f"gunicorn `{' '.join(GUNICORN_OPTS)}`, PostgreSQL, wrk -t{args.threads} "
        f"-c{args.connections}, {args.warmup} s warm-up then {args.seconds} s each.\n\n"
        + table(["server", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "socket errors"],
                rows)
        + f"\n\nratio intake/baseline req/s: **{ratio:.2f}×** (target ≥ {TARGET}×: {verdict})"
    ))


if __name__ == "__main__":
    main()
