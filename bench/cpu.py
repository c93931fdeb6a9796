"""CPU seconds of processes, threads and PostgreSQL backends, read from /proc: what a bench
spent where over its timed section (bench.notifier, bench.e2e)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text

TICKS = os.sysconf("SC_CLK_TCK")


def cpu(stat: Path) -> float | None:
    """utime + stime of a process or thread, in seconds; None when it is gone."""
    try:
        fields = stat.read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def of_process(pid: int) -> float:
    """CPU seconds of a process so far; 0 once it is gone."""
    return cpu(Path(f"/proc/{pid}/stat")) or 0.0


def group(pgid: int) -> dict[str, float]:
    """CPU seconds of every process in a process group (the worker and its pool)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            in_group = int(stat.read_text().rpartition(")")[2].split()[2]) == pgid
        except (OSError, IndexError, ValueError):
            continue
        seconds = cpu(stat) if in_group else None
        if seconds is not None:
            found[stat.parent.name] = seconds
    return found


def threads() -> dict[str, float]:
    """CPU seconds of this process's threads, by thread id."""
    return {stat.parent.name: seconds for stat in Path("/proc/self/task").glob("*/stat")
            if (seconds := cpu(stat)) is not None}


def backends(engine: Engine | None) -> dict[str, float]:
    """CPU seconds of the PostgreSQL backends serving the bench database, but the asker's own."""
    if engine is None:
        return {}
    with engine.connect() as connection:
        pids = connection.execute(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")).scalars().all()
    return {str(pid): seconds for pid in pids if (seconds := cpu(Path(f"/proc/{pid}/stat"))) is not None}
