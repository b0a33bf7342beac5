"""Worker processes that end with the process that started them, however it ends.

A batch's worker processes (the pool's, and those of ``cluster="local:N"``)
must not outlive the batch: killed with SIGKILL, the batch has no chance to
stop them, and an orphaned worker would go on holding a model's memory and
a core. `die_with_parent`, called first thing in a worker, asks the kernel
to kill the worker when its parent dies (Linux's ``PR_SET_PDEATHSIG``);
where there is no such call, a daemon thread watches the parent's pid and
ends the worker when it changes.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

__all__ = ["die_with_parent", "dask_setup"]

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# How often the watchdog thread looks at the parent, where the kernel cannot be asked.
_WATCH_SECONDS = 1.0


def die_with_parent(parent_pid: int | None = None) -> str:
    """End this process when its parent process dies; returns how ("prctl" or "watchdog").

    `parent_pid`: the pid of the parent as the parent saw it (``os.getpid()``
    there); by default this process's parent now. If the parent is already
    gone (it died before this call), this process ends at once.
    """
    expected = os.getppid() if parent_pid is None else parent_pid
    how = "prctl" if _set_pdeathsig() else "watchdog"
    # After the call, not before: a parent that died in between would otherwise go unnoticed.
    if os.getppid() != expected:
        os._exit(1)
    if how == "watchdog":
        threading.Thread(target=_watch, args=(expected,), name="aligner-die-with-parent", daemon=True).start()
    return how


def _set_pdeathsig() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that cannot be asked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def dask_setup(worker) -> None:
    """Dask's preload hook: a worker of ``cluster="local:N"`` ends with the batch's process."""
    die_with_parent()
