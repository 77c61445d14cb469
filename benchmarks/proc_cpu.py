"""CPU time of processes read from Linux's ``/proc``, for the benchmarks' per-part accounting.

CPU seconds depend much less on what else runs on the machine than throughput does, so the
benchmarks report them beside their latencies. Only live processes are counted (a process that
ended is gone from ``/proc``); the load generator's time comes from ``resource.getrusage`` instead.
"""

from __future__ import annotations

import os
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available() -> bool:
    """Whether ``/proc`` can be read here (Linux)."""
    return Path("/proc/self/stat").exists()


def proc_stat(pid: int) -> tuple[str, list[str]] | None:
    """The process's name and its stat fields from "state" on; None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = raw.rpartition(")")  # the name may hold spaces and parentheses
    return head.partition("(")[2], rest.split()


def _cpu_seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _live_pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def process_group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of the live processes of process group ``pgid``."""
    total = 0.0
    for pid in _live_pids():
        stat = proc_stat(pid)
        if stat and int(stat[1][2]) == pgid:
            total += _cpu_seconds(stat[1])
    return total


def processes_cpu(pids: list[int]) -> float | None:
    """CPU seconds of ``pids``; None when they cannot be read (a database on another host)."""
    total = 0.0
    for pid in pids:
        stat = proc_stat(pid)
        if stat is None:
            return None
        total += _cpu_seconds(stat[1])
    return total


def cpu_by_part(groups: dict[int, str], names: dict[str, str]) -> dict[str, float]:
    """CPU seconds of the live processes, summed per part: a process belongs to the part of its
    process group (``groups``: pgid -> part), else to the part whose process-name prefix it has
    (``names``: prefix -> part). Every part named is in the result, at 0 if nothing matched."""
    parts = dict.fromkeys([*groups.values(), *names.values()], 0.0)
    for pid in _live_pids():
        stat = proc_stat(pid)
        if stat is None:
            continue
        name, fields = stat
        part = groups.get(int(fields[2])) or next(
            (p for prefix, p in names.items() if name.startswith(prefix)), None)
        if part is not None:
            parts[part] += _cpu_seconds(fields)
    return parts
