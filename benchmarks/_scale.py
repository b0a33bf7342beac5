"""Large document pairs from FLORES dev, aligned end to end by ``aligner align``.

Run as a script in its own process so that its peak RSS is the command's:
``python benchmarks/_scale.py N [--profile FILE]`` prints one JSON line.

The documents are N sentences a side, French and English: the FLORES dev
articles (blank line between two articles, one sentence a line) drawn again
and again in an order shuffled with a fixed seed, so line k of one side is
the translation of line k of the other. Only the 997 sentences of FLORES dev
exist, so the embedding store encodes each once: these runs measure
everything but the encoder's own work at scale (splitting, the band search,
the DP, the pair guard, the lazy rounds, writing).
"""

from __future__ import annotations

import cProfile
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

FLORES = Path(os.environ.get("ALIGNER_SHARED_DATA") or Path(__file__).resolve().parent.parent.parent / "shared" / "data")
FLORES = FLORES / "flores-dev"


def articles() -> list[list[tuple[str, str]]]:
    """The FLORES dev articles as lists of (French, English) sentences."""
    fra = (FLORES / "flores101_fra.dev").read_text(encoding="utf-8").splitlines()
    eng = (FLORES / "flores101_eng.dev").read_text(encoding="utf-8").splitlines()
    urls = [line.split("\t")[0] for line in (FLORES / "metadata_dev.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    out: list[list[tuple[str, str]]] = []
    for k, (url, f, e) in enumerate(zip(urls, fra, eng)):
        if k == 0 or url != urls[k - 1]:
            out.append([])
        out[-1].append((f, e))
    return out


def documents(n: int, seed: int = 0) -> tuple[str, str, int]:
    """(French text, English text, sentences a side) of about `n` sentences a side."""
    rng = random.Random(seed)
    pool = articles()
    src: list[str] = []
    tgt: list[str] = []
    count = 0
    while count < n:
        order = list(range(len(pool)))
        rng.shuffle(order)
        for a in order:
            src.append("\n".join(f for f, _ in pool[a]))
            tgt.append("\n".join(e for _, e in pool[a]))
            count += len(pool[a])
            if count >= n:
                break
    return "\n\n".join(src) + "\n", "\n\n".join(tgt) + "\n", count


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return -1.0


def run(n: int, profile: str | None = None) -> dict:
    from aligner.cli import main

    src_text, tgt_text, count = documents(n)
    with tempfile.TemporaryDirectory() as tmp:
        src, tgt, out = (os.path.join(tmp, name) for name in ("src.fr", "tgt.en", "out.tsv"))
        Path(src).write_text(src_text, encoding="utf-8")
        Path(tgt).write_text(tgt_text, encoding="utf-8")
        argv = ["align", src, tgt, "--src-lang", "fr", "--tgt-lang", "en", "-o", out]
        start = time.perf_counter()
        if profile:
            cProfile.runctx("code = main(argv)", globals(), env := {"main": main, "argv": argv}, profile)
            code = env["code"]
        else:
            code = main(argv)
        seconds = time.perf_counter() - start
        rows = [line.split("\t") for line in Path(out).read_text(encoding="utf-8").splitlines()[1:]]
    # FLORES is 1-1: most beads should be 1-1 (the splitter cuts a few
    # sentences differently on the two sides).
    one_to_one = sum(1 for r in rows if r[0] and r[1] and "," not in r[0] + r[1]) / max(len(rows), 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"n": count, "exit": code, "seconds": round(seconds, 2), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "beads": len(rows), "one_to_one_share": round(one_to_one, 4), "peak_rss_mb": round(_peak_rss_mb(), 1)}


if __name__ == "__main__":
    args = sys.argv[1:]
    prof = args[args.index("--profile") + 1] if "--profile" in args else None
    print(json.dumps(run(int(args[0]), prof)))
