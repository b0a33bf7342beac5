"""The processes a test started and what became of them: for the tests that kill a batch and look for orphans.

psutil when it is installed (it comes with the cluster extra), else Linux's
/proc; a process is identified by its pid and start time, so that a pid
used again by an unrelated process is not taken for a survivor.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Callable
from pathlib import Path

import pytest

try:
    import psutil
except ImportError:  # pragma: no cover - psutil comes with distributed
    psutil = None

STEP = 0.1  # seconds between two looks


def _proc_table() -> dict[int, tuple[int, str, str]]:
    """{pid: (parent pid, state, start time)} of every process, from /proc."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            table[int(entry.name)] = (int(fields[1]), fields[0].decode(), fields[19].decode())
    return table


def descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process below `pid` (children, their children...)."""
    if psutil is not None:
        try:
            return {(p.pid, str(p.create_time())) for p in psutil.Process(pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            return set()
    if not Path("/proc").is_dir():
        pytest.skip("neither psutil nor /proc: the processes cannot be listed")
    table = _proc_table()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _, started) in table.items():
            if ppid == parent:
                found.add((child, started))
                todo.append(child)
    return found


def alive(processes: set[tuple[int, str]]) -> set[tuple[int, str]]:
    """Those of `processes` still running (a zombie, ended but not yet reaped, is not running)."""
    out = set()
    for pid, started in processes:
        if psutil is not None:
            try:
                p = psutil.Process(pid)
                if str(p.create_time()) == started and p.status() != psutil.STATUS_ZOMBIE:
                    out.add((pid, started))
            except psutil.NoSuchProcess:
                pass
        else:
            entry = _proc_table().get(pid)
            if entry is not None and entry[2] == started and entry[1] != "Z":
                out.add((pid, started))
    return out


def wait_until(what: str, condition, timeout: float) -> None:
    """Poll `condition` until it holds; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waiting for {what}: timed out after {timeout:.0f} s")
        time.sleep(STEP)


def kill_all(processes: set[tuple[int, str]]) -> None:
    """SIGKILL those of `processes` still running (a test's own survivors, by pid)."""
    for pid, _ in alive(processes):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def orphans_of_a_killed(batch: subprocess.Popen, ready: Callable[[set], bool], timeout: float,
                        grace: float = 20.0) -> tuple[set, set]:
    """SIGKILL `batch` once `ready(its processes so far)`; (its processes, those still running `grace` s later).

    Every process below `batch` is noted while waiting (after the kill they
    are no longer its children); whatever is left at the end is killed.
    """
    children: set = set()
    try:
        def noted() -> bool:
            children.update(descendants(batch.pid))
            if batch.poll() is not None:
                raise AssertionError(f"the batch ended before it was killed: {batch.communicate()[1]!r}")
            return ready(children)

        wait_until("the batch at work", noted, timeout)
        os.kill(batch.pid, signal.SIGKILL)
        batch.wait(timeout=30)
        deadline = time.monotonic() + grace
        while alive(children) and time.monotonic() < deadline:
            time.sleep(STEP)
        return children, alive(children)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
        kill_all(children)
