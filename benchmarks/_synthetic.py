"""Synthetic document pairs with a planted path, for scaling the DP alone.

Run as a script in its own process so that its peak RSS is the DP's alone:
``python benchmarks/_synthetic.py N [D]`` prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import numpy as np


def planted_pair(n: int, d: int = 64, seed: int = 0, noise: float = 0.3):
    """Unit vectors for n source sentences and a target built from them.

    About 80% 1-1 beads (source vector plus noise), 5% 2-1 merges, 5% 1-0
    and 5% 0-1 deletions (unrelated vectors). Returns (source, target, gold beads).
    """
    rng = np.random.default_rng(seed)
    src = rng.standard_normal((n, d)).astype(np.float32)
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt, gold = [], []
    i = 0
    while i < n:
        r = rng.random()
        if r < 0.05:
            gold.append(((i,), ()))
            i += 1
        elif r < 0.10:
            tgt.append(rng.standard_normal(d))
            gold.append(((), (len(tgt) - 1,)))
        elif r < 0.15 and i + 1 < n:
            tgt.append(src[i] + src[i + 1] + noise * rng.standard_normal(d) / np.sqrt(d))
            gold.append(((i, i + 1), (len(tgt) - 1,)))
            i += 2
        else:
            tgt.append(src[i] + noise * rng.standard_normal(d) / np.sqrt(d))
            gold.append(((i,), (len(tgt) - 1,)))
            i += 1
    tgt = np.asarray(tgt, dtype=np.float32)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    return src, tgt, gold


def _peak_rss_mb() -> float:
    """This process's own peak RSS: ru_maxrss would carry the parent's over a fork."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int, d: int) -> dict:
    from aligner.search import best_path

    src, tgt, gold = planted_pair(n, d)
    start = time.perf_counter()
    # Sentence vectors only: runs are scored by their sums, as the pipeline's
    # search does before it embeds the joined texts the path needs.
    beads = best_path(src, tgt, np.full(len(src), 100.0), np.full(len(tgt), 100.0))
    seconds = time.perf_counter() - start
    found = len(set(beads) & set(gold)) / len(gold)
    return {
        "n": n, "m": len(tgt), "d": d, "seconds": seconds, "gold_beads_found": found,
        "peak_rss_mb": _peak_rss_mb(),
    }


if __name__ == "__main__":
    n = int(sys.argv[1])
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    from aligner.search import best_path  # noqa: F401  (compile the kernels before timing)

    run(50, d)
    print(json.dumps(run(n, d)))
