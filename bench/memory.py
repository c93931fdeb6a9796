"""Peak resident memory (VmHWM) of every process in a child's process group.

Used by bench/e2e.py after its load: the gunicorn master and workers, the notifier's Celery
main process and pool children, and the scheduler.
"""
from __future__ import annotations

from pathlib import Path


def _status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _mib(status: dict[str, str], key: str) -> float:
    return int(status.get(key, "0 kB").split()[0]) / 1024


def group_members(pgid: int) -> list[int]:
    """Processes whose process group is pgid, leader first."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:  # state, ppid, pgrp
            members.append(int(entry.name))
    return sorted(members, key=lambda pid: (pid != pgid, pid))


def peak_rss(pgid: int) -> list[tuple[int, str, float, float]]:
    """(pid, role, VmHWM MiB, VmRSS MiB) for each member of the group."""
    rows = []
    for pid in group_members(pgid):
        try:
            status = _status(pid)
        except OSError:
            continue
        rows.append((pid, "main" if pid == pgid else "child", _mib(status, "VmHWM"), _mib(status, "VmRSS")))
    return rows
