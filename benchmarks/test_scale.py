"""``aligner align`` end to end on large documents: time and peak RSS at 20k, 100k and 200k sentences a side.

Each run is its own process (``benchmarks/_scale.py``: FLORES dev articles,
French and English, drawn again and again in an order shuffled with a fixed
seed, one sentence a line, a blank line between articles), so that the peak
RSS is the command's. The process's RSS is watched while it runs and the run
killed past a time or memory limit, which is recorded and skipped. Skips
when FLORES dev is absent.

The figures are recorded in the benchmark's ``extra_info``; what is asserted
is only what does not depend on the machine: the run finished, every
sentence is in the output, and the memory per sentence does not grow with
the size (at most 1.5 times that of the smallest run that finished).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ._common import watch
from ._scale import FLORES

HERE = Path(__file__).resolve().parent
# (sentences a side, time limit in s, memory limit in MB)
SIZES = [(20_000, 1800, 4096), (100_000, 3600, 8192), (200_000, 7200, 12288)]
_FINISHED: dict[int, dict] = {}


def run_scale(n: int, time_limit: float, memory_limit_mb: float) -> dict:
    """Run _scale.py for `n` sentences a side in its own process, killed past a limit."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(HERE / "_scale.py"), str(n)], cwd=HERE.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, status = watch(proc, time_limit, memory_limit_mb)
    out, err = proc.communicate()
    entry = {"n": n, "wall_seconds": round(time.monotonic() - start, 1)}
    if status or proc.returncode != 0:
        last = err.strip().splitlines()[-1] if err.strip() else ""
        entry.update(status=status or f"exit {proc.returncode}: {last}", peak_rss_mb=round(peak, 1))
        return entry
    entry.update(json.loads(out.strip().splitlines()[-1]), status="ok")
    entry["us_per_sentence"] = round(entry["seconds"] / (2 * entry["n"]) * 1e6, 1)
    entry["kb_per_sentence"] = round(entry["peak_rss_mb"] * 1024 / (2 * entry["n"]), 2)
    return entry


@pytest.mark.parametrize(("n", "time_limit", "memory_limit"), SIZES, ids=[f"{n // 1000}k" for n, *_ in SIZES])
def test_align_scale(n, time_limit, memory_limit, benchmark):
    if not (FLORES / "flores101_fra.dev").exists():
        pytest.skip(f"FLORES dev is not at {FLORES}")
    benchmark.group = "aligner align end to end (own process)"
    entry = benchmark.pedantic(run_scale, args=(n, time_limit, memory_limit), rounds=1, iterations=1)
    benchmark.extra_info.update(entry)
    if entry["status"] != "ok":
        pytest.skip(f"aligner align at {n} sentences a side: {entry['status']}")
    assert entry["exit"] == 0
    assert entry["beads"] >= entry["n"] * 0.9  # a row a bead, most of them 1-1
    _FINISHED[n] = entry
    smallest = _FINISHED[min(_FINISHED)]
    assert entry["kb_per_sentence"] <= 1.5 * smallest["kb_per_sentence"] + 1.0
